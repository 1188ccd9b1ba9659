// SHA256+Hex: SHA-256 as lower-case hex, over swift-crypto's SHA256: one-shot for bytes, streamed
// in 4 MiB chunks for files, or fed piece by piece. The one home of hashing in Arbiter (model file
// verification, rubric and sample content hashes, prompt hashes). Not a crypto API: no keys, no
// comparison in constant time; it names contents.
internal import Crypto
import Foundation

/// Incremental SHA-256 whose digest is read as lower-case hex.
package struct SHA256Hex: Sendable {
    private var hasher = Crypto.SHA256()

    package init() {}

    /// Absorbs the bytes of any contiguous collection (`Data`, `[UInt8]`, a slice).
    package mutating func update<D: DataProtocol>(_ data: D) {
        hasher.update(data: data)
    }

    /// The 64-character lower-case hex digest of everything absorbed.
    package func finalize() -> String {
        Self.hex(hasher.finalize())
    }

    /// Hex digest of `data`.
    package static func digest<D: DataProtocol>(of data: D) -> String {
        hex(Crypto.SHA256.hash(data: data))
    }

    /// Hex digest of the file at `url`, read in 4 MiB chunks (model files are gigabytes).
    package static func digest(ofFile url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256Hex()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty {
            hasher.update(chunk)
        }
        return hasher.finalize()
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var chars: [UInt8] = []
        chars.reserveCapacity(64)
        for byte in digest {
            chars.append(digits[Int(byte >> 4)])
            chars.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
