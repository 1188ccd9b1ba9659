// JudgeNetworkFactory: the one place a judge network is built — fresh for training (backbone
// loaded through the model store, head initialised from the seed) or from a saved judge's
// configuration (backbone fetched, its SHA-256 checked against the configuration's). Not the
// networks themselves and not the weights' loading (TrainedJudge reads judge.safetensors).
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import ArbiterTensor
import Foundation

/// What a fresh network is made of.
struct JudgeNetworkSpecification: Sendable, Equatable {
    var architecture: JudgeArchitecture
    /// A model store name or a path.
    var backbone: String
    var head: JudgeHeadKind
    /// Whether the head has a bias (not for preference-trained reward heads).
    var headBias = true
    /// Scale levels (≥ 2 for ordinal and classification heads).
    var levels: Int
    var mode: JudgeBackboneMode
    var maxLength: Int
    /// Feature scaling fitted on the training texts; nil: the head reads the embedding alone.
    var features: FeatureScaling?
    /// Whether the head reads the encoder's embedding (encoders only).
    var embedding = true
    var seed: UInt64
    /// The rubric and criterion a verdict judge renders its prompt from.
    var rubric: Rubric? = nil
    var criterion: String? = nil
}

enum JudgeNetworkFactory {
    /// Which architecture `backbone` is: GGUF files are decoders, safetensors folders encoders.
    static func architecture(of backbone: String, store: ModelStore) throws -> JudgeArchitecture {
        let resolved = try store.resolve(backbone, fetchIfMissing: true)
        return resolved.format == .gguf ? .decoder : .encoder
    }

    /// The backbone's weights file and its SHA-256.
    static func backboneDigest(_ backbone: String, store: ModelStore) throws -> (url: URL, sha256: String) {
        let resolved = try store.resolve(backbone, fetchIfMissing: true)
        var url = resolved.url
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            url = url.appendingPathComponent("model.safetensors")
        }
        return (url, try SHA256Hex.digest(ofFile: url))
    }

    /// A fresh network for training.
    static func fresh(_ spec: JudgeNetworkSpecification, store: ModelStore) throws -> any JudgeNetwork {
        switch spec.architecture {
        case .encoder:
            let encoder = try SentenceEncoder.load(named: spec.backbone, store: store, fetchIfMissing: true)
            guard spec.maxLength <= encoder.maxSequenceLength else {
                throw TrainedJudgeError.unsupported(
                    path: spec.backbone,
                    reason: "it reads at most \(encoder.maxSequenceLength) tokens; use --max-length ≤ "
                        + "\(encoder.maxSequenceLength), or a decoder backbone for longer texts")
            }
            var rng = SeededRNG(seed: spec.seed)
            let head = JudgeHead(
                kind: spec.head,
                inputWidth: EncoderJudgeNetwork.inputWidth(
                    encoder: encoder, usesFeatures: spec.features != nil, usesEmbedding: spec.embedding),
                levels: spec.levels, bias: spec.headBias, rng: &rng)
            return try EncoderJudgeNetwork(
                encoder: encoder, head: head, mode: spec.mode,
                maxLength: spec.maxLength, featureScaling: spec.features, seed: spec.seed &+ 1,
                usesEmbedding: spec.embedding)
        case .decoder:
            let resolved = try store.resolve(spec.backbone, fetchIfMissing: true)
            let model = try LanguageModel.load(resolved.url)
            if spec.head == .verdict {
                guard let rubric = spec.rubric else {
                    throw TrainedJudgeError.unsupported(path: spec.backbone, reason: "a verdict judge needs its rubric")
                }
                return try DecoderVerdictJudgeNetwork(
                    model: model, rubric: rubric, criterion: spec.criterion, backbone: spec.mode,
                    maxLength: spec.maxLength, seed: spec.seed)
            }
            return try DecoderScalarJudgeNetwork(
                model: model, head: spec.head, levels: spec.levels, backbone: spec.mode, maxLength: spec.maxLength,
                seed: spec.seed, headBias: spec.headBias)
        }
    }

    /// The network a saved configuration describes (weights still to be loaded), after checking
    /// the backbone's SHA-256.
    static func network(
        for configuration: TrainedJudgeConfiguration, store: ModelStore, source: String
    ) throws -> any JudgeNetwork {
        let (_, digest) = try backboneDigest(configuration.backbone, store: store)
        guard digest == configuration.backboneSHA256 else {
            throw TrainedJudgeError.backboneMismatch(
                path: source, expected: configuration.backboneSHA256, found: digest)
        }
        let levels = configuration.scale?.levels.count ?? 2
        return try fresh(
            JudgeNetworkSpecification(
                architecture: configuration.architecture, backbone: configuration.backbone, head: configuration.head,
                headBias: !configuration.objective.isPairwise, levels: levels, mode: configuration.mode,
                maxLength: configuration.maxLength,
                features: configuration.features, embedding: configuration.embedding ?? true,
                seed: configuration.training.seed, rubric: configuration.rubric,
                criterion: configuration.rubric == nil ? nil : configuration.criterion),
            store: store)
    }

    /// Merges LoRA adapters into their weights (inference without the extra products).
    static func mergeAdapters(_ network: any JudgeNetwork) {
        if let encoder = network as? EncoderJudgeNetwork { encoder.encoder.model.mergeLoRA() }
        if let decoder = network as? DecoderScalarJudgeNetwork { decoder.model.model.mergeLoRA() }
        if let decoder = network as? DecoderVerdictJudgeNetwork { decoder.model.model.mergeLoRA() }
    }
}
