// SentenceEncoder+Similarity: cosine similarity between embeddings, accumulated in Double so the
// result is independent of vector length rounding. Not a nearest-neighbour index.

extension SentenceEncoder {
    /// cos(a, b) = a·b / (‖a‖‖b‖); 0 when either vector is all zeros. The vectors must have equal length.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "cosineSimilarity: vectors of length \(a.count) and \(b.count)")
        var dot = 0.0
        var aa = 0.0
        var bb = 0.0
        for i in a.indices {
            let x = Double(a[i])
            let y = Double(b[i])
            dot += x * y
            aa += x * x
            bb += y * y
        }
        guard aa > 0, bb > 0 else { return 0 }
        return Float(dot / (aa.squareRoot() * bb.squareRoot()))
    }

    /// The (n, n) matrix of pairwise cosine similarities of `embeddings`.
    public static func cosineSimilarityMatrix(_ embeddings: [[Float]]) -> [[Float]] {
        embeddings.map { a in embeddings.map { b in cosineSimilarity(a, b) } }
    }
}
