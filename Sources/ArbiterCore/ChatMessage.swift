// ChatMessage: the one chat message type of Arbiter, a role and its text. Rubrics render judge
// prompts as these, chat backends send and receive them, the server decodes its wire messages
// into them and chat templates render them. It codes as OpenAI's `{"role": …, "content": …}`.
// Not here: message fields only tool calling uses (`tool_calls`, `tool_call_id`); a template
// that needs them is rendered from dictionaries (ChatTemplate's `render(messageValues:)`).
import Foundation

/// One chat message.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// Who speaks: a name as a chat template and the OpenAI API spell it.
    public struct Role: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
        CustomStringConvertible
    {
        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }

        public var description: String { rawValue }

        public static let system = Role(rawValue: "system")
        public static let user = Role(rawValue: "user")
        public static let assistant = Role(rawValue: "assistant")
        public static let tool = Role(rawValue: "tool")
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage {
        ChatMessage(role: .assistant, content: content)
    }
}
