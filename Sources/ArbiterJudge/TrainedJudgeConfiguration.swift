// TrainedJudgeConfiguration: the saved form of a trained judge — `<dir>/config.json` (what the
// network is: backbone and its SHA-256, tokenizer, max length, head, objective, scale, the
// rubric's content hash, feature scaling, tie strength, training settings and result) beside
// `<dir>/judge.safetensors` (the trainable tensors only: head, and LoRA adapters or every
// weight). Written atomically. Loading one for another rubric or backbone is an error naming
// both hashes. Not the network code and not judging (TrainedJudge).
import ArbiterCore
import ArbiterRubric
import ArbiterTensor
import Foundation

/// Which family of backbone a trained judge sits on.
enum JudgeArchitecture: String, Sendable, Codable {
    /// A BERT-family sentence encoder (safetensors folder), e.g. all-MiniLM-L6-v2.
    case encoder
    /// A Llama-family decoder (GGUF or safetensors), e.g. SmolLM2-135M-Instruct.
    case decoder
}

struct TrainedJudgeConfiguration: Codable, Sendable, Equatable {
    static let formatName = "arbiter-trained-judge"
    static let fileName = "config.json"
    static let weightsName = "judge.safetensors"

    var format = Self.formatName
    var version = 1
    var architecture: JudgeArchitecture
    /// The backbone as given (`minilm-l6-v2`, `smollm2-135m` or a path).
    var backbone: String
    /// SHA-256 of the backbone's weights file.
    var backboneSHA256: String
    /// SHA-256 of the tokenizer file the texts were tokenised with (nil when inside the weights).
    var tokenizerSHA256: String?
    var maxLength: Int
    var head: JudgeHeadKind
    var objective: JudgeObjective
    var mode: JudgeBackboneMode
    /// Whether the head reads TextFeatures, and their scaling.
    var features: FeatureScaling?
    /// Whether the head reads the encoder's embedding (nil: yes).
    var embedding: Bool?
    var rubricName: String
    var rubricHash: String
    var criterion: String
    /// The text a response is judged on (criterion id and description).
    var criterionText: String
    var scale: ScoreScale?
    /// The rubric itself, for verdict judges (their prompt is the rubric's).
    var rubric: Rubric?
    /// Davidson's log tie strength (pairwise judges trained with ties).
    var logTieStrength: Float?
    var training: JudgeTrainingConfiguration
    var labels: String
    var trainCount: Int
    var validCount: Int
    var bestValidation: Double?
    var truncatedTexts: Int

    enum CodingKeys: String, CodingKey {
        case format, version, architecture, backbone, head, objective, mode, features, criterion, scale, training,
            rubric, embedding
        case labels
        case backboneSHA256 = "backbone_sha256"
        case tokenizerSHA256 = "tokenizer_sha256"
        case maxLength = "max_length"
        case rubricName = "rubric_name"
        case rubricHash = "rubric_hash"
        case criterionText = "criterion_text"
        case logTieStrength = "log_tie_strength"
        case trainCount = "train_count"
        case validCount = "valid_count"
        case bestValidation = "best_validation"
        case truncatedTexts = "truncated_texts"
    }

    /// Writes config.json and judge.safetensors into `directory` (created if missing), each
    /// through a temporary sibling renamed into place.
    func save(weights: Parameters, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try weights.save(to: directory.appendingPathComponent(Self.weightsName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads `<directory>/config.json`.
    static func load(from directory: URL) throws -> TrainedJudgeConfiguration {
        let url = directory.appendingPathComponent(fileName)
        let data = try RegularFile.read(url)
        let configuration: TrainedJudgeConfiguration
        do {
            configuration = try JSONDecoder().decode(TrainedJudgeConfiguration.self, from: data)
        } catch {
            throw TrainedJudgeError.invalidConfiguration(path: url.path, reason: "\(error)")
        }
        guard configuration.format == formatName, configuration.version == 1 else {
            throw TrainedJudgeError.invalidConfiguration(
                path: url.path,
                reason: "format \(configuration.format) v\(configuration.version); expected \(formatName) v1")
        }
        return configuration
    }
}

/// A trained judge that cannot be loaded or used as asked.
public enum TrainedJudgeError: Error, LocalizedError, Equatable, Sendable {
    case invalidConfiguration(path: String, reason: String)
    case backboneMismatch(path: String, expected: String, found: String)
    case rubricMismatch(path: String, trainedOn: String, given: String)
    case unsupported(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .invalidConfiguration(let path, let reason):
            return "\(path): not a trained judge configuration (\(reason)); train one with `arbiter train-judge`"
        case .backboneMismatch(let path, let expected, let found):
            return "\(path): the judge was trained on a backbone with SHA-256 \(expected), but the backbone found "
                + "has \(found); fetch the same model (`arbiter models fetch`) or retrain"
        case .rubricMismatch(let path, let trainedOn, let given):
            return "\(path): the judge was trained for rubric content hash \(trainedOn), but the rubric given has "
                + "\(given); use the rubric it was trained with or retrain"
        case .unsupported(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
