// TransformerBlock: one pre-norm Llama-style decoder block built from Tensor ops, for training
// tests and benchmarks: x + Attn(RMSNorm(x)) then x + SwiGLU(RMSNorm(x)), with grouped-query
// causal attention and rotary embeddings (half-split layout). Weights are stored (in, out) so
// a projection is `x.matmul(w)`. Not a checkpoint loader and not a KV-cached inference path
// (those are ArbiterModels').
import Foundation

/// A pre-norm decoder block: RMSNorm → GQA causal attention with RoPE → residual,
/// RMSNorm → SwiGLU MLP → residual.
public struct TransformerBlock {
    /// Sizes and constants, validated in `init`.
    public struct Configuration: Sendable, Equatable {
        public let modelDim: Int
        public let heads: Int
        public let kvHeads: Int
        public let headDim: Int
        public let ffnDim: Int
        public let normEps: Float
        public let ropeTheta: Float

        /// `heads` must be a multiple of `kvHeads`; `headDim` must be even (RoPE).
        public init(
            modelDim: Int, heads: Int, kvHeads: Int, headDim: Int, ffnDim: Int, normEps: Float = 1e-5,
            ropeTheta: Float = 10_000
        ) {
            precondition(
                modelDim > 0 && heads > 0 && kvHeads > 0 && headDim > 0 && ffnDim > 0,
                "TransformerBlock: every size must be positive")
            precondition(
                heads % kvHeads == 0, "TransformerBlock: \(heads) heads are not a multiple of \(kvHeads) kv heads")
            precondition(headDim % 2 == 0, "TransformerBlock: head dimension \(headDim) must be even for RoPE")
            self.modelDim = modelDim
            self.heads = heads
            self.kvHeads = kvHeads
            self.headDim = headDim
            self.ffnDim = ffnDim
            self.normEps = normEps
            self.ropeTheta = ropeTheta
        }

        /// Multiply-add FLOPs (2 per MAC) one forward pass over (batch, T) tokens needs: the seven
        /// projections plus causal attention over the T(T+1)/2 visible (query, key) pairs (q·kᵀ
        /// and P·v). The kernel computes the full T×T square, so this is the useful work, not the
        /// work done. Norms, RoPE and elementwise ops are not counted.
        public func forwardFLOPs(batch: Int, tokens t: Int) -> Double {
            let c = Double(modelDim)
            let qd = Double(heads * headDim)
            let kvd = Double(kvHeads * headDim)
            let n = Double(batch * t)
            let f = Double(ffnDim)
            let projections = 2 * n * c * (qd + 2 * kvd + qd) + 2 * n * c * f * 3
            let pairs = Double(t) * Double(t + 1) / 2
            let attention = 2 * Double(batch * heads) * pairs * Double(headDim) * 2
            return projections + attention
        }
    }

    public let configuration: Configuration
    public let attentionNorm: Tensor  // (C)
    public let wq: Tensor  // (C, H·D)
    public let wk: Tensor  // (C, Hkv·D)
    public let wv: Tensor  // (C, Hkv·D)
    public let wo: Tensor  // (H·D, C)
    public let mlpNorm: Tensor  // (C)
    public let wGate: Tensor  // (C, F)
    public let wUp: Tensor  // (C, F)
    public let wDown: Tensor  // (F, C)

    /// Random initialisation: projections N(0, 0.02) (output projections scaled by
    /// 1/√(2·layers)), norm gains 1.
    public init(_ configuration: Configuration, layers: Int = 1, using rng: inout SeededRNG) {
        let c = configuration.modelDim
        let qd = configuration.heads * configuration.headDim
        let kvd = configuration.kvHeads * configuration.headDim
        let f = configuration.ffnDim
        let std: Float = 0.02
        let outStd = 0.02 / Float(2 * max(1, layers)).squareRoot()
        self.configuration = configuration
        attentionNorm = Tensor.ones([c])
        wq = Tensor.randomNormal([c, qd], standardDeviation: std, using: &rng)
        wk = Tensor.randomNormal([c, kvd], standardDeviation: std, using: &rng)
        wv = Tensor.randomNormal([c, kvd], standardDeviation: std, using: &rng)
        wo = Tensor.randomNormal([qd, c], standardDeviation: outStd, using: &rng)
        mlpNorm = Tensor.ones([c])
        wGate = Tensor.randomNormal([c, f], standardDeviation: std, using: &rng)
        wUp = Tensor.randomNormal([c, f], standardDeviation: std, using: &rng)
        wDown = Tensor.randomNormal([f, c], standardDeviation: outStd, using: &rng)
    }

    /// The block's tensors with names under `prefix` (e.g. "layers.0."), in a fixed order.
    public func namedParameters(prefix: String = "") -> [(String, Tensor)] {
        [
            ("attention_norm", attentionNorm), ("wq", wq), ("wk", wk), ("wv", wv), ("wo", wo),
            ("mlp_norm", mlpNorm), ("w_gate", wGate), ("w_up", wUp), ("w_down", wDown),
        ].map { (prefix + $0.0, $0.1) }
    }

    /// x (B, T, C) → (B, T, C).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let cfg = configuration
        precondition(
            x.rank == 3 && x.shape[2] == cfg.modelDim,
            "TransformerBlock: input must be (B, T, \(cfg.modelDim)), got \(x.shape)")
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, hkv, d) = (cfg.heads, cfg.kvHeads, cfg.headDim)

        let xn = x.rmsNorm(weight: attentionNorm, eps: cfg.normEps)  // (B, T, C)
        func heads(_ w: Tensor, _ count: Int) -> Tensor {
            xn.matmul(w).reshaped([b, t, count, d]).permuted([0, 2, 1, 3])  // (B, count, T, D)
        }
        let q = heads(wq, h).rope(layout: .halfSplit, theta: cfg.ropeTheta)  // (B, H, T, D)
        let k = heads(wk, hkv).rope(layout: .halfSplit, theta: cfg.ropeTheta)  // (B, Hkv, T, D)
        let v = heads(wv, hkv)  // (B, Hkv, T, D)
        let attended = Tensor.attention(query: q, key: k, value: v, causal: true)  // (B, H, T, D)
        let merged = attended.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])  // (B, T, H·D)
        let x1 = x + merged.matmul(wo)  // (B, T, C)

        let x1n = x1.rmsNorm(weight: mlpNorm, eps: cfg.normEps)  // (B, T, C)
        let gated = x1n.matmul(wGate).silu() * x1n.matmul(wUp)  // (B, T, F)
        return x1 + gated.matmul(wDown)  // (B, T, C)
    }
}
