// ReferenceHelpers: reading reference JSON values (numbers, null = undefined, {"error"} = library
// refused) and comparing them with Arbiter's `Double?` results at an explicit tolerance.
import ArbiterTestSupport
import Foundation
import Testing

/// Closed-form statistics: the reference README asks for 1e-9 absolute.
let closedFormTolerance = 1e-9

/// The reference value: a number, or nil for `null` / `{"error": ...}` (both mean "undefined").
func referenceValue(_ any: Any?) -> Double?? {
    switch any {
    case let n as NSNumber: return .some(n.doubleValue)
    case is NSNull: return .some(nil)
    case let d as [String: Any] where d["error"] != nil: return .some(nil)
    default: return nil  // absent
    }
}

/// Records |actual − expected| and checks it; undefined must match undefined exactly.
struct DeviationTracker {
    var worst = 0.0
    var compared = 0

    mutating func check(
        _ actual: Double?, _ expectedAny: Any?, _ what: String,
        tolerance: Double = closedFormTolerance, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let expected = referenceValue(expectedAny) else {
            Issue.record("reference has no value for \(what)", sourceLocation: sourceLocation)
            return
        }
        compared += 1
        switch (actual, expected) {
        case (nil, nil): return
        case (let a?, let e?):
            let d = abs(a - e)
            worst = max(worst, d)
            #expect(d <= tolerance, "\(what): \(a) vs reference \(e) (|Δ| = \(d))", sourceLocation: sourceLocation)
        default:
            Issue.record(
                "\(what): \(String(describing: actual)) vs reference \(String(describing: expected))",
                sourceLocation: sourceLocation)
        }
    }
}

func dict(_ any: Any?) throws -> [String: Any] {
    try #require(any as? [String: Any])
}

/// Reads a JSONL fixture into dictionaries.
func jsonLines(_ path: String) throws -> [[String: Any]] {
    let text = try #require(String(data: try Fixtures.data(path), encoding: .utf8))
    return try text.split(separator: "\n").map { line in
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
