// ArithmeticOptions: the one `--exact` flag that `generate`, `score`, `judge` and `serve` share
// (ModelArithmetic in ArbiterModels). Parsing only; the choice is made in LlamaLoadOptions.
import Arbiter
import ArgumentParser

/// `--exact`: fp32 throughout instead of llama.cpp's quantised arithmetic (the default).
struct ArithmeticOptions: ParsableArguments {
    @Flag(
        help: """
            In-process models: fp32 products throughout (reproduces the transformers fp32 \
            references) instead of the default fast arithmetic (the GGUF's quantised weight blocks \
            times 8-bit activations, as llama.cpp does: several times faster; next-token \
            log-probabilities move by about 0.05 nats on average).
            """)
    var exact = false

    /// The load options these flags choose.
    var loadOptions: LlamaLoadOptions { LlamaLoadOptions(arithmetic: exact ? .exact : .fast) }
}
