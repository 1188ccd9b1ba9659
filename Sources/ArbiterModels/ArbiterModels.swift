// ArbiterModels: weight files (GGUF, safetensors), tokenizers, model architectures (chat templates
// render through ArbiterJinja).
// This file only names the module; the parts live in Type+Concern.swift files beside it.
import ArbiterTensor

/// Namespace for model-runtime constants.
public enum ArbiterModelsInfo {
    /// The GGUF versions the reader accepts.
    public static let supportedGGUFVersions: ClosedRange<UInt32> = 2...3
}
