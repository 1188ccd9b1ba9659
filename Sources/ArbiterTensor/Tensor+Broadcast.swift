// Tensor+Broadcast: NumPy broadcasting for binary ops: the result shape, the input offset of each
// result element, and the reduction of a result-shaped gradient back to an input shape (sum over
// the broadcast axes). Not an op: it has no tape node of its own.

enum Broadcast {
    /// NumPy result shape of `a` op `b`, or a precondition failure naming both shapes.
    static func shape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(
                da == db || da == 1 || db == 1,
                "\(op): \(a.shapeString) and \(b.shapeString) do not broadcast (axis \(i): \(da) vs \(db))")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// For each element of `out` (row-major), its offset in a tensor of `input` shape broadcast to `out`.
    static func offsets(out: [Int], input: [Int]) -> [Int] {
        let rank = out.count
        let padded = [Int](repeating: 1, count: rank - input.count) + input
        var strides = [Int](repeating: 0, count: rank)
        var s = 1
        for i in stride(from: rank - 1, through: 0, by: -1) {
            strides[i] = padded[i] == 1 ? 0 : s
            s *= padded[i]
        }
        let total = out.elementCount
        var result = [Int](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for flat in 0..<total {
            result[flat] = offset
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < out[axis] { break }
                offset -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// When `input` (leading 1s dropped) equals the trailing axes of `out`, its element count:
    /// element i of `out` then reads input element i % count (bias-style broadcast, scalars).
    static func suffixCount(_ input: [Int], of out: [Int]) -> Int? {
        let trimmed = input.drop { $0 == 1 }
        guard trimmed.count <= out.count, Array(out.suffix(trimmed.count)) == Array(trimmed) else { return nil }
        let c = trimmed.reduce(1, *)
        return c > 0 ? c : nil
    }

    /// `values` (of `input` shape) materialised at the broadcast `out` shape.
    static func expand(_ values: [Float], from input: [Int], to out: [Int]) -> [Float] {
        if input == out { return values }
        let total = out.elementCount
        if let c = suffixCount(input, of: out) {
            var result = [Float](repeating: 0, count: total)
            for i in 0..<total { result[i] = values[i % c] }
            return result
        }
        let offs = offsets(out: out, input: input)
        return offs.map { values[$0] }
    }

    /// Sums a gradient of `out` shape down to `input` shape (over the broadcast axes).
    static func reduce(_ grad: [Float], from out: [Int], to input: [Int]) -> [Float] {
        if input == out { return grad }
        var result = [Float](repeating: 0, count: input.elementCount)
        if let c = suffixCount(input, of: out) {
            for i in grad.indices { result[i % c] += grad[i] }
            return result
        }
        let offs = offsets(out: out, input: input)
        for i in grad.indices { result[offs[i]] += grad[i] }
        return result
    }
}
