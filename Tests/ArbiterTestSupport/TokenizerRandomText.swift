// TokenizerRandomText: random-text helpers on the seeded SplitMix64 for the tokenizer property and
// fuzz tests (scalars drawn from ASCII, Latin, CJK, emoji, combining marks, controls, whitespace).
import ArbiterCore

extension SplitMix64 {
    /// A random scalar from a mix of ranges chosen to exercise every pre-tokenizer class.
    public mutating func randomScalar() -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x09...0x0D, 0x00...0x1F, 0xA0...0x24F, 0x300...0x36F,
            0x370...0x52F, 0x600...0x6FF, 0x0E00...0x0E7F, 0x2000...0x206F, 0x3000...0x30FF, 0x4E00...0x9FFF,
            0xAC00...0xD7A3, 0xFF00...0xFFFF, 0x1F300...0x1FAFF, 0x10000...0x10FFFF,
        ]
        let range = ranges[Int(next() % UInt64(ranges.count))]
        while true {
            let value = range.lowerBound + UInt32(next() % UInt64(range.upperBound - range.lowerBound + 1))
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    /// Up to `maxLength` scalars from `randomScalar()`.
    public mutating func randomUnicodeString(maxLength: Int) -> String {
        var view = String.UnicodeScalarView()
        for _ in 0..<Int(next() % UInt64(maxLength + 1)) { view.append(randomScalar()) }
        return String(view)
    }
}
