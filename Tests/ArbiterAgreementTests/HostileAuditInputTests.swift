// HostileAuditInputTests: issue 14's audit classes — scores far off the scale (an error naming the
// file and line when a scale is declared; statistics that stay right for huge finite values when it
// is not), failed judgments reported per judge with their kinds, a bootstrap count capped before it
// sizes memory. Retried judgment files (the judge's own output) are tested in ArbiterCLITests.
import ArbiterAgreement
import Foundation
import Testing

@Suite struct HostileAuditInputTests {
    func file(_ lines: [String], _ name: String) throws -> LabelFile {
        try LabelFile(parsing: Data(lines.joined(separator: "\n").utf8), name: name)
    }

    var humans: LabelFile {
        get throws {
            try file(
                (1...6).flatMap { i in
                    [
                        #"{"id":"s\#(i)","rater":"h1","score":\#((i % 5) + 1)}"#,
                        #"{"id":"s\#(i)","rater":"h2","score":\#(((i + 1) % 5) + 1)}"#,
                    ]
                }, "human.jsonl")
        }
    }

    @Test func aJudgeScoreOffADeclaredScaleIsAnErrorNamingTheLine() throws {
        let judge = try file(
            [
                #"{"id":"s1","judge":"J","score":2}"#, #"{"id":"s2","judge":"J","score":3}"#,
                #"{"id":"s3","judge":"J","score":1e308}"#, #"{"id":"s4","judge":"J","score":4}"#,
            ], "judge.jsonl")
        let error = try #require(throws: AuditError.self) {
            try AgreementAudit.run(human: try humans, judge: judge, options: try AuditOptions(scale: [1, 2, 3, 4, 5]))
        }
        let message = error.errorDescription ?? ""
        #expect(message.contains("judge.jsonl:3"), "\(message)")
        #expect(message.contains("outside the scale"), "\(message)")
        let offHuman = try file(
            [#"{"id":"s1","rater":"h1","score":1e308}"#, #"{"id":"s1","rater":"h2","score":2}"#], "h.jsonl")
        let humanError = try #require(throws: AuditError.self) {
            try AgreementAudit.run(human: offHuman, judge: judge, options: try AuditOptions(scale: [1, 2, 3, 4, 5]))
        }
        #expect(humanError.errorDescription?.contains("h.jsonl:1") == true, "\(humanError.errorDescription ?? "")")
    }

    /// Powers of two scale exactly, so the scaled statistics are the reference.
    static let huge = 0x1p1000

    @Test func statisticsStayRightForHugeFiniteValues() throws {
        let x: [Double] = [1, 5, 2, 4, 3, 5, 1]
        let y: [Double] = [2, 4, 2, 5, 3, 4, 1]
        let bigX = x.map { $0 * 1e307 }
        let r = try #require(try Agreement.pearson(x, y))
        let bigR = try #require(try Agreement.pearson(bigX, y), "Pearson undefined for huge values")
        #expect(abs(bigR - r) < 1e-12, "pearson \(bigR) vs \(r)")
        let spread = [1e308, -1e308, 1e308, -1e308, 0]
        let s = try #require(try Agreement.pearson(spread, [5, 1, 4, 2, 3]))
        let small = try #require(try Agreement.pearson(spread.map { $0 / 1e300 }, [5, 1, 4, 2, 3]))
        #expect(abs(s - small) < 1e-12, "pearson \(s) vs \(small)")

        let rows: [[Double]] = [[1, 2, 3, 4, 5, 2], [2, 2, 4, 4, 5, 1], [1, 3, 3, 5, 4, 2]]
        let icc = try Agreement.intraclassCorrelations(try RatingMatrix(complete: rows))
        let bigICC = try Agreement.intraclassCorrelations(
            try RatingMatrix(complete: rows.map { $0.map { $0 * Self.huge } }))
        for (a, b) in [
            (icc.icc1, bigICC.icc1), (icc.icc2, bigICC.icc2), (icc.icc3, bigICC.icc3), (icc.icc2k, bigICC.icc2k),
        ] {
            let a = try #require(a)
            let b = try #require(b, "ICC undefined for huge values")
            #expect(abs(a - b) < 1e-12, "icc \(b) vs \(a)")
        }

        let matrix = try RatingMatrix(rows.map { $0.map { Optional($0) } })
        let bigMatrix = try RatingMatrix(rows.map { $0.map { Optional($0 * Self.huge) } })
        for level in [MeasurementLevel.interval, .ratio] {
            let a = try #require(try Agreement.krippendorffAlpha(matrix, level: level))
            let b = try #require(try Agreement.krippendorffAlpha(bigMatrix, level: level), "α undefined at \(level)")
            #expect(abs(a - b) < 1e-12, "α \(level) \(b) vs \(a)")
        }
        let systems = try Correlations.systemLevel(
            bigX + bigX, y + y, systems: x.indices.map { "s\($0)" } + x.indices.map { "s\($0)" })
        #expect(systems.correlations.pearson.map { abs($0 - r) < 1e-12 } == true, "\(systems.correlations)")
    }

    @Test func anAuditWithAHugeJudgeScoreReportsOnlyFiniteNumbers() throws {
        let judge = try file(
            (1...6).map { i in #"{"id":"s\#(i)","judge":"J","score":\#(i == 3 ? "1e308" : "\(i % 5 + 1)")}"# },
            "judge.jsonl")
        let report = try AgreementAudit.run(human: try humans, judge: judge, options: try AuditOptions())
        let c = try #require(report.criteria.first)
        for (key, m) in c.metrics {
            if let v = m.value {
                #expect(v.isFinite && abs(v) <= 1 + 1e-9 || key == "judge_vs_human_ratio", "\(key) = \(v)")
            }
        }
        let pearson = try #require(c.metrics["pearson"]?.value)
        var perRater: [Double] = []
        let table = try humans.scoreTable()
        let judged = (1...6).map { i in i == 3 ? 1e308 : Double(i % 5 + 1) }
        for row in table.values {
            perRater.append(try #require(try Agreement.pearson(judged.map { $0 / 1e300 }, row.map { $0 ?? 0 })))
        }
        #expect(abs(pearson - perRater.reduce(0, +) / 2) < 1e-12, "pearson \(pearson)")
        for b in c.baselines {
            for (key, v) in b.values {
                if let v { #expect(v.isFinite && abs(v) <= 1 + 1e-9, "\(b.name) \(key) = \(v)") }
            }
        }
    }

    @Test func failedJudgmentsAreReportedWithTheirKindsNotAsOnlyHuman() throws {
        let judge = try file(
            [
                #"{"id":"s1","judge":"J","score":2}"#,
                #"{"id":"s2","judge":"J","score":null,"failure":{"kind":"timeout","seconds":30}}"#,
                #"{"id":"s3","judge":"J","score":null,"failure":{"kind":"unparseable"}}"#,
                #"{"id":"s4","judge":"J","score":4}"#, #"{"id":"s5","judge":"J","score":1}"#,
                #"{"id":"s6","judge":"J","score":null,"failure":{"kind":"timeout","seconds":30}}"#,
                #"{"id":"x9","judge":"J","score":null,"failure":{"kind":"empty_output"}}"#,
            ], "judge.jsonl")
        let report = try AgreementAudit.run(human: try humans, judge: judge, options: try AuditOptions())
        let c = try #require(report.criteria.first)
        #expect(c.onlyHuman.isEmpty, "failed judgments counted as only human-labelled: \(c.onlyHuman)")
        let md = report.markdown()
        #expect(md.contains("Judge failures: 4 of 7 judgments (57.1%)"), "\(md)")
        #expect(md.contains("timeout 2") && md.contains("unparseable 1") && md.contains("empty_output 1"), "\(md)")
        #expect(report.html().contains("Judge failures: 4 of 7 judgments (57.1%)"))
        let json = try dict(try JSONSerialization.jsonObject(with: report.jsonData()))
        let failures = try dict(try dict(try dict(json["criteria"])[""])["judge_failures"])
        #expect(failures["failed"] as? Int == 4 && failures["judgments"] as? Int == 7)
        #expect(try dict(failures["kinds"]) as? [String: Int] == ["timeout": 2, "unparseable": 1, "empty_output": 1])
        #expect(failures["failed_ids"] as? [String] == ["s2", "s3", "s6"])
    }

    @Test func aBootstrapCountThatWouldExhaustMemoryIsRefusedNamingTheCap() throws {
        let error = try #require(throws: AuditError.self) { try Bootstrap(replicates: 100_000_000) }
        #expect(error.errorDescription?.contains("100000") == true, "\(error.errorDescription ?? "")")
        _ = try Bootstrap(replicates: 100_000)
    }

    @Test func longWorkReportsProgressByCounts() throws {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var events: [AuditProgress] = []
        }
        let log = Log()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-progress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let humanURL = dir.appendingPathComponent("human.jsonl")
        let judgeURL = dir.appendingPathComponent("judge.jsonl")
        let items = 40_000  // more than the 16384-line reporting step
        try Data(
            (0..<items).map { #"{"id":"s\#($0)","rater":"h","score":\#($0 % 5 + 1)}"# }.joined(separator: "\n").utf8
        ).write(to: humanURL)
        try Data(
            (0..<6).map { #"{"id":"s\#($0)","judge":"J","score":\#(($0 * 3) % 5 + 1)}"# }.joined(separator: "\n").utf8
        )
        .write(to: judgeURL)
        var options = try AuditOptions(bootstrap: try Bootstrap(replicates: 400, seed: 1))
        options.progress = { p in log.lock.withLock { log.events.append(p) } }
        _ = try AgreementAudit.run(humanFile: humanURL, judgeFile: judgeURL, options: options)
        let events = log.lock.withLock { log.events }
        let reading = events.filter { $0.stage == .reading && $0.subject == humanURL.path }
        #expect(reading.count >= 3, "\(reading)")
        #expect(reading.last.map { $0.done == $0.total && $0.total > 0 } == true)
        let boot = events.filter { $0.stage == .bootstrap }
        #expect(boot.last == AuditProgress(stage: .bootstrap, subject: "", done: 400, total: 400))
        #expect(boot.count >= 200 && zip(boot, boot.dropFirst()).allSatisfy { $0.done < $1.done }, "\(boot.count)")
        let jack = events.filter { $0.stage == .jackknife }
        #expect(jack.last == AuditProgress(stage: .jackknife, subject: "", done: 6, total: 6))
    }
}
