// PromptTemplate: a judge prompt template split into literal text and `{{placeholder}}` slots,
// rendered in one pass (so `{{…}}` inside a sample is never expanded). Validation of which
// placeholders a rubric may use lives in `Rubric+Schema.swift`; rendering in `Rubric+Prompt.swift`.
import Foundation

/// The placeholders templates may use.
public enum PromptPlaceholder: String, Sendable, CaseIterable {
    /// The task prompt the response answers.
    case prompt
    /// The response to judge (pointwise).
    case response
    /// The reference answer (pointwise; empty text when none was given).
    case reference
    /// The first response (pairwise).
    case responseA = "response_a"
    /// The second response (pairwise).
    case responseB = "response_b"
    /// The criteria: ids, weights, descriptions.
    case criteria
    /// Every criterion's scale with every level descriptor (pointwise).
    case scale
    /// The answer format the judge must follow (`[RESULT] …` lines).
    case outputFormat = "output_format"

    /// The placeholders a rubric of this kind may use.
    static func allowed(for kind: RubricKind) -> [PromptPlaceholder] {
        switch kind {
        case .pointwise: return [.prompt, .response, .reference, .criteria, .scale, .outputFormat]
        case .pairwise: return [.prompt, .responseA, .responseB, .criteria, .outputFormat]
        }
    }
}

/// A parsed template.
struct PromptTemplate: Equatable {
    enum Segment: Equatable {
        case literal(String)
        case placeholder(String)
    }

    let segments: [Segment]

    /// Placeholder names in order of appearance.
    var placeholders: [String] {
        segments.compactMap { if case .placeholder(let name) = $0 { return name } else { return nil } }
    }

    /// Splits `text` at `{{name}}` (spaces inside the braces are allowed). Returns nil and the
    /// offending text when a `{{` is never closed.
    static func parse(_ text: String) -> (template: PromptTemplate?, unclosed: String?) {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                segments.append(.literal(String(rest[rest.startIndex..<open.lowerBound])))
            }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                return (nil, String(rest[open.lowerBound...].prefix(30)))
            }
            let name = afterOpen[afterOpen.startIndex..<close.lowerBound]
                .trimmingCharacters(in: .whitespaces)
            segments.append(.placeholder(name))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty {
            segments.append(.literal(String(rest)))
        }
        return (PromptTemplate(segments: segments), nil)
    }

    /// Substitutes every placeholder from `values` (missing names render as empty text).
    func render(_ values: [PromptPlaceholder: String]) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .literal(let text): output += text
            case .placeholder(let name):
                if let key = PromptPlaceholder(rawValue: name) {
                    output += values[key] ?? ""
                }
            }
        }
        return output
    }
}
