// GenerateCommand: `arbiter generate` and `arbiter score` — run the in-process language model on a
// prompt (generation) or a (prompt, completion) pair (per-token log-probabilities). Printing and
// exit codes only; the work is ArbiterModels' LanguageModel.
import Arbiter
import ArgumentParser
import Foundation

/// Options shared by generate and score: the model and how the prompt is built.
struct ModelPromptOptions: ParsableArguments {
    @Option(help: "A registered model name (see `arbiter models list`) or a .gguf path.")
    var model: String = "smollm2-135m"

    @Option(help: "The prompt text.")
    var prompt: String

    @Flag(help: "Wrap the prompt as one user turn with the model's chat template.")
    var chat = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @OptionGroup var arithmetic: ArithmeticOptions

    func load() throws -> LanguageModel {
        let resolved = try ModelStore().resolve(model, fetchIfMissing: true)
        return try LanguageModel.load(resolved.url, options: arithmetic.loadOptions)
    }

    /// The ids the model is conditioned on: the chat-rendered or raw prompt, or the BOS token
    /// alone for an empty raw prompt (`LanguageModel.conditioningIDs`; a model without one
    /// refuses it with `GenerationError.emptyPrompt`).
    func promptIDs(_ lm: LanguageModel) throws -> [Int] {
        let ids =
            chat ? try lm.chatPromptIDs([ChatMessage(role: "user", content: prompt)]) : lm.tokenizer.encode(prompt)
        return try lm.conditioningIDs(ids)
    }
}

/// Prints `object` as one line of JSON.
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a continuation with the in-process model (greedy unless --temperature > 0).")

    @OptionGroup var options: ModelPromptOptions

    @Option(help: "Largest number of new tokens.")
    var maxTokens: Int = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Keep only the k most likely tokens when sampling.")
    var topK: Int?

    @Option(help: "Nucleus sampling threshold.")
    var topP: Float?

    @Option(help: "Minimum probability relative to the most likely token.")
    var minP: Float?

    @Option(help: "Seed for sampling.")
    var seed: UInt64 = 0

    @Option(name: .customLong("stop"), help: "Stop when this string appears (repeatable).")
    var stops: [String] = []

    func validate() throws {
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be positive") }
        // Sampling options are checked whatever the temperature (a bad --top-p is an error at 0 too).
        do {
            _ = try SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP, seed: seed)
            _ = try GenerationOptions(maxNewTokens: maxTokens, stopStrings: stops)
        } catch {
            throw ValidationError(error.localizedDescription)
        }
    }

    func run() async throws {
        do {
            // Validated whatever the temperature (a bad --top-p is an error at 0 too), greedy at 0.
            let checked = try SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP, seed: seed)
            let sampling = temperature == 0 ? SamplingOptions.greedy : checked
            let generation = try GenerationOptions(maxNewTokens: maxTokens, sampling: sampling, stopStrings: stops)
            let lm = try options.load()
            let ids = try options.promptIDs(lm)
            let result = try lm.generate(prompt: ids, options: generation)
            if options.json {
                try printJSON([
                    "prompt_ids": ids, "output_ids": result.tokens, "text": result.text,
                    "finish_reason": result.finishReason.rawValue,
                ])
            } else {
                print(result.text)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ModelsCommand.fail(error)
        }
    }
}

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Per-token log-probabilities of a completion given a prompt, with their sum.")

    @OptionGroup var options: ModelPromptOptions

    @Option(help: "The completion to score (tokenized on its own, appended to the prompt ids).")
    var completion: String

    func run() async throws {
        do {
            let lm = try options.load()
            let promptIDs = try options.promptIDs(lm)
            let completionIDs = lm.tokenizer.encode(completion)
            guard !completionIDs.isEmpty else { throw ValidationError("--completion tokenizes to no tokens") }
            let logProbs = try lm.model.logProbabilities(prompt: promptIDs, completion: completionIDs)
            let sum = logProbs.reduce(0.0) { $0 + Double($1) }
            if options.json {
                try printJSON([
                    "prompt_ids": promptIDs, "completion_ids": completionIDs,
                    "tokens": completionIDs.map { lm.tokenizer.token(of: $0) ?? "" },
                    "logprobs": logProbs.map(Double.init), "sum": sum,
                ])
            } else {
                for (id, lp) in zip(completionIDs, logProbs) {
                    print("\(id)\t\(lm.tokenizer.token(of: id) ?? "")\t\(lp)")
                }
                print("sum\t\(sum)")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ModelsCommand.fail(error)
        }
    }
}
