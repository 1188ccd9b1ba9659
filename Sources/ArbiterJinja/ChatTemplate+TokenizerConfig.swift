// ChatTemplate+TokenizerConfig: builds a ChatTemplate from a Hugging Face tokenizer_config.json
// (`chat_template` as a string or as a list of named templates; `bos_token`/`eos_token` as
// strings or AddedToken objects). Not here: GGUF metadata (the GGUF reader exposes
// `tokenizer.chat_template` as a plain string for `ChatTemplate.init(_:)`).
import Foundation

extension ChatTemplate {
    /// Reads `chat_template`, `bos_token` and `eos_token` from tokenizer_config.json bytes.
    /// When `chat_template` is a list of `{"name", "template"}` entries, `name` picks one.
    public init(tokenizerConfigJSON data: Data, name: String = "default") throws(ChatTemplateError) {
        let root: JinjaValue
        do {
            root = try JinjaValue(parsingJSON: String(decoding: data, as: UTF8.self))
        } catch {
            throw .invalidConfiguration(
                "tokenizer_config.json is not valid JSON (\(error)); pass the file's exact bytes")
        }
        guard case .dictionary(let config) = root else {
            throw .invalidConfiguration("tokenizer_config.json must hold a JSON object")
        }
        let source: String
        switch config["chat_template"] {
        case .string(let text)?:
            source = text
        case .array(let entries)?:
            var named: [String: String] = [:]
            for entry in entries {
                if case .dictionary(let d) = entry, case .string(let n)? = d["name"],
                    case .string(let t)? = d["template"]
                {
                    named[n] = t
                }
            }
            guard let text = named[name] else {
                throw .invalidConfiguration(
                    "no chat template named '\(name)'; available: \(named.keys.sorted().joined(separator: ", "))")
            }
            source = text
        default:
            throw .invalidConfiguration(
                "no 'chat_template' entry; this model has no chat template (newer models keep it in chat_template.jinja)"
            )
        }
        func token(_ key: String) -> String {
            switch config[key] {
            case .string(let s)?: return s
            case .dictionary(let d)?:
                if case .string(let s)? = d["content"] { return s }
                return ""
            default: return ""
            }
        }
        try self.init(source, bosToken: token("bos_token"), eosToken: token("eos_token"))
    }
}
