// ModelStoreSHA256Tests: the SHA-256 hex helper ModelStore verifies files with (ArbiterCore's
// SHA256Hex over swift-crypto) against FIPS 180-4 / NIST vectors ("", "abc", the 448-bit
// message, one million 'a's), chunked updates at every split of a 200-byte message, and the
// streamed file digest.
import ArbiterCore
import Foundation
import Testing

@Suite struct ModelStoreSHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256Hex.digest(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Hex.digest(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256Hex.digest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256Hex.digest(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkedUpdatesMatchOneShot() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let whole = SHA256Hex.digest(of: message)
        for split in 0...message.count {
            var h = SHA256Hex()
            h.update(message[..<split])
            h.update(message[split...])
            #expect(h.finalize() == whole, "split at \(split)")
        }
        for length in [55, 56, 63, 64, 65, 119, 120, 128] {
            var h = SHA256Hex()
            for byte in message.prefix(length) { h.update([byte]) }
            #expect(h.finalize() == SHA256Hex.digest(of: message.prefix(length)), "length \(length)")
        }
    }

    @Test func fileDigestMatchesDataDigest() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-sha-\(UUID()).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        var bytes = [UInt8](repeating: 0, count: (5 << 20) + 17)
        bytes.withUnsafeMutableBufferPointer { b in
            var i = 0
            while i < b.count {
                b[i] = UInt8(truncatingIfNeeded: i &* 7)
                i &+= 1
            }
        }
        try Data(bytes).write(to: url)

        #expect(try SHA256Hex.digest(ofFile: url) == SHA256Hex.digest(of: bytes))
    }
}
