// GRPOConfiguration+YAML: reads a GRPO configuration file (YAML; TRL's field names), checking every
// field: an unknown key, a wrong type or an out-of-range value is a GRPOConfigurationError naming
// the field, its line and what is allowed. Relative paths are resolved against the file's folder.
// Also the resolved configuration as YAML, for `arbiter grpo --dry-run`. Not the trainer.
import ArbiterModels
import ArbiterReward
import Foundation
import Yams

/// A configuration that cannot be used; each case names the field and the fix.
public enum GRPOConfigurationError: Error, LocalizedError, Equatable {
    case syntax(file: String, line: Int?, problem: String)
    case unknownField(field: String, line: Int?, known: [String])
    case missingField(field: String)
    case invalidField(field: String, value: String, expected: String)
    case fileNotFound(field: String, path: String)

    public var errorDescription: String? {
        switch self {
        case .syntax(let file, let line, let problem):
            return "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)"
        case .unknownField(let field, let line, let known):
            return "unknown field `\(field)`\(line.map { " (line \($0))" } ?? ""); known fields: "
                + known.joined(separator: ", ")
        case .missingField(let field):
            return "the configuration needs `\(field)`"
        case .invalidField(let field, let value, let expected):
            return "`\(field)` is \(value); use \(expected)"
        case .fileNotFound(let field, let path):
            return "`\(field)`: no readable file at \(path)"
        }
    }
}

extension GRPOConfiguration {
    /// Every top-level key the file may hold.
    static let knownFields = [
        "model", "train_data", "eval_data", "eval_steps", "prompt_field", "system_prompt", "use_chat_template",
        "rewards", "num_generations",
        "prompts_per_step", "per_device_train_batch_size", "max_prompt_length", "max_completion_length",
        "temperature", "top_p", "top_k", "min_p", "learning_rate", "lr_scheduler_type", "warmup_steps",
        "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "lora", "num_iterations",
        "beta", "epsilon", "epsilon_high", "delta", "loss_type", "importance_sampling_level", "scale_rewards",
        "multi_objective_aggregation", "advantage_estimator", "mask_truncated_completions", "top_entropy_quantile",
        "entropy_coef", "use_bias_correction_kl", "dynamic_sampling", "max_resample_rounds",
        "skip_zero_advantage_rows", "max_steps", "save_steps", "seed", "output_dir", "stop_on_hacking",
        "monitor_window",
    ]
    static let rewardFields = [
        "name", "weight", "verifier", "format", "judge", "soft_overlong", "length_penalty", "reference_field",
        "pattern", "monitor", "audit", "require", "score_range", "retries",
    ]

    /// Reads and validates the configuration file at `url`.
    public static func load(_ url: URL) throws -> GRPOConfiguration {
        try parse(try readText(url, field: "--config"), file: url.path, base: url.deletingLastPathComponent())
    }

    /// A configuration file's text: UTF-8, at most 1 MiB.
    static func readText(_ url: URL, field: String) throws -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GRPOConfigurationError.fileNotFound(field: field, path: url.path)
        }
        guard data.count <= 1 << 20, let text = String(data: data, encoding: .utf8) else {
            throw GRPOConfigurationError.syntax(
                file: url.path, line: nil, problem: "not a UTF-8 text file of at most 1 MiB")
        }
        return text
    }

    /// Parses configuration text; relative paths resolve against `base`.
    public static func parse(_ text: String, file: String, base: URL) throws -> GRPOConfiguration {
        let base = URL(fileURLWithPath: base.path, isDirectory: true)
        let map = try rootMapping(text, file: file)
        let fields = Fields(map: map, known: knownFields, prefix: "")
        try fields.checkKnown()
        let path = { (key: String) throws -> URL? in
            try fields.string(key).map { URL(fileURLWithPath: $0, relativeTo: base).standardizedFileURL }
        }
        guard let model = try fields.string("model") else { throw GRPOConfigurationError.missingField(field: "model") }
        guard let data = try path("train_data") else { throw GRPOConfigurationError.missingField(field: "train_data") }
        guard
            let out = try fields.string("output_dir").map({
                URL(fileURLWithPath: $0, isDirectory: true, relativeTo: base).standardizedFileURL
            })
        else { throw GRPOConfigurationError.missingField(field: "output_dir") }
        guard let maxSteps = try fields.int("max_steps", min: 1) else {
            throw GRPOConfigurationError.missingField(field: "max_steps")
        }
        guard let rewardNodes = fields.node("rewards") else {
            throw GRPOConfigurationError.missingField(field: "rewards")
        }
        let rewards = try parseRewards(rewardNodes, base: base)
        var c = GRPOConfiguration(model: model, trainData: data, rewards: rewards, maxSteps: maxSteps, outputDir: out)
        if model.hasSuffix(".gguf") { c.model = URL(fileURLWithPath: model, relativeTo: base).standardizedFileURL.path }
        c.evalData = try path("eval_data")
        if let v = try fields.int("eval_steps", min: 0) { c.evalSteps = v }
        if let v = try fields.string("prompt_field") { c.promptField = v }
        if let v = try fields.string("system_prompt") { c.systemPrompt = v }
        if let v = try fields.bool("use_chat_template") { c.useChatTemplate = v }
        if let v = try fields.int("num_generations", min: 2) { c.numGenerations = v }
        if let v = try fields.int("prompts_per_step", min: 1) { c.promptsPerStep = v }
        if let v = try fields.int("per_device_train_batch_size", min: 1) { c.perDeviceTrainBatchSize = v }
        if fields.isNull("max_prompt_length") {
            c.maxPromptLength = nil
        } else if let v = try fields.int("max_prompt_length", min: 1) {
            c.maxPromptLength = v
        }
        if let v = try fields.int("max_completion_length", min: 1) { c.maxCompletionLength = v }
        if let v = try fields.double("temperature", above: 0) { c.temperature = v }
        if let v = try fields.double("top_p", above: 0, max: 1) { c.topP = v }
        if let v = try fields.int("top_k", min: 0) { c.topK = v == 0 ? nil : v }
        if let v = try fields.double("min_p", min: 0, max: 1) { c.minP = v == 0 ? nil : v }
        if let v = try fields.double("learning_rate", min: 0) { c.learningRate = v }
        if let v = try fields.choice("lr_scheduler_type", GRPOLearningRateSchedule.self) { c.lrSchedulerType = v }
        if let v = try fields.int("warmup_steps", min: 0) { c.warmupSteps = v }
        if let v = try fields.double("weight_decay", min: 0) { c.weightDecay = v }
        if let v = try fields.double("adam_beta1", min: 0, below: 1) { c.adamBeta1 = v }
        if let v = try fields.double("adam_beta2", min: 0, below: 1) { c.adamBeta2 = v }
        if let v = try fields.double("adam_epsilon", above: 0) { c.adamEpsilon = v }
        if let v = try fields.double("max_grad_norm", above: 0) { c.maxGradNorm = v }
        if let node = fields.node("lora"), !fields.isNull("lora") { c.lora = try parseLoRA(node) }
        if let v = try fields.int("num_iterations", min: 1) { c.numIterations = v }
        if let v = try fields.double("beta", min: 0) { c.beta = v }
        if let v = try fields.double("epsilon", min: 0) { c.epsilon = v }
        if let v = try fields.double("epsilon_high", min: 0) { c.epsilonHigh = v }
        if let v = try fields.double("delta", above: 1) { c.delta = v }
        if let v = try fields.choice("loss_type", PolicyLossType.self) { c.lossType = v }
        if let v = try fields.choice("importance_sampling_level", ImportanceSamplingLevel.self) {
            c.importanceSamplingLevel = v
        }
        if let v = try fields.scaleRewards() { c.scaleRewards = v }
        if let v = try fields.choice("multi_objective_aggregation", MultiObjectiveAggregation.self) {
            c.multiObjectiveAggregation = v
        }
        if let v = try fields.choice("advantage_estimator", AdvantageEstimator.self) { c.advantageEstimator = v }
        if let v = try fields.bool("mask_truncated_completions") { c.maskTruncatedCompletions = v }
        if let v = try fields.double("top_entropy_quantile", min: 0, max: 1) { c.topEntropyQuantile = v }
        if let v = try fields.double("entropy_coef", min: 0) { c.entropyCoef = v }
        if let v = try fields.bool("use_bias_correction_kl") { c.useBiasCorrectionKL = v }
        if let v = try fields.bool("dynamic_sampling") { c.dynamicSampling = v }
        if let v = try fields.int("max_resample_rounds", min: 0) { c.maxResampleRounds = v }
        if let v = try fields.bool("skip_zero_advantage_rows") { c.skipZeroAdvantageRows = v }
        if let v = try fields.int("save_steps", min: 1) { c.saveSteps = v }
        if let v = try fields.int("seed", min: 0) { c.seed = UInt64(v) }
        if let v = try fields.bool("stop_on_hacking") { c.stopOnHacking = v }
        if let v = try fields.int("monitor_window", min: 2) { c.monitorWindow = v }
        try c.validate()
        return c
    }

    /// Cross-field checks.
    func validate() throws {
        if let h = epsilonHigh, h < epsilon {
            throw GRPOConfigurationError.invalidField(
                field: "epsilon_high", value: "\(h)", expected: "a value ≥ epsilon (\(epsilon))")
        }
        if beta > 0, lora == nil, learningRate > 0 {
            // Full fine-tuning with a KL term keeps a frozen copy of the model: allowed, noted in the docs.
        }
        let names = rewards.map(\.name)
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw GRPOConfigurationError.invalidField(
                field: "rewards", value: "two rewards named \(dup)", expected: "a unique name per reward")
        }
        guard rewards.contains(where: { !$0.monitor && $0.weight != 0 }) else {
            throw GRPOConfigurationError.invalidField(
                field: "rewards", value: "no reward to train on", expected: "at least one reward with monitor: false")
        }
    }

    static func parseLoRA(_ node: Node) throws -> GRPOLoRA {
        guard let map = node.mapping else {
            throw GRPOConfigurationError.invalidField(
                field: "lora", value: describe(node), expected: "a mapping {r: 16, alpha: 32, targets: [...]} or null")
        }
        let fields = Fields(map: map, known: ["r", "alpha", "targets"], prefix: "lora.")
        try fields.checkKnown()
        var lora = GRPOLoRA()
        if let r = try fields.int("r", min: 1) { lora.rank = r }
        if let a = try fields.double("alpha", above: 0) { lora.alpha = a }
        if let t = try fields.stringList("targets") {
            if let bad = t.first(where: { !LlamaModel.loraTargets.contains($0) }) {
                throw GRPOConfigurationError.invalidField(
                    field: "lora.targets", value: bad, expected: LlamaModel.loraTargets.joined(separator: ", "))
            }
            lora.targets = t
        }
        return lora
    }

    /// The file's top-level mapping (after refusing pathological nesting and non-YAML text).
    static func rootMapping(_ text: String, file: String) throws -> Node.Mapping {
        // A configuration nests a few levels; refuse pathological nesting before the recursive parser.
        let brackets = text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "[") || $1 == UInt8(ascii: "{") ? 1 : 0) }
        guard brackets <= 10_000 else {
            throw GRPOConfigurationError.syntax(
                file: file, line: nil, problem: "too deeply nested to be a configuration")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw GRPOConfigurationError.syntax(file: file, line: nil, problem: "not valid YAML (\(error))")
        }
        guard let root, let map = root.mapping else {
            throw GRPOConfigurationError.syntax(
                file: file, line: nil, problem: "the file must be a mapping of fields (model:, train_data:, …)")
        }
        return map
    }

    static func parseRewards(_ node: Node, base: URL) throws -> [GRPORewardSpec] {
        guard let list = node.sequence, !list.isEmpty else {
            throw GRPOConfigurationError.invalidField(
                field: "rewards", value: describe(node), expected: "a non-empty list of {name: …, verifier: …} entries")
        }
        return try list.enumerated().map { index, item in
            guard let map = item.mapping else {
                throw GRPOConfigurationError.invalidField(
                    field: "rewards[\(index)]", value: describe(item), expected: "a mapping {name: …, verifier: …}")
            }
            var f = Fields(map: map, known: rewardFields, prefix: "rewards[\(index)].")
            try f.checkKnown()
            guard let name = try f.string("name"), !name.isEmpty else {
                throw GRPOConfigurationError.missingField(field: "rewards[\(index)].name")
            }
            f.prefix = "rewards.\(name)."
            let kinds = ["verifier", "format", "judge", "soft_overlong", "length_penalty"].filter { f.node($0) != nil }
            guard kinds.count == 1 else {
                throw GRPOConfigurationError.invalidField(
                    field: "rewards.\(name)", value: kinds.isEmpty ? "no kind" : "several kinds (\(kinds))",
                    expected: "exactly one of verifier, format, judge, soft_overlong, length_penalty")
            }
            let kind: GRPORewardSpec.Kind
            switch kinds[0] {
            case "verifier":
                let v = try f.string("verifier")!
                guard GRPORewardSpec.verifierKinds.contains(v) else {
                    throw GRPOConfigurationError.invalidField(
                        field: "rewards.\(name).verifier", value: v,
                        expected: GRPORewardSpec.verifierKinds.joined(separator: ", "))
                }
                kind = .verifier(v)
            case "format": kind = .format(try f.string("format")!)
            case "judge":
                var spec = try f.string("judge")!
                if spec.hasPrefix("trained:") {
                    let dir = String(spec.dropFirst("trained:".count))
                    spec = "trained:" + URL(fileURLWithPath: dir, relativeTo: base).standardizedFileURL.path
                }
                kind = .judge(spec)
            case "soft_overlong":
                let sub = try f.subfields("soft_overlong", known: ["max_length", "cache_length"])
                guard let m = try sub.int("max_length", min: 1), let c = try sub.int("cache_length", min: 0), c < m
                else {
                    throw GRPOConfigurationError.invalidField(
                        field: "rewards.\(name).soft_overlong", value: "incomplete",
                        expected: "{max_length: L, cache_length: C} with 0 ≤ C < L")
                }
                kind = .softOverlong(maxLength: m, cacheLength: c)
            default:
                let sub = try f.subfields("length_penalty", known: ["budget", "rate"])
                guard let b = try sub.int("budget", min: 0), let r = try sub.double("rate", min: 0) else {
                    throw GRPOConfigurationError.invalidField(
                        field: "rewards.\(name).length_penalty", value: "incomplete", expected: "{budget: N, rate: R}")
                }
                kind = .lengthPenalty(budget: b, rate: r)
            }
            var spec = GRPORewardSpec(name: name, kind: kind)
            if let w = try f.double("weight") { spec.weight = w }
            spec.referenceField = try f.string("reference_field")
            spec.pattern = try f.string("pattern")
            if let m = try f.bool("monitor") { spec.monitor = m }
            spec.audit = try f.string("audit").map { URL(fileURLWithPath: $0, relativeTo: base).standardizedFileURL }
            spec.require = try f.string("require")
            if let r = try f.doubleList("score_range") {
                guard r.count == 2, r[0] < r[1] else {
                    throw GRPOConfigurationError.invalidField(
                        field: "rewards.\(name).score_range", value: "\(r)", expected: "[low, high] with low < high")
                }
                spec.scoreRange = r[0]...r[1]
            }
            if let n = try f.int("retries", min: 0) { spec.retries = n }
            if case .verifier(let v) = kind, v == "regex", spec.pattern == nil {
                throw GRPOConfigurationError.missingField(field: "rewards.\(name).pattern")
            }
            if spec.require != nil, spec.audit == nil {
                throw GRPOConfigurationError.missingField(field: "rewards.\(name).audit")
            }
            return spec
        }
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "\"\(s.string.prefix(40))\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// Typed access to a YAML mapping's fields, with errors naming `prefix + key`.
struct Fields {
    let map: Node.Mapping
    let known: [String]
    var prefix: String

    func checkKnown() throws {
        for (key, _) in map {
            let name = key.string ?? "?"
            if !known.contains(name) {
                throw GRPOConfigurationError.unknownField(field: prefix + name, line: key.mark?.line, known: known)
            }
        }
    }

    func node(_ key: String) -> Node? { map[key] }

    func isNull(_ key: String) -> Bool {
        guard let n = map[key], case .scalar = n else { return false }
        return n.null != nil
    }

    private func invalid(_ key: String, _ expected: String) -> GRPOConfigurationError {
        .invalidField(
            field: prefix + key, value: map[key].map(GRPOConfiguration.describe) ?? "missing", expected: expected)
    }

    func string(_ key: String) throws -> String? {
        guard let n = map[key], !isNull(key) else { return nil }
        guard case .scalar(let s) = n else { throw invalid(key, "text") }
        return s.string
    }

    func bool(_ key: String) throws -> Bool? {
        guard let n = map[key], !isNull(key) else { return nil }
        guard let b = n.bool else { throw invalid(key, "true or false") }
        return b
    }

    func int(_ key: String, min: Int? = nil) throws -> Int? {
        guard let n = map[key], !isNull(key) else { return nil }
        guard let v = n.int, v >= (min ?? Int.min) else {
            throw invalid(key, "an integer" + (min.map { " ≥ \($0)" } ?? ""))
        }
        return v
    }

    func double(
        _ key: String, min: Double? = nil, above: Double? = nil, max: Double? = nil, below: Double? = nil
    ) throws -> Double? {
        guard let n = map[key], !isNull(key) else { return nil }
        var rule: [String] = []
        if let min { rule.append("≥ \(min)") }
        if let above { rule.append("> \(above)") }
        if let max { rule.append("≤ \(max)") }
        if let below { rule.append("< \(below)") }
        let expected = "a finite number" + (rule.isEmpty ? "" : " " + rule.joined(separator: " and "))
        guard let v = n.float ?? n.int.map(Double.init), v.isFinite else { throw invalid(key, expected) }
        if let min, v < min { throw invalid(key, expected) }
        if let above, v <= above { throw invalid(key, expected) }
        if let max, v > max { throw invalid(key, expected) }
        if let below, v >= below { throw invalid(key, expected) }
        return v
    }

    func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws -> E?
    where E.RawValue == String {
        guard let s = try string(key) else { return nil }
        guard let v = E(rawValue: s) else {
            throw invalid(key, "one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return v
    }

    /// TRL's `scale_rewards`: group, batch, none, or true/false (= group/none).
    func scaleRewards() throws -> RewardScaling? {
        guard let n = map["scale_rewards"], !isNull("scale_rewards") else { return nil }
        if let b = n.bool { return b ? .group : RewardScaling.none }
        return try choice("scale_rewards", RewardScaling.self)
    }

    func stringList(_ key: String) throws -> [String]? {
        guard let n = map[key], !isNull(key) else { return nil }
        guard let items = n.sequence else { throw invalid(key, "a list of names") }
        return try items.map { item in
            guard case .scalar(let s) = item else { throw invalid(key, "a list of names") }
            return s.string
        }
    }

    func doubleList(_ key: String) throws -> [Double]? {
        guard let n = map[key], !isNull(key) else { return nil }
        guard let items = n.sequence else { throw invalid(key, "a list of numbers") }
        return try items.map { item in
            guard let v = item.float ?? item.int.map(Double.init), v.isFinite else {
                throw invalid(key, "a list of numbers")
            }
            return v
        }
    }

    func subfields(_ key: String, known: [String]) throws -> Fields {
        guard let map = map[key]?.mapping else { throw invalid(key, "a mapping") }
        let f = Fields(map: map, known: known, prefix: prefix + key + ".")
        try f.checkKnown()
        return f
    }
}

extension GRPOConfiguration {
    /// Every setting, defaults filled in and paths absolute, as YAML this parser reads back.
    public var resolvedYAML: String {
        func q(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func opt<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "null" }
        var lines = [
            "model: \(q(model))", "train_data: \(q(trainData.path))",
            "eval_data: \(evalData.map { q($0.path) } ?? "null")", "eval_steps: \(evalSteps)",
            "prompt_field: \(q(promptField))",
            "system_prompt: \(systemPrompt.map(q) ?? "null")", "use_chat_template: \(useChatTemplate)", "rewards:",
        ]
        for r in rewards {
            var fields = ["name: \(q(r.name))"]
            switch r.kind {
            case .verifier(let v): fields.append("verifier: \(q(v))")
            case .format(let p): fields.append("format: \(q(p))")
            case .judge(let j): fields.append("judge: \(q(j))")
            case .softOverlong(let m, let c): fields.append("soft_overlong: {max_length: \(m), cache_length: \(c)}")
            case .lengthPenalty(let b, let rate): fields.append("length_penalty: {budget: \(b), rate: \(rate)}")
            }
            fields.append("weight: \(r.weight)")
            if let f = r.referenceField { fields.append("reference_field: \(q(f))") }
            if let p = r.pattern { fields.append("pattern: \(q(p))") }
            if r.monitor { fields.append("monitor: true") }
            if let a = r.audit { fields.append("audit: \(q(a.path))") }
            if let g = r.require { fields.append("require: \(q(g))") }
            if let s = r.scoreRange { fields.append("score_range: [\(s.lowerBound), \(s.upperBound)]") }
            if r.retries > 0 { fields.append("retries: \(r.retries)") }
            lines.append("  - {" + fields.joined(separator: ", ") + "}")
        }
        lines += [
            "num_generations: \(numGenerations)", "prompts_per_step: \(promptsPerStep)",
            "per_device_train_batch_size: \(perDeviceTrainBatchSize)", "max_prompt_length: \(opt(maxPromptLength))",
            "max_completion_length: \(maxCompletionLength)", "temperature: \(temperature)", "top_p: \(topP)",
            "top_k: \(topK ?? 0)", "min_p: \(minP ?? 0)", "learning_rate: \(learningRate)",
            "lr_scheduler_type: \(lrSchedulerType.rawValue)", "warmup_steps: \(warmupSteps)",
            "weight_decay: \(weightDecay)", "adam_beta1: \(adamBeta1)", "adam_beta2: \(adamBeta2)",
            "adam_epsilon: \(adamEpsilon)", "max_grad_norm: \(maxGradNorm)",
            "lora: "
                + (lora.map { "{r: \($0.rank), alpha: \($0.alpha), targets: [\($0.targets.joined(separator: ", "))]}" }
                    ?? "null"),
            "num_iterations: \(numIterations)", "beta: \(beta)", "epsilon: \(epsilon)",
            "epsilon_high: \(opt(epsilonHigh))", "delta: \(opt(delta))", "loss_type: \(lossType.rawValue)",
            "importance_sampling_level: \(importanceSamplingLevel.rawValue)", "scale_rewards: \(scaleRewards.rawValue)",
            "multi_objective_aggregation: \(multiObjectiveAggregation.rawValue)",
            "advantage_estimator: \(advantageEstimator.rawValue)",
            "mask_truncated_completions: \(maskTruncatedCompletions)", "top_entropy_quantile: \(topEntropyQuantile)",
            "entropy_coef: \(entropyCoef)", "use_bias_correction_kl: \(useBiasCorrectionKL)",
            "dynamic_sampling: \(dynamicSampling)", "max_resample_rounds: \(maxResampleRounds)",
            "skip_zero_advantage_rows: \(skipZeroAdvantageRows)",
            "max_steps: \(maxSteps)", "save_steps: \(saveSteps)", "seed: \(seed)", "output_dir: \(q(outputDir.path))",
            "stop_on_hacking: \(stopOnHacking)", "monitor_window: \(monitorWindow)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
