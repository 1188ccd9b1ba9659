// TrainedJudgeTests: a judge trained end to end on the real all-MiniLM-L6-v2 (frozen, one short
// epoch on a slice of the bundled PandaLM pairs), saved, loaded back and used as a judge: the
// loaded judge repeats the held-out verdicts the job wrote, and a judge is refused for another
// rubric or another backbone with both hashes named.
import ArbiterAgreement
import ArbiterCore
import ArbiterModels
import ArbiterRubric
import ArbiterTestSupport
import Foundation
import Testing

@testable import ArbiterJudge

@Suite(.serialized) struct TrainedJudgeTests {
    static func slice(count: Int, to directory: URL) throws -> URL {
        let data = try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Data/pandalm/samples.jsonl"))
        let lines = data.split(separator: UInt8(ascii: "\n")).prefix(count)
        let url = directory.appendingPathComponent("samples.jsonl")
        try Data(lines.joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")]).write(to: url)
        return url
    }

    @Test func trainSaveLoadAndJudgeWithTheRealEncoder() async throws {
        _ = try TestModels.miniLMDirectory()  // fetched once into the cache
        let directory = TinyJudge.temporaryDirectory()
        let samples = try Self.slice(count: 40, to: directory)
        let rubric = try Rubric.load(
            contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Rubrics/pairwise-preference.yaml"))
        let out = directory.appendingPathComponent("judge")
        var options = JudgeTrainingJobOptions(
            rubric: rubric, samples: samples,
            labels: Fixtures.repositoryRoot.appendingPathComponent("Data/pandalm/human_labels.jsonl"), output: out)
        options.epochs = 1
        options.batchSize = 8
        options.maxLength = 64
        options.testFold = 0
        options.validFraction = 0.2
        // MiniLM reads 512 positions: a longer --max-length is refused, not silently cut.
        var tooLong = options
        tooLong.maxLength = 1024
        #expect(throws: TrainedJudgeError.self) { _ = try JudgeTrainingJob(options: tooLong).run() }
        let report = try JudgeTrainingJob(options: options).run()
        #expect(report.heldOutCount > 0 && report.trainCount + report.validCount + report.heldOutCount == 40)
        let heldOut = try Judgment.decodeJSONLines(Data(contentsOf: try #require(report.heldOutJudgments)))
        #expect(heldOut.count == report.heldOutCount)
        #expect(heldOut.allSatisfy { $0.verdict != nil && $0.rubricHash == rubric.contentHash })
        for name in ["config.json", "judge.safetensors", "metrics.jsonl", "learning-curve.svg"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
        }
        // Loaded back, the judge gives the same verdicts on the held-out pairs.
        let judge = try TrainedJudge.load(directory: out, rubric: rubric)
        let contents = try JudgeJob.readSamples(samples, pairwise: true)
        let byID = Dictionary(
            uniqueKeysWithValues: contents.samples.compactMap { s -> (String, PairwiseSample)? in
                if case .pairwise(let p) = s { return (p.id, p) }
                return nil
            })
        let again = await judge.pairwise.judge(heldOut.map { byID[$0.id]! })
        #expect(again.map(\.verdict) == heldOut.map(\.verdict))
        #expect(again.map(\.raw) == heldOut.map(\.raw))
        // Another rubric is refused, naming both hashes.
        let other = try Rubric.load(
            contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Rubrics/helpfulness.yaml"))
        #expect(
            throws: TrainedJudgeError.rubricMismatch(
                path: out.path, trainedOn: rubric.contentHash, given: other.contentHash)
        ) {
            _ = try TrainedJudge.load(directory: out, rubric: other)
        }
        // A config naming another backbone hash is refused.
        let configURL = out.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        let real = config["backbone_sha256"] as! String
        config["backbone_sha256"] = String(repeating: "0", count: 64)
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        #expect(
            throws: TrainedJudgeError.backboneMismatch(
                path: out.path, expected: String(repeating: "0", count: 64), found: real)
        ) {
            _ = try TrainedJudge.load(directory: out)
        }
        // A missing or malformed config is a typed error.
        try Data("{".utf8).write(to: configURL)
        #expect(throws: TrainedJudgeError.self) { _ = try TrainedJudge.load(directory: out) }
    }
}
