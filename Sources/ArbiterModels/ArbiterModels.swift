// ArbiterModels: weight files (GGUF, safetensors), tokenizers, chat templates, model architectures.
// This file only names the module; the parts live in Type+Concern.swift files beside it.
import ArbiterTensor

/// Namespace for model-runtime constants.
public enum ArbiterModelsInfo {
    /// The GGUF versions the reader accepts.
    public static let supportedGGUFVersions: ClosedRange<UInt32> = 2...3
}
