// Rubric+Prompt: renders judge prompts from a rubric: a system message with the criteria, every
// level descriptor and the answer format, and a user message with the sample. Template overrides
// from the rubric replace the defaults; placeholders are substituted in one pass. The answer
// format (`[RESULT] …` lines) is read back by Rubric+Verdict.swift. Messages are ArbiterCore's
// ChatMessage, so a backend sends them as they are. No model calls here.
import ArbiterCore
import Foundation

extension Rubric {
    static func defaultSystemTemplate(_ kind: RubricKind) -> String {
        switch kind {
        case .pointwise:
            return """
                You are an impartial judge. Evaluate the response to the prompt strictly by the rubric \
                below. Judge only what the rubric asks; do not reward length or style beyond it.

                {{criteria}}

                {{scale}}

                {{output_format}}
                """
        case .pairwise:
            return """
                You are an impartial judge. Compare two responses to the same prompt by the criteria \
                below and decide which is better. The order in which the responses appear must not \
                influence you, and neither must their length beyond what the criteria ask.

                {{criteria}}

                {{output_format}}
                """
        }
    }

    static func defaultUserTemplate(_ kind: RubricKind, reference: Bool) -> String {
        switch kind {
        case .pointwise:
            let base = "### Prompt\n{{prompt}}\n\n### Response to evaluate\n{{response}}"
            return reference ? base + "\n\n### Reference answer\n{{reference}}" : base
        case .pairwise:
            return "### Prompt\n{{prompt}}\n\n### Response A\n{{response_a}}\n\n### Response B\n{{response_b}}"
        }
    }

    /// Formats a weight without a trailing `.0` for whole numbers.
    static func formatNumber(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// The `{{criteria}}` text: the rubric's name and description, then each criterion.
    var criteriaText: String {
        var lines = ["Rubric: \(name) (version \(version)): \(description)", "", "Criteria:"]
        for criterion in criteria {
            lines.append(
                "- `\(criterion.id)` (weight \(Self.formatNumber(criterion.weight))): \(criterion.description)")
        }
        if let referenceInstructions {
            lines.append("")
            lines.append("Using the reference answer: \(referenceInstructions)")
        }
        return lines.joined(separator: "\n")
    }

    /// The `{{scale}}` text: every criterion's levels, each with its descriptor.
    var scaleText: String {
        var lines = ["Score levels:"]
        for criterion in criteria {
            guard let scale = criterion.scale else { continue }
            let range = scale.levels.map(\.label).joined(separator: ", ")
            lines.append("")
            lines.append("`\(criterion.id)` (\(scale.type.rawValue): \(range)):")
            for level in scale.levels {
                lines.append("  \(level.label): \(level.descriptor)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The `{{output_format}}` text: how the judge must end its answer.
    var outputFormatText: String {
        switch kind {
        case .pairwise:
            return """
                First write a short rationale comparing the responses. Then end with exactly one final line, \
                one of:
                [RESULT] A
                [RESULT] B
                [RESULT] TIE
                (A if Response A is better, B if Response B is better, TIE if neither is better.)
                """
        case .pointwise:
            if criteria.count == 1, let scale = criteria[0].scale {
                return """
                    First write a short rationale. Then end with exactly one final line:
                    [RESULT] <score>
                    where <score> is one of: \(scale.levels.map(\.label).joined(separator: ", ")).
                    """
            }
            var lines = [
                "First write a short rationale for each criterion. Then end with one final line per criterion, in this order:"
            ]
            for criterion in criteria {
                let labels = criterion.scale?.levels.map(\.label).joined(separator: ", ") ?? ""
                lines.append("[RESULT] \(criterion.id): <one of \(labels)>")
            }
            return lines.joined(separator: "\n")
        }
    }

    private func render(
        _ values: [PromptPlaceholder: String], includeReference: Bool
    ) -> [ChatMessage] {
        var all = values
        all[.criteria] = criteriaText
        all[.scale] = scaleText
        all[.outputFormat] = outputFormatText
        let systemSource = templates?.system ?? Self.defaultSystemTemplate(kind)
        let userSource = templates?.user ?? Self.defaultUserTemplate(kind, reference: includeReference)
        // Templates were validated on load, so parsing cannot fail here; fall back to literal text.
        let system = PromptTemplate.parse(systemSource).template ?? PromptTemplate(segments: [.literal(systemSource)])
        let user = PromptTemplate.parse(userSource).template ?? PromptTemplate(segments: [.literal(userSource)])
        var systemText = system.render(all)
        let showsFormat = (system.placeholders + user.placeholders).contains(PromptPlaceholder.outputFormat.rawValue)
        if !showsFormat {
            systemText += "\n\n" + outputFormatText
        }
        return [
            .system(systemText), .user(user.render(all)),
        ]
    }

    /// Messages asking a judge to score one response. When the rubric needs a reference and none
    /// is given, the prompt says so. The judge is asked to end with `[RESULT]` lines
    /// (see `outputFormatText`); ArbiterJudge's `VerdictParser` reads them back.
    public func renderPointwise(prompt: String, response: String, reference: String? = nil) -> [ChatMessage] {
        precondition(kind == .pointwise, "renderPointwise needs a pointwise rubric; \(name) is \(kind.rawValue)")
        let referenceText = reference ?? (requiresReference ? "(no reference answer was provided)" : "")
        return render(
            [.prompt: prompt, .response: response, .reference: referenceText],
            includeReference: requiresReference || reference != nil)
    }

    /// Messages asking a judge which of two responses is better, ending with
    /// `[RESULT] A`, `[RESULT] B` or `[RESULT] TIE`; ArbiterJudge's `VerdictParser` reads it back.
    public func renderPairwise(prompt: String, responseA: String, responseB: String) -> [ChatMessage] {
        precondition(kind == .pairwise, "renderPairwise needs a pairwise rubric; \(name) is \(kind.rawValue)")
        return render([.prompt: prompt, .responseA: responseA, .responseB: responseB], includeReference: false)
    }
}
