// JudgeBench: judged samples/s of the in-process SmolLM2-135M judge on SummEval consistency
// samples (Data/summeval-consistency, run from the repository root), at the model layer the
// LocalChatBackend drives: (1) probability-weighted reads (prompt + assistant prefix "[RESULT] ",
// one prefill, top-20 alternatives of the next token); (2) free-generation judge attempts with
// logprobs, the old three-pass way (generate, then `logProbabilities`, then
// `candidateProbabilities` at the verdict) against the one-pass way (logprobs recorded while
// decoding). A speed measurement, not a test. ArbiterBench does not depend on ArbiterRubric, so
// the system message restates the summeval-consistency rubric's rendering (criterion, levels,
// answer format) and the user message follows its template; prompt lengths are printed. The
// model must be cached (`arbiter models fetch smollm2-135m`). Registered as suite "judge".
import ArbiterCore
import ArbiterJinja
import ArbiterModels
import Foundation

/// Prints samples/s for probability-weighted reads and free-generation attempts.
func judgeBenchmark() {
    let model: LanguageModel
    let samples: [(document: String, summary: String)]
    do {
        model = try LanguageModel.load(ModelStore().resolve("smollm2-135m").url)
        let data = try Data(contentsOf: URL(fileURLWithPath: "Data/summeval-consistency/samples.jsonl"))
        samples = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let prompt = object["prompt"] as? String, let response = object["response"] as? String
            else { return nil }
            return (prompt, response)
        }
    } catch {
        print(
            "judge: cannot load the model or Data/summeval-consistency (\(error.localizedDescription)); run from the repository root after `arbiter models fetch smollm2-135m`"
        )
        return
    }
    guard samples.count >= 8 else {
        print("judge: Data/summeval-consistency/samples.jsonl has \(samples.count) readable samples; need 8")
        return
    }
    let system = """
        You are an impartial judge. Evaluate the response to the prompt strictly by the rubric below. \
        Judge only what the rubric asks; do not reward length or style beyond it.

        Rubric: summeval-consistency (version 1.0.0): The factual alignment between a summary and the source document.

        Criteria:
        - `consistency` (weight 1): Is every statement in the summary supported by the source document? Penalise \
        hallucinated facts, wrong numbers, names or dates, and statements that contradict or go beyond the source.

        Score levels:

        `consistency` (numeric: 1, 2, 3, 4, 5):
          1: Inconsistent: the main statements contradict the source or are invented.
          2: Largely inconsistent: several statements are unsupported or contradict the source, including at least one central fact.
          3: Partly consistent: the main point is supported but at least one substantive statement is hallucinated or contradicts the source.
          4: Mostly consistent: everything important is supported; at most a minor detail is imprecise or not quite entailed.
          5: Fully consistent: every statement is entailed by the source; nothing is hallucinated.

        First write a short rationale. Then end with exactly one final line:
        [RESULT] <score>
        where <score> is one of: 1, 2, 3, 4, 5.
        """
    func prompt(_ s: (document: String, summary: String)) -> [Int] {
        let messages = [
            ChatMessage(role: "system", content: system),
            ChatMessage(
                role: "user", content: "### Source document\n\(s.document)\n\n### Summary to evaluate\n\(s.summary)"),
        ]
        return model.tokenizer.encode((try? model.renderChat(messages)) ?? "", addSpecialTokens: false)
    }
    let digits = (1...5).compactMap { model.tokenizer.id(of: String($0)) }
    let prompts = samples.prefix(8).map(prompt)
    let lengths = prompts.map(\.count)
    print(
        "judge: smollm2-135m, \(prompts.count) summeval-consistency samples, prompts \(lengths.min() ?? 0)…\(lengths.max() ?? 0) tokens (mean \(lengths.reduce(0, +) / max(lengths.count, 1)))"
    )

    // (1) Probability-weighted: prefill prompt + "[RESULT] ", one token with top-20 alternatives.
    let prefix = model.tokenizer.encode("[RESULT] ", addSpecialTokens: false)
    var found = 0
    let weighted = judgeBenchTime {
        for p in prompts {
            let r = try! model.generate(
                prompt: p + prefix, options: try! GenerationOptions(maxNewTokens: 1, topLogprobs: 20))
            found += (r.logprobs?.first?.top ?? []).contains { digits.contains($0.id) } ? 1 : 0
        }
    }
    print(
        String(
            format:
                "judge: probability-weighted (prefill only, top-20): %.3f samples/s (%.2f s per sample); a score digit in the top 20 for %d of %d",
            Double(prompts.count) / weighted, weighted / Double(prompts.count), found, prompts.count))

    // (2) Free generation with logprobs, 3 attempts of up to 48 tokens each way.
    let attempts = Array(prompts.prefix(3))
    let maxNew = 48
    var generatedTokens = 0
    let threePass = judgeBenchTime {
        for p in attempts {
            let r = try! model.generate(prompt: p, options: try! GenerationOptions(maxNewTokens: maxNew))
            generatedTokens += r.tokens.count
            _ = try! model.model.logProbabilities(prompt: p, completion: r.tokens)
            let verdict = r.tokens.lastIndex { digits.contains($0) } ?? max(r.tokens.count - 1, 0)
            _ = try! model.model.candidateProbabilities(prompt: p + r.tokens[..<verdict], candidates: digits)
        }
    }
    let onePass = judgeBenchTime {
        for p in attempts {
            _ = try! model.generate(prompt: p, options: try! GenerationOptions(maxNewTokens: maxNew, topLogprobs: 20))
        }
    }
    print(
        String(
            format:
                "judge: free generation with logprobs (%d attempts, %d new tokens): three passes %.3f attempts/s (%.2f s each), one pass %.3f attempts/s (%.2f s each), %.2fx",
            attempts.count, generatedTokens, Double(attempts.count) / threePass, threePass / Double(attempts.count),
            Double(attempts.count) / onePass, onePass / Double(attempts.count), threePass / onePass))
}

/// Wall-clock seconds of one run of `body` (a warm-up of the whole thing would double the cost).
private func judgeBenchTime(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
