// ChatTemplate: a model's Jinja chat template, parsed once and rendered for a conversation the way
// transformers' apply_chat_template renders it (trim_blocks, lstrip_blocks, raise_exception,
// strftime_now, tojson with ensure_ascii=False). Not here: tokenisation of the rendered text.
import ArbiterCore
import Foundation

/// A parsed chat template.
public struct ChatTemplate: Sendable {
    /// The template source as given.
    public let source: String
    /// Value of `bos_token` in the template (an `extra` entry overrides it).
    public var bosToken: String
    /// Value of `eos_token` in the template (an `extra` entry overrides it).
    public var eosToken: String
    let nodes: [JinjaNode]
    var limits = JinjaLimits()

    /// Parses `source`; throws `ChatTemplateError.syntax` (with line and column) or `.unsupported`.
    public init(_ source: String, bosToken: String = "", eosToken: String = "") throws(ChatTemplateError) {
        self.source = source
        self.bosToken = bosToken
        self.eosToken = eosToken
        let tokens = try JinjaLexer(source).tokenize()
        var parser = JinjaParser(tokens: tokens)
        nodes = try parser.parseTemplate()
    }

    /// Renders the conversation. Template variables: `messages`, `add_generation_prompt`,
    /// `bos_token`, `eos_token`, and every entry of `extra` (`tools`, `date_string`,
    /// `enable_thinking`, ...). `strftime_now(format)` formats `now` in UTC.
    /// Throws `.raised(message)` when the template calls `raise_exception(message)`.
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool, extra: [String: JinjaValue] = [:], now: Date = Date()
    ) throws(ChatTemplateError) -> String {
        try render(
            messageValues: messages.map(JinjaValue.init), addGenerationPrompt: addGenerationPrompt, extra: extra,
            now: now)
    }

    /// Renders a conversation given as the dictionaries the template sees, for messages a
    /// `ChatMessage` cannot hold (an assistant turn with `tool_calls` and no content, a tool
    /// result with its `tool_call_id`). Otherwise as `render(messages:addGenerationPrompt:extra:now:)`.
    public func render(
        messageValues: [JinjaValue], addGenerationPrompt: Bool, extra: [String: JinjaValue] = [:],
        now: Date = Date()
    ) throws(ChatTemplateError) -> String {
        var context: [String: JinjaRuntimeValue] = [
            "messages": .array(messageValues.map(JinjaRuntimeValue.init)),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]
        for (key, value) in extra where value != .undefined { context[key] = JinjaRuntimeValue(value) }
        let interpreter = JinjaInterpreter(context: context, limits: limits, now: now)
        return try interpreter.render(nodes)
    }
}
