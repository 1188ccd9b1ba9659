// TrainJudgeCommand: `arbiter train-judge` — trains a judge (reward model) on the in-process
// kernels from a samples file and human labels or another judge's judgments, saves it to --out,
// and judges a held-out fold with it when asked. The work is ArbiterJudge's JudgeTrainingJob; this
// file parses options and draws progress.
import Arbiter
import ArgumentParser
import Foundation

struct TrainJudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-judge",
        abstract: "Train a judge (reward model) from labelled samples; use it with `judge --judge trained:DIR`.",
        discussion: """
            Pairwise rubrics train a Bradley–Terry reward head (Davidson's tie model when the labels have ties);
            pointwise rubrics an ordinal head over the scale's levels (or --objective regression|classification|verdict).
            --labels takes human labels ({"id","rater","winner"|"score"}) or judgments ({"id","judge",...}:
            distillation; pick one judge with --label-source). The encoder judge reads
            [CLS] criterion + prompt [SEP] response [SEP] (the response is kept when text is cut) and a few text
            statistics (lengths, overlap with the prompt and reference, repetition).
            --out gets config.json, judge.safetensors, metrics.jsonl, learning-curve.svg and checkpoint/;
            rerunning the same command resumes from the checkpoint. --test-fold I holds out the items whose
            SHA-256(id) (or of the prompt, with --split-by prompt) first byte mod --folds is I and writes the judge's verdicts on them to heldout-judgments.jsonl.
            """
    )

    @Option(help: "Rubric file (.yaml, .json, .xml).") var rubric: String
    @Option(help: "Samples file (JSONL; pairwise samples for pairwise rubrics).") var samples: String
    @Option(help: "Human labels or judgments (JSONL).") var labels: String
    @Option(name: .customLong("label-source"), help: "Train on this rater's or judge's labels only.")
    var labelSource: String?
    @Option(help: "majority (one example an item) or per-rater (one a label, weighted).") var aggregation: String =
        "majority"
    @Option(help: "The criterion to train (default: the rubric's first).") var criterion: String?
    @Option(help: "minilm-l6-v2 (default), smollm2-135m, a sentence-transformers folder or a GGUF file.")
    var backbone = "minilm-l6-v2"
    @Option(help: "bradley-terry (pairwise); ordinal, regression, classification or verdict (pointwise).")
    var objective: String?
    @Option(help: "Train LoRA adapters of this rank on the backbone (default: backbone frozen).") var lora: Int?
    @Flag(name: .customLong("full"), help: "Fine-tune every backbone weight.") var full = false
    @Option(help: "What the encoder judge's head reads: both (embedding and text features), embedding or features.")
    var inputs = "both"
    @Option(name: .customLong("max-length"), help: "Most tokens per text.") var maxLength = 256
    @Option(help: "Epochs.") var epochs = 3
    @Option(help: "Learning rate (the backbone's; the head's when it is frozen).") var lr: Float?
    @Option(name: .customLong("head-lr"), help: "The head's learning rate.") var headLR: Float?
    @Option(help: "Examples (pairs) per micro-batch.") var batch = 16
    @Option(name: .customLong("accumulate"), help: "Micro-batches per optimizer step.") var accumulate = 1
    @Option(name: .customLong("valid-fraction"), help: "Share of training items for validation.") var validFraction =
        0.1
    @Option(help: "Validations without improvement before stopping.") var patience = 2
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(name: .customLong("center-rewards"), help: "TRL's center_rewards_coefficient.") var centerRewards: Float?
    @Option(help: "Folds of the held-out split.") var folds = 5
    @Option(name: .customLong("test-fold"), help: "Hold out this fold (0..<folds) and judge it.") var testFold: Int?
    @Flag(
        name: .customLong("cross-validate"),
        help: "Train one judge per fold (in OUT/fold-K), each without its fold; pool the held-out judgments.")
    var crossValidate = false
    @Option(
        name: .customLong("split-by"),
        help: "id (each sample) or prompt (every pair of a prompt on one side: no repeated response leaks).")
    var splitBy = "id"
    @Option(help: "Output folder.") var out: String
    @Option(name: .customLong("judge-name"), help: "The judge's name in held-out judgments (default trained:<out>).")
    var judgeName: String?

    func validate() throws {
        guard LabelAggregation(rawValue: aggregation) != nil else {
            throw ValidationError("--aggregation \(aggregation): use majority or per-rater")
        }
        if let objective, JudgeObjective(rawValue: objective) == nil {
            throw ValidationError(
                "--objective \(objective): use bradley-terry, ordinal, regression, classification or verdict "
                    + "(verdict: a decoder backbone such as smollm2-135m)")
        }
        if lora != nil, full { throw ValidationError("--lora and --full exclude each other") }
        if let lora, lora < 1 { throw ValidationError("--lora must be ≥ 1 (got \(lora))") }
        // The upper bound is the backbone's: 512 positions for MiniLM, the context for a decoder.
        guard maxLength >= 8 else { throw ValidationError("--max-length must be at least 8") }
        guard SplitGrouping(rawValue: splitBy) != nil else { throw ValidationError("--split-by: use id or prompt") }
        guard ["both", "embedding", "features"].contains(inputs) else {
            throw ValidationError("--inputs \(inputs): use both, embedding or features")
        }
        if crossValidate, testFold != nil {
            throw ValidationError("--cross-validate and --test-fold exclude each other")
        }
        guard folds >= 2 else { throw ValidationError("--folds must be ≥ 2") }
        if let testFold, !(0..<folds).contains(testFold) {
            throw ValidationError("--test-fold must be in 0..<\(folds)")
        }
    }

    func run() async throws {
        let loaded = try Rubric.load(contentsOf: URL(fileURLWithPath: rubric))
        var options = JudgeTrainingJobOptions(
            rubric: loaded, samples: URL(fileURLWithPath: samples), labels: URL(fileURLWithPath: labels),
            output: URL(fileURLWithPath: out))
        options.criterion = criterion
        options.labelSource = labelSource
        options.aggregation = LabelAggregation(rawValue: aggregation)!
        options.backbone = backbone
        options.objective = objective.flatMap(JudgeObjective.init(rawValue:))
        options.mode = full ? .full : lora.map { .lora(rank: $0, alpha: Float(2 * $0)) } ?? .frozen
        options.usesFeatures = inputs != "embedding"
        options.usesEmbedding = inputs != "features"
        options.maxLength = maxLength
        options.epochs = epochs
        options.learningRate = lr
        options.headLearningRate = headLR
        options.batchSize = batch
        options.gradientAccumulation = accumulate
        options.validFraction = validFraction
        options.patience = patience
        options.seed = seed
        options.centerCoefficient = centerRewards
        options.folds = folds
        options.testFold = testFold
        options.judgeName = judgeName
        options.grouping = SplitGrouping(rawValue: splitBy)!
        let terminal = isatty(STDERR_FILENO) != 0
        let perStep = Double(batch * accumulate)
        let show: @Sendable (String, JudgeTrainingJobProgress) -> Void = { prefix, p in
            let percent = Double(p.step) / Double(max(p.totalSteps, 1))
            let eta = p.examplesPerSecond > 0 ? Double(p.totalSteps - p.step) * perStep / p.examplesPerSecond : 0
            let valid = p.validation.map { String(format: " valid %.3f", $0) } ?? ""
            let line =
                prefix
                + String(
                    format: "step %d/%d (%.0f%%) epoch %d loss %.4f %.1f ex/s ETA %.0fs", p.step, p.totalSteps,
                    percent * 100, p.epoch + 1, p.loss, p.examplesPerSecond, eta) + valid
            if terminal {
                FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
            } else if p.step % 10 == 0 || p.step == p.totalSteps || p.validation != nil {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        let job = JudgeTrainingJob(options: options)
        if crossValidate {
            let reports = try job.crossValidate { fold, p in show("fold \(fold + 1)/\(folds): ", p) }
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            let seconds = reports.reduce(0) { $0 + $1.seconds }
            print(
                """
                cross-validated judge: \(folds) folds in \(out)/fold-0 … fold-\(folds - 1) \
                (\(String(format: "%.1f", seconds)) s)
                held-out agreement per fold: \(reports.map { String(format: "%.4f", $0.heldOutAgreement ?? .nan) }.joined(separator: ", "))
                pooled held-out judgments: \(out)/heldout-judgments.jsonl
                """)
            return
        }
        let report = try job.run { show("", $0) }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        var lines = [
            "trained judge: \(report.judge.path) (\(report.trainCount) training, \(report.validCount) validation items)",
            "steps: \(report.steps)\(report.stoppedEarly ? " (stopped early)" : "")"
                + (report.resumedFromStep.map { ", resumed from step \($0)" } ?? ""),
            String(format: "time: %.1f s", report.seconds),
        ]
        if let best = report.bestValidation { lines.append(String(format: "best validation agreement: %.4f", best)) }
        if report.truncatedTexts > 0 { lines.append("texts cut to --max-length: \(report.truncatedTexts)") }
        if let url = report.heldOutJudgments {
            lines.append(
                "held out: \(report.heldOutCount) items, agreement \(String(format: "%.4f", report.heldOutAgreement ?? .nan)); "
                    + "judgments in \(url.path)")
        }
        print(lines.joined(separator: "\n"))
    }
}
