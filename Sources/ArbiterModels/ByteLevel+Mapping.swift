// ByteLevel: GPT-2's reversible byte ⇄ Unicode-scalar map. Byte-level BPE vocabularies spell every
// token as a string of these 256 "printable" scalars (`Ġ` = U+0120 = byte 0x20 space, `Ċ` = 0x0A,
// `ĉ` = 0x09). Printable Latin-1 bytes map to themselves; the other 68 bytes (controls, space,
// 0x7F–0xA0, 0xAD) map, in byte order, to U+0100, U+0101, …
// This is only the alphabet; splitting text into words is PreTokenizer's job, merging is BPETokenizer's.

enum ByteLevel {
    /// `scalar(for: byte)`: byte value → its vocabulary scalar.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // 256 + n stays below U+0144, always a valid scalar.
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// Vocabulary scalar value → byte, for scalars U+0000…U+0143; -1 where the scalar is not in the map.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in byteToScalar.enumerated() {
            table[Int(scalar.value)] = Int16(byte)
        }
        return table
    }()

    /// The vocabulary spelling of raw bytes.
    static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var view = String.UnicodeScalarView()
        for byte in bytes { view.append(byteToScalar[Int(byte)]) }
        return String(view)
    }

    /// Appends the bytes a vocabulary token spells. Scalars outside the map (possible only in a
    /// vocabulary that is not byte-level) contribute their own UTF-8 bytes.
    static func appendBytes(of token: String, to bytes: inout [UInt8]) {
        for scalar in token.unicodeScalars {
            let value = Int(scalar.value)
            if value < scalarToByte.count, scalarToByte[value] >= 0 {
                bytes.append(UInt8(scalarToByte[value]))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
