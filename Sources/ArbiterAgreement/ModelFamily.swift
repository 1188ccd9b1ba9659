// ModelFamily: the documented normalisation of a model name to a family, for the self-preference
// probe ("does the judge favour responses from its own family?"). Not a model registry.
//
// The rule, in order:
//  1. lowercase the name and split it into tokens at every character that is not a letter or digit
//     ("meta-llama/Llama-2-7b" → meta, llama, 2, 7b; "ChatGPT/prompt1" → chatgpt, prompt1);
//  2. for each token in order, take its leading letters ("gpt2" → gpt, "llama2" → llama, "13b" → "");
//     skip it when they are fewer than 3 letters or a generic word (meta, prompt, chat, local, …);
//  3. an alias (checked on the whole token first, so "t5" and "yi" work) maps known products and fine-tunes to the base family (chatgpt, davinci → gpt;
//     alpaca, vicuna, pandalm (PandaLM-7B is tuned from LLaMA-7B), beluga/stablebeluga (Llama-2) →
//     llama; mixtral, zephyr → mistral; bloomz → bloom; flan → t5);
//  4. else a known family that the letters start with ("bertgeneration" → bert, "gptneo" → gpt);
//  5. else the letters themselves (an unknown family, e.g. "hint", "human");
//  6. no usable token → nil (e.g. SummEval's system ids "M11", "M23": not model names).
// So gpt-3.5-turbo, gpt-4 and GPT-2 are all "gpt"; Llama-2-13b and llama-7b are "llama".

/// Model-family normalisation (see the file header for the rule).
public enum ModelFamily {
    /// Fine-tunes and product names → base family.
    public static let aliases: [String: String] = [
        "chatgpt": "gpt", "davinci": "gpt", "openai": "gpt",
        "alpaca": "llama", "vicuna": "llama", "pandalm": "llama", "beluga": "llama", "stablebeluga": "llama",
        "codellama": "llama", "koala": "llama", "wizardlm": "llama", "tulu": "llama", "guanaco": "llama",
        "mixtral": "mistral", "zephyr": "mistral",
        "bloomz": "bloom", "flan": "t5", "qwq": "qwen", "t5": "t5", "yi": "yi",
    ]
    /// Families recognised as a prefix of a token's letters (longest first wins).
    public static let knownFamilies: [String] = [
        "smollm", "deepseek", "cerebras", "mistral", "roberta", "claude", "gemini", "falcon", "pythia", "gemma",
        "llama", "bloom", "xlnet", "qwen", "bert", "ctrl", "gpt", "phi", "opt",
    ].sorted { $0.count > $1.count }
    /// Tokens that never name a family.
    public static let genericWords: Set<String> = [
        "meta", "prompt", "chat", "instruct", "model", "the", "hf", "tag", "base", "turbo", "preview",
        "text", "large", "small", "medium", "mini", "judge", "generation", "version", "latest", "tiny",
        "local", "ollama", "api",
    ]

    /// The family of a model name, or nil when it names none.
    public static func family(of name: String) -> String? {
        let tokens = name.lowercased().split { !($0.isLetter || $0.isNumber) || !$0.isASCII }.map(String.init)
        for token in tokens {
            if let a = aliases[token] { return a }
            let letters = String(token.prefix { $0.isLetter })
            guard letters.count >= 3, !genericWords.contains(letters) else { continue }
            if let a = aliases[letters] { return a }
            if let known = knownFamilies.first(where: { letters.hasPrefix($0) }) { return known }
            return letters
        }
        return nil
    }
}
