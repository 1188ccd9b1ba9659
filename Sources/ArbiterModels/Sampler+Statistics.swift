// Sampler+Statistics: a draw together with the two numbers a policy-gradient rollout records for
// it, log softmax(logits / T)[token] and the entropy of softmax(logits / T), from one pass of
// exponentials: with z = (logits − max) / T and w = e^z (vector exp, float), Σw and Σ w·z are
// accumulated in Double, log p(token) = z_token − log Σw and the entropy is log Σw − Σ w·z / Σw.
// An unfiltered sampler at that T draws from the same w (target u·Σw over the running sum);
// other samplers draw as `next`. Used by group sampling (LlamaModel+GroupSampling.swift).
import ArbiterTensor
import Foundation

extension Sampler {
    /// The next token for `logits` (V, finite or −∞) with its log-probability and the entropy
    /// under softmax(logits / `temperature`); `scratch` is reused storage (resized to V).
    package mutating func nextWithStatistics(
        _ logits: UnsafeBufferPointer<Float>, temperature: Float, scratch: inout [Float]
    ) -> (token: Int, logProb: Float, entropy: Float) {
        let n = logits.count
        precondition(n > 0 && temperature > 0, "Sampler.nextWithStatistics: empty logits or T ≤ 0")
        if scratch.count != n { scratch = [Float](repeating: 0, count: n) }
        let base = logits.baseAddress!
        var top = -Float.infinity
        var i = 0
        var lanes = SIMD8<Float>(repeating: -.infinity)
        while i + 8 <= n {
            lanes = pointwiseMax(lanes, UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        top = lanes.max()
        while i < n {
            top = Swift.max(top, base[i])
            i += 1
        }
        let inverse = 1 / temperature
        let floor: Float = -87.3  // simdExp's lower clamp: e^floor·floor is negligible, e^−∞·−∞ is NaN
        var total = 0.0
        var weighted = 0.0
        scratch.withUnsafeMutableBufferPointer { w in
            var i = 0
            let topLanes = SIMD8<Float>(repeating: top)
            let floorLanes = SIMD8<Float>(repeating: floor)
            while i + 8 <= n {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
                var z = (x - topLanes) * inverse
                z.replace(with: floorLanes, where: z .< floorLanes)
                let e = simdExp(z)
                UnsafeMutableRawPointer(w.baseAddress! + i).storeBytes(of: e, as: SIMD8<Float>.self)
                total += Double(e.sum())
                weighted += Double((e * z).sum())
                i += 8
            }
            while i < n {
                let z = Swift.max((logits[i] - top) * inverse, floor)
                let e = simdExp(SIMD8(repeating: z))[0]
                w[i] = e
                total += Double(e)
                weighted += Double(e * z)
                i += 1
            }
        }
        let logTotal = Foundation.log(total)
        let entropy = Float(logTotal - weighted / total)
        func logProb(_ token: Int) -> Float {
            Float((Double(logits[token]) - Double(top)) / Double(temperature) - logTotal)
        }
        let o = options
        guard !o.isGreedy, o.topK == nil, o.topP == nil, o.minP == nil, o.temperature == temperature else {
            let token = next(Array(logits))
            return (token, logProb(token), entropy)
        }
        let target = rng.nextUnitDouble() * total
        var cumulative = 0.0
        var last = 0
        for i in 0..<n where scratch[i] > 0 {
            cumulative += Double(scratch[i])
            last = i
            if target < cumulative { return (i, logProb(i), entropy) }
        }
        return (last, logProb(last), entropy)
    }
}
