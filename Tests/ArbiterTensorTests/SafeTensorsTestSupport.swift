import ArbiterTensor
// SafeTensorsTestSupport: small helpers shared by the safetensors, optimizer and checkpoint tests:
// hand-built file images, a seeded SplitMix64 generator, and error capture. Test-only.
import ArbiterTestSupport
import Foundation

/// A raw safetensors image: 8-byte little-endian header length, the header text, the data bytes.
func safeTensorsImage(header: String, data: [UInt8]) -> [UInt8] {
    let json = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + json + data
}

/// The error opening `bytes` throws, or nil when it parses.
func safeTensorsFailure(_ bytes: [UInt8]) -> Error? {
    do {
        _ = try SafeTensorsFile(data: Data(bytes), path: "test.safetensors")
        return nil
    } catch {
        return error
    }
}

/// A fresh empty directory under the system temporary directory.
func makeSafeTensorsScratchDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("arbiter-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
