// Agreement+KrippendorffCoincidence: the fast path of Krippendorff's α — the coincidence matrix of a
// raters × items matrix built from integer value codes in blocks of items, split over the cores.
// Per block, each rater row is coded once (value → index in the domain: subtraction for consecutive
// integer domains, binary search otherwise; no hashing), then each item's distinct codes add their
// pair counts into integer accumulators kept per number of pairable values m (so the 1/(m − 1)
// scaling happens once at the end and the sum is exact and independent of the split). Not the α
// formula (Agreement+Krippendorff.swift) and not the bootstrap.
import Foundation

/// Maps finite values to their index in a value domain without hashing.
struct ValueCoder: Sendable {
    let count: Int
    /// Consecutive integer domain first…first+V−1 in order: index = value − first.
    let consecutiveFrom: Double?
    /// Otherwise: the domain sorted by value, and each sorted entry's index in domain order.
    let sortedValues: [Double]
    let sortedIndex: [Int32]

    init(_ values: [Double]) {
        count = values.count
        let first = values.first ?? 0
        let consecutive =
            abs(first) < 1e15 && first == first.rounded()
            && values.enumerated().allSatisfy { $0.element == first + Double($0.offset) }
        consecutiveFrom = consecutive ? first : nil
        let order = values.indices.sorted { values[$0] < values[$1] }
        sortedValues = order.map { values[$0] }
        sortedIndex = order.map { Int32($0) }
    }

    /// The index of `x` in the domain, or −1 when it is not in the domain.
    @inline(__always)
    func code(_ x: Double) -> Int32 {
        if let first = consecutiveFrom {
            let d = x - first
            guard d >= 0, d < Double(count) else { return -1 }
            let i = Int(d)
            return Double(i) == d ? Int32(i) : -1
        }
        var lo = 0
        var hi = sortedValues.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedValues[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < sortedValues.count && sortedValues[lo] == x ? sortedIndex[lo] : -1
    }
}

/// Carries raw pointers into concurrentPerform, whose workers write disjoint slices and all finish
/// before it returns.
private struct SendableSlices: @unchecked Sendable {
    let accumulators: UnsafeMutablePointer<Int>
    let unknown: UnsafeMutablePointer<Bool>
}

extension Agreement {
    /// Items per coding block (block × raters codes stay in the first-level cache for a few raters).
    static let coincidenceBlock = 2048
    /// Items below which one thread does all the work.
    static let coincidenceParallelItems = 32_768
    /// Smallest chunk of items handed to one worker call.
    static let coincidenceChunkItems = 8_192

    /// The coincidence matrix o (V·V,) row-major over domain indices:
    /// o[c·V + k] = Σ_units (n_uc n_uk − [c = k] n_uc) / (m_u − 1) over units with m_u ≥ 2.
    /// Throws `unknownCategory` naming the first rating (rater-major) that is not in the domain.
    /// - Parameter matrix: (raters, items), nil = missing.
    static func coincidenceMatrix(_ matrix: RatingMatrix, coder: ValueCoder) throws -> [Double] {
        let v = coder.count
        let r = matrix.raterCount
        let n = matrix.itemCount
        // One integer accumulator (V·V,) per m = 2…R; more than 2^20 cells of them (very many raters
        // and values) use the serial floating-point pass instead.
        let slots = max(r - 1, 1)  // m − 2 ∈ 0..<R−1
        let accSize = slots * v * v
        guard accSize <= (1 << 20) else { return try coincidenceMatrixDirect(matrix, coder: coder) }
        // A few chunks per core (each with its own accumulators), so a core taken away by another
        // process mid-call holds up one small chunk, not half the items.
        let cores = min(ProcessInfo.processInfo.activeProcessorCount, 8)
        let workers = n >= coincidenceParallelItems && cores > 1 ? max(1, min(4 * cores, n / coincidenceChunkItems)) : 1
        var partial = [Int](repeating: 0, count: workers * accSize)  // (workers, R−1, V, V)
        var unknown = [Bool](repeating: false, count: workers)
        partial.withUnsafeMutableBufferPointer { acc in
            unknown.withUnsafeMutableBufferPointer { bad in
                guard let accBase = acc.baseAddress, let badBase = bad.baseAddress else { return }
                let slices = SendableSlices(accumulators: accBase, unknown: badBase)
                if workers == 1 {
                    slices.unknown[0] = !accumulate(matrix, coder: coder, items: 0..<n, into: slices.accumulators)
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers) { w in
                        let lo = n * w / workers
                        let hi = n * (w + 1) / workers
                        slices.unknown[w] = !accumulate(
                            matrix, coder: coder, items: lo..<hi,
                            into: slices.accumulators + w * accSize)
                    }
                }
            }
        }
        if unknown.contains(true) { try throwFirstUnknown(matrix, coder: coder) }
        var o = [Double](repeating: 0, count: v * v)
        for slot in 0..<slots {
            let scale = 1.0 / Double(slot + 1)  // 1 / (m − 1), m = slot + 2
            for e in 0..<(v * v) {
                var total = 0
                for w in 0..<workers { total += partial[w * accSize + slot * v * v + e] }
                if total != 0 { o[e] += Double(total) * scale }
            }
        }
        return o
    }

    /// Adds the pair counts of `items` into `acc` (R−1, V, V); false when a rating is off the domain.
    /// With few raters and values each item's codes form one key in base V+1 (V = missing), and a
    /// histogram of keys replaces per-item pair loops; otherwise each item's distinct codes are paired.
    private static func accumulate(
        _ matrix: RatingMatrix, coder: ValueCoder, items: Range<Int>,
        into acc: UnsafeMutablePointer<Int>
    ) -> Bool {
        let v = coder.count
        let r = matrix.raterCount
        var keySpace = 1
        for _ in 0..<r where keySpace <= histogramKeyLimit { keySpace *= v + 1 }
        if keySpace <= histogramKeyLimit {
            var hist = [Int32](repeating: 0, count: keySpace)  // (V+1)^R
            let ok = hist.withUnsafeMutableBufferPointer { h in
                keyHistogram(matrix, coder: coder, items: items, into: h)
            }
            guard ok else { return false }
            addPairs(fromKeyHistogram: hist, values: v, raters: r, into: acc)
            return true
        }
        return pairItems(matrix, coder: coder, items: items, into: acc)
    }

    /// Largest (V+1)^R for which the key histogram is used (fits the second-level cache as Int32).
    static let histogramKeyLimit = 1 << 16

    /// Counts each item's key Σ_r code_r·(V+1)^r (code V = missing) over `items`, block by block.
    private static func keyHistogram(
        _ matrix: RatingMatrix, coder: ValueCoder, items: Range<Int>,
        into hist: UnsafeMutableBufferPointer<Int32>
    ) -> Bool {
        let v = coder.count
        let r = matrix.raterCount
        let base = Int32(v + 1)
        let missing = Int32(v)
        var keys = [Int32](repeating: 0, count: coincidenceBlock)  // (block,)
        var ok = true
        keys.withUnsafeMutableBufferPointer { k in
            var start = items.lowerBound
            while start < items.upperBound {
                let end = min(start + coincidenceBlock, items.upperBound)
                for i in 0..<(end - start) { k[i] = 0 }
                for rater in stride(from: r - 1, through: 0, by: -1) {
                    matrix.ratings[rater].withUnsafeBufferPointer { row in
                        let stop = min(end, row.count)
                        var i = start
                        if let first = coder.consecutiveFrom {
                            let upper = Double(v)
                            while i < stop {
                                var c = missing
                                if let x = row[i] {
                                    let d = x - first
                                    if d >= 0 && d < upper, Double(Int(d)) == d {
                                        c = Int32(Int(d))
                                    } else {
                                        ok = false
                                        c = 0
                                    }
                                }
                                k[i - start] = k[i - start] &* base &+ c
                                i += 1
                            }
                        } else {
                            while i < stop {
                                var c = missing
                                if let x = row[i] {
                                    c = coder.code(x)
                                    if c < 0 {
                                        ok = false
                                        c = 0
                                    }
                                }
                                k[i - start] = k[i - start] &* base &+ c
                                i += 1
                            }
                        }
                        while i < end {
                            k[i - start] = k[i - start] &* base &+ missing
                            i += 1
                        }
                    }
                }
                for i in 0..<(end - start) { hist[Int(k[i])] &+= 1 }
                start = end
            }
        }
        return ok
    }

    /// Turns a key histogram into pair counts per m (R−1, V, V).
    private static func addPairs(
        fromKeyHistogram hist: [Int32], values v: Int, raters r: Int,
        into acc: UnsafeMutablePointer<Int>
    ) {
        var counts = [Int](repeating: 0, count: v + 1)  // (V+1,), last = missing
        for (key, times) in hist.enumerated() where times > 0 {
            for c in 0...v { counts[c] = 0 }
            var rest = key
            for _ in 0..<r {
                counts[rest % (v + 1)] += 1
                rest /= v + 1
            }
            let m = r - counts[v]
            guard m >= 2 else { continue }
            let slot = acc + (m - 2) * v * v
            let w = Int(times)
            for a in 0..<v where counts[a] > 0 {
                slot[a * v + a] += w * counts[a] * (counts[a] - 1)
                for b in 0..<v where b != a && counts[b] > 0 { slot[a * v + b] += w * counts[a] * counts[b] }
            }
        }
    }

    /// Pairs each item's distinct codes directly (many raters or values).
    private static func pairItems(
        _ matrix: RatingMatrix, coder: ValueCoder, items: Range<Int>,
        into acc: UnsafeMutablePointer<Int>
    ) -> Bool {
        let v = coder.count
        let r = matrix.raterCount
        let vv = v * v
        let block = coincidenceBlock
        var codes = [Int32](repeating: -1, count: block * r)  // (block, R), −1 = missing
        var counts = [Int](repeating: 0, count: v)  // (V,) of the current item
        var distinct = [Int](repeating: 0, count: max(r, 1))  // codes seen in the current item
        var ok = true
        codes.withUnsafeMutableBufferPointer { cb in
            counts.withUnsafeMutableBufferPointer { cnt in
                distinct.withUnsafeMutableBufferPointer { seen in
                    var start = items.lowerBound
                    while start < items.upperBound && ok {
                        let end = min(start + block, items.upperBound)
                        for rater in 0..<r {
                            matrix.ratings[rater].withUnsafeBufferPointer { row in
                                let stop = min(end, row.count)
                                var i = start
                                while i < stop {
                                    var c: Int32 = -1
                                    if let x = row[i] {
                                        c = coder.code(x)
                                        if c < 0 { ok = false }
                                    }
                                    cb[(i - start) * r + rater] = c
                                    i += 1
                                }
                                while i < end {
                                    cb[(i - start) * r + rater] = -1
                                    i += 1
                                }
                            }
                        }
                        for i in 0..<(end - start) {
                            var m = 0
                            var d = 0
                            let base = i * r
                            for rater in 0..<r {
                                let c = Int(cb[base + rater])
                                guard c >= 0 else { continue }
                                if cnt[c] == 0 {
                                    seen[d] = c
                                    d += 1
                                }
                                cnt[c] += 1
                                m += 1
                            }
                            if m >= 2 {
                                let slot = acc + (m - 2) * vv
                                for a in 0..<d {
                                    let ca = seen[a]
                                    let na = cnt[ca]
                                    slot[ca * v + ca] += na * (na - 1)
                                    for b in 0..<d where b != a {
                                        let cbk = seen[b]
                                        slot[ca * v + cbk] += na * cnt[cbk]
                                    }
                                }
                            }
                            for a in 0..<d { cnt[seen[a]] = 0 }
                        }
                        start = end
                    }
                }
            }
        }
        return ok
    }

    /// Serial coincidence matrix in floating point, for very many raters or values.
    private static func coincidenceMatrixDirect(_ matrix: RatingMatrix, coder: ValueCoder) throws -> [Double] {
        let v = coder.count
        var o = [Double](repeating: 0, count: v * v)
        var counts = [Int](repeating: 0, count: v)
        var seen: [Int] = []
        for i in 0..<matrix.itemCount {
            seen.removeAll(keepingCapacity: true)
            var m = 0
            for r in 0..<matrix.raterCount {
                guard i < matrix.ratings[r].count, let x = matrix.ratings[r][i] else { continue }
                let c = Int(coder.code(x))
                guard c >= 0 else {
                    try throwFirstUnknown(matrix, coder: coder)
                    continue
                }
                if counts[c] == 0 { seen.append(c) }
                counts[c] += 1
                m += 1
            }
            if m >= 2 {
                let scale = 1.0 / Double(m - 1)
                for a in seen {
                    for b in seen {
                        let pairs = a == b ? counts[a] * (counts[a] - 1) : counts[a] * counts[b]
                        o[a * v + b] += Double(pairs) * scale
                    }
                }
            }
            for a in seen { counts[a] = 0 }
        }
        return o
    }

    /// Throws `unknownCategory` for the first off-domain rating in rater-major order.
    private static func throwFirstUnknown(_ matrix: RatingMatrix, coder: ValueCoder) throws {
        for (r, row) in matrix.ratings.enumerated() {
            for (i, x) in row.enumerated() {
                if let x, coder.code(x) < 0 { throw AgreementError.unknownCategory(label: "\(x)", rater: r, item: i) }
            }
        }
    }
}
