// TrivialBaselineTests: the surface-only "judges" on inline samples — length votes (ties on equal
// length), shorter = mirror of longer, seeded random reproducible, graded constant/length scores.
import ArbiterAgreement
import ArbiterCore
import Foundation
import Testing

@Suite struct TrivialBaselineTests {
    let pairs = """
        {"id":"p1","prompt":"q","response_a":"short","response_b":"much longer answer"}
        {"id":"p2","prompt":"q","response_a":"same","response_b":"size"}
        {"id":"p3","prompt":"q","response_a":"one two three","response_b":"x"}
        """

    @Test func lengthVotes() throws {
        let samples = try SampleFile(parsing: Data(pairs.utf8), name: "pairs.jsonl")
        let ids = ["p1", "p2", "p3"]
        let longer = try PairwiseBaseline.longerWins(.characters).votes(for: ids, samples: samples)
        #expect(longer == ["p1": .b, "p2": .tie, "p3": .a])
        let shorter = try PairwiseBaseline.shorterWins(.words).votes(for: ids, samples: samples)
        #expect(shorter == ["p1": .a, "p2": .tie, "p3": .b])
        #expect(throws: AuditError.self) {
            try PairwiseBaseline.longerWins(.words).votes(for: ["nope"], samples: samples)
        }
        #expect(throws: AuditError.self) { try PairwiseBaseline.longerWins(.words).votes(for: ids, samples: nil) }
    }

    @Test func randomIsSeeded() throws {
        let ids = (0..<50).map { "i\($0)" }
        let a = try PairwiseBaseline.random(seed: 4).votes(for: ids, samples: nil)
        #expect(a == (try PairwiseBaseline.random(seed: 4).votes(for: ids, samples: nil)))
        #expect(Set(a.values) == Set(PairwiseVerdict.allCases))
        let s = try GradedBaseline.random(scale: [1, 2, 3], seed: 1).scores(for: ids, samples: nil)
        #expect(s == (try GradedBaseline.random(scale: [1, 2, 3], seed: 1).scores(for: ids, samples: nil)))
        #expect(Set(s).isSubset(of: [1, 2, 3]))
    }

    @Test func gradedScores() throws {
        let samples = try SampleFile(
            parsing: Data((#"{"id":"a","response":"abc"}"# + "\n" + #"{"id":"b","response":"a"}"#).utf8),
            name: "s.jsonl")
        #expect(try GradedBaseline.longestResponse(.characters).scores(for: ["a", "b"], samples: samples) == [3, 1])
        #expect(
            try GradedBaseline.shortestResponse(.characters).scores(for: ["a", "b"], samples: samples) == [-3, -1])
        #expect(try GradedBaseline.constant(4).scores(for: ["a", "b"], samples: nil) == [4, 4])
        #expect(Agreement.mode([3, 1, 3, 1, 2]) == 1)
        #expect(Agreement.mode([]) == nil)
        #expect(Agreement.majority(["a", "b", "a"]) == "a" && Agreement.majority(["a", "b"]) == nil)
    }
}
