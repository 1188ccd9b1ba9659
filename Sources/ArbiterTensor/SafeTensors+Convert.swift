// SafeTensors+Convert: element conversion between raw little-endian tensor bytes and Float32
// buffers, one loop per dtype. Callers check sizes; these loops trust `count`. Not validation.

enum SafeTensorsConversion {
    /// Converts `raw` (exactly `destination.count` elements of `dtype`) to Float32.
    static func toFloat(
        _ raw: UnsafeRawBufferPointer, dtype: SafeTensorDType, into destination: UnsafeMutableBufferPointer<Float>
    ) {
        let n = destination.count
        precondition(raw.count == n * dtype.byteSize, "toFloat: \(raw.count) bytes for \(n) \(dtype.rawValue) elements")
        func load<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
        switch dtype {
        case .float32:
            #if _endian(little)
                if let target = destination.baseAddress, let source = raw.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: n * 4)
                }
            #else
                for i in 0..<n { destination[i] = Float(bitPattern: load(i, UInt32.self)) }
            #endif
        case .float16:
            for i in 0..<n { destination[i] = HalfPrecision.float(fromFloat16Bits: load(i, UInt16.self)) }
        case .bfloat16:
            for i in 0..<n { destination[i] = HalfPrecision.float(fromBFloat16Bits: load(i, UInt16.self)) }
        case .float64:
            for i in 0..<n { destination[i] = Float(Double(bitPattern: load(i, UInt64.self))) }
        case .float8E5M2:
            for i in 0..<n { destination[i] = HalfPrecision.float(fromFloat8E5M2: raw[i]) }
        case .float8E4M3:
            for i in 0..<n { destination[i] = HalfPrecision.float(fromFloat8E4M3: raw[i]) }
        case .bool:
            for i in 0..<n { destination[i] = raw[i] == 0 ? 0 : 1 }
        case .uint8:
            for i in 0..<n { destination[i] = Float(raw[i]) }
        case .int8:
            for i in 0..<n { destination[i] = Float(Int8(bitPattern: raw[i])) }
        case .int16:
            for i in 0..<n { destination[i] = Float(load(i, Int16.self)) }
        case .uint16:
            for i in 0..<n { destination[i] = Float(load(i, UInt16.self)) }
        case .int32:
            for i in 0..<n { destination[i] = Float(load(i, Int32.self)) }
        case .uint32:
            for i in 0..<n { destination[i] = Float(load(i, UInt32.self)) }
        case .int64:
            for i in 0..<n { destination[i] = Float(load(i, Int64.self)) }
        case .uint64:
            for i in 0..<n { destination[i] = Float(load(i, UInt64.self)) }
        }
    }

    /// Appends `values` encoded as `dtype` (F32, F16 or BF16) to `bytes`, little-endian.
    static func append(_ values: UnsafeBufferPointer<Float>, as dtype: SafeTensorDType, to bytes: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.reserveCapacity(bytes.count + values.count * dtype.byteSize)
        switch dtype {
        case .float32: for v in values { put(v.bitPattern) }
        case .float16: for v in values { put(HalfPrecision.float16Bits(from: v)) }
        case .bfloat16: for v in values { put(HalfPrecision.bfloat16Bits(from: v)) }
        default: preconditionFailure("SafeTensorsConversion.append: \(dtype.rawValue) is not writable")
        }
    }
}
