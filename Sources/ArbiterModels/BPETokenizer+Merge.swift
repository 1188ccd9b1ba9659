// BPETokenizer+Merge: the merge step for one pre-token. The word starts as one symbol per UTF-8
// byte; the adjacent pair with the lowest merge rank (leftmost on ties) is merged until no pair has
// a rule — the same order as Hugging Face `tokenizers` and llama.cpp. A min-heap keyed by
// (rank, position) over a linked list of symbols makes this O(n log n) per word, so a long
// space-free blob cannot stall encoding. Results for short words are kept in a shared cache.
import Foundation

/// One merge rule's rank and the id it produces.
struct BPEMerge: Sendable {
    let rank: Int32
    let result: Int32
}

/// Thread-safe word → ids cache shared by copies of a tokenizer, keyed by the word's UTF-8 bytes
/// (not `String`, whose equality is canonical equivalence). Bounded: cleared when full.
final class BPEWordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[UInt8]: [Int32]] = [:]
    static let capacity = 65_536
    /// Words longer than this many bytes are not cached.
    static let maxWordBytes = 64

    func value(for word: [UInt8]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return storage[word]
    }

    func insert(_ ids: [Int32], for word: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        if storage.count >= Self.capacity { storage.removeAll(keepingCapacity: true) }
        storage[word] = ids
    }
}

extension BPETokenizer {
    /// Encodes one pre-token (scalars of a single piece) and appends its ids.
    func appendWord(_ piece: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        var bytes: [UInt8] = []
        for scalar in piece { UTF8.encode(scalar) { bytes.append($0) } }
        let cacheable = bytes.count <= BPEWordCache.maxWordBytes
        if cacheable, let cached = cache.value(for: bytes) {
            for id in cached { ids.append(Int(id)) }
            return
        }
        let result: [Int32]
        if ignoresMerges, let whole = vocabulary[ByteLevel.encode(bytes)] {
            result = [Int32(whole)]
        } else {
            result = mergeBytes(bytes)
        }
        if cacheable { cache.insert(result, for: bytes) }
        for id in result { ids.append(Int(id)) }
    }

    /// BPE over the byte symbols of one word. Bytes without a one-byte token (`unencodableBytes`) are
    /// dropped, as Hugging Face `tokenizers` (BPE without `unk_token`) and llama.cpp both do.
    func mergeBytes(_ bytes: [UInt8]) -> [Int32] {
        var symbols: [Int32] = []
        symbols.reserveCapacity(bytes.count)
        for byte in bytes {
            let id = byteTokenIDs[Int(byte)]
            if id >= 0 { symbols.append(id) }
        }
        if symbols.count < 2 { return symbols }
        return mergeSymbols(symbols)
    }

    /// Applies merges to `symbols` (token ids) in rank order, leftmost first among equal ranks.
    func mergeSymbols(_ initial: [Int32]) -> [Int32] {
        let n = initial.count
        var ids = initial
        var next = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
            for i in 0..<n { buffer[i] = i + 1 < n ? Int32(i + 1) : -1 }
            count = n
        }
        var previous = [Int32](unsafeUninitializedCapacity: n) { buffer, count in
            for i in 0..<n { buffer[i] = Int32(i - 1) }
            count = n
        }
        var alive = [Bool](repeating: true, count: n)
        var heap = BPEMergeHeap()
        for i in 0..<(n - 1) {
            if let merge = merges[Self.pairKey(ids[i], ids[i + 1])] {
                heap.push(BPEMergeHeap.Entry(rank: merge.rank, position: Int32(i), left: ids[i], right: ids[i + 1]))
            }
        }
        while let entry = heap.pop() {
            let p = Int(entry.position)
            guard alive[p], ids[p] == entry.left else { continue }
            let q = Int(next[p])
            guard q >= 0, ids[q] == entry.right,
                let merge = merges[Self.pairKey(entry.left, entry.right)]
            else { continue }
            ids[p] = merge.result
            alive[q] = false
            let after = next[q]
            next[p] = after
            if after >= 0 { previous[Int(after)] = Int32(p) }
            let before = previous[p]
            if before >= 0, let left = merges[Self.pairKey(ids[Int(before)], ids[p])] {
                heap.push(BPEMergeHeap.Entry(rank: left.rank, position: before, left: ids[Int(before)], right: ids[p]))
            }
            if after >= 0, let right = merges[Self.pairKey(ids[p], ids[Int(after)])] {
                heap.push(
                    BPEMergeHeap.Entry(rank: right.rank, position: Int32(p), left: ids[p], right: ids[Int(after)]))
            }
        }
        var out: [Int32] = []
        var i: Int32 = 0
        while i >= 0 {
            out.append(ids[Int(i)])
            i = next[Int(i)]
        }
        return out
    }
}

/// Binary min-heap of candidate merges ordered by (rank, position).
struct BPEMergeHeap {
    struct Entry {
        let rank: Int32
        let position: Int32
        let left: Int32
        let right: Int32
        var key: UInt64 { UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: position)) }
    }

    private var items: [Entry] = []

    mutating func push(_ entry: Entry) {
        items.append(entry)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].key < items[parent].key else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count, items[left].key < items[smallest].key { smallest = left }
                if right < items.count, items[right].key < items[smallest].key { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
