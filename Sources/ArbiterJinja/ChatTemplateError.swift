// ChatTemplateError: every way parsing or rendering a Jinja chat template can fail.
// Positions are 1-based line and column in the template source (after newline normalisation).
// Not here: the lexer, parser or interpreter that throw these.
import Foundation

/// An error from parsing or rendering a chat template.
public enum ChatTemplateError: Error, LocalizedError, Equatable, Sendable {
    /// The template text is not valid Jinja.
    case syntax(message: String, line: Int, column: Int)
    /// The template uses a Jinja feature this interpreter does not implement.
    case unsupported(construct: String, line: Int, column: Int)
    /// The template called `raise_exception(message)`; `message` is exactly the template's text.
    case raised(String)
    /// Rendering failed: a type error, an undefined value used where a value is required, a bad call.
    case runtime(message: String, line: Int, column: Int)
    /// Rendering ran past a safety cap (loop iterations, recursion depth, output size).
    case limitExceeded(message: String, line: Int, column: Int)
    /// A tokenizer configuration holds no usable chat template.
    case invalidConfiguration(String)

    public var errorDescription: String? {
        switch self {
        case .syntax(let message, let line, let column):
            return "chat template syntax error at line \(line), column \(column): \(message). "
                + "Fix the template text at that position."
        case .unsupported(let construct, let line, let column):
            return "chat template uses an unsupported Jinja construct at line \(line), column \(column): "
                + "\(construct). Rewrite that part of the template with the supported subset "
                + "(if/for/set/macro, expressions, common filters)."
        case .raised(let message):
            return message
        case .runtime(let message, let line, let column):
            return "chat template error at line \(line), column \(column): \(message). "
                + "Check the messages and extra variables passed to render()."
        case .limitExceeded(let message, let line, let column):
            return "chat template stopped at line \(line), column \(column): \(message). "
                + "The template loops or recurses without end, or builds a huge output."
        case .invalidConfiguration(let message):
            return "tokenizer configuration: \(message)"
        }
    }
}

/// A 1-based position in the template source.
struct JinjaPosition: Sendable, Equatable {
    var line: Int
    var column: Int

    static let start = JinjaPosition(line: 1, column: 1)
}

extension ChatTemplateError {
    static func syntax(_ message: String, at position: JinjaPosition) -> ChatTemplateError {
        .syntax(message: message, line: position.line, column: position.column)
    }

    static func unsupported(_ construct: String, at position: JinjaPosition) -> ChatTemplateError {
        .unsupported(construct: construct, line: position.line, column: position.column)
    }

    static func runtime(_ message: String, at position: JinjaPosition) -> ChatTemplateError {
        .runtime(message: message, line: position.line, column: position.column)
    }

    static func limit(_ message: String, at position: JinjaPosition) -> ChatTemplateError {
        .limitExceeded(message: message, line: position.line, column: position.column)
    }
}
