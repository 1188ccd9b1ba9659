// RubricHash: a small SHA-256 (FIPS 180-4) and the canonical encoding of a Rubric that
// `contentHash` digests. The encoding lists every field in a fixed order with length-prefixed
// text, so equal rubrics hash equally whatever format they were loaded from, and any change
// (a descriptor, a weight, a template) changes the hash. Not a general crypto library.
import Foundation

/// SHA-256 of a byte buffer.
struct SHA256 {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The 32-byte digest of `bytes`.
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var message = bytes
        let bitLength = UInt64(bytes.count) &* 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        var schedule = [UInt32](repeating: 0, count: 64)
        for blockStart in stride(from: 0, to: message.count, by: 64) {
            for t in 0..<16 {
                let i = blockStart + 4 * t
                schedule[t] =
                    UInt32(message[i]) << 24 | UInt32(message[i + 1]) << 16
                    | UInt32(message[i + 2]) << 8 | UInt32(message[i + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(schedule[t - 15], 7) ^ rotr(schedule[t - 15], 18) ^ (schedule[t - 15] >> 3)
                let s1 = rotr(schedule[t - 2], 17) ^ rotr(schedule[t - 2], 19) ^ (schedule[t - 2] >> 10)
                schedule[t] = schedule[t - 16] &+ s0 &+ schedule[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (
                state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
            )
            for t in 0..<64 {
                let sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let choose = (e & f) ^ (~e & g)
                let temp1 = h &+ sum1 &+ choose &+ roundConstants[t] &+ schedule[t]
                let sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let temp2 = sum0 &+ majority
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
            }
            let updated = [a, b, c, d, e, f, g, h]
            for i in 0..<8 { state[i] = state[i] &+ updated[i] }
        }
        return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    /// Lower-case hex of the digest of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        digest(bytes).map { String(format: "%02x", $0) }.joined()
    }

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 - n))
    }
}

extension Rubric {
    /// The canonical encoding `contentHash` digests: `key=<byte length>:<text>\n` records in a
    /// fixed order; numbers in shortest round-trip form.
    var canonicalEncoding: String {
        var out = ""
        func field(_ key: String, _ value: String?) {
            guard let value else {
                out += "\(key)=-\n"
                return
            }
            out += "\(key)=\(value.utf8.count):\(value)\n"
        }
        field("format", "arbiter-rubric/1")
        field("name", name)
        field("version", version)
        field("description", description)
        field("kind", kind.rawValue)
        field("aggregation", aggregation.rawValue)
        field("reference_instructions", referenceInstructions)
        field("templates.system", templates?.system)
        field("templates.user", templates?.user)
        field("criteria.count", String(criteria.count))
        for (index, criterion) in criteria.enumerated() {
            let path = "criteria[\(index)]"
            field("\(path).id", criterion.id)
            field("\(path).description", criterion.description)
            field("\(path).weight", String(criterion.weight))
            guard let scale = criterion.scale else {
                field("\(path).scale", nil)
                continue
            }
            field("\(path).scale.type", scale.type.rawValue)
            field("\(path).scale.step", String(scale.step))
            for (levelIndex, level) in scale.levels.enumerated() {
                let levelPath = "\(path).scale.levels[\(levelIndex)]"
                field("\(levelPath).label", level.label)
                field("\(levelPath).score", String(level.score))
                field("\(levelPath).descriptor", level.descriptor)
            }
        }
        return out
    }

    /// SHA-256 (lower-case hex) of the canonical encoding: identical for the same rubric loaded
    /// from YAML, JSON or XML, different after any change to its content. Use it to key stored
    /// judgments.
    public var contentHash: String {
        SHA256.hex(Array(canonicalEncoding.utf8))
    }
}
