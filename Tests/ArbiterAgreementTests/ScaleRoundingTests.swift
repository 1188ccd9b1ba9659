// ScaleRoundingTests: a probability-weighted judge's continuous scores are snapped to the nearest
// scale level (ties to the lower level) for the categorical statistics — percent agreement, quadratic
// κ, AC1, ordinal α and the confusion matrix equal those of the same audit run on hand-rounded scores —
// while Spearman, Pearson, ICC(2,1) and interval α keep the raw scores.
import ArbiterAgreement
import Foundation
import Testing

@Suite struct ScaleRoundingTests {
    @Test func nearestLevelAndTies() {
        let levels: [Double] = [1, 2, 3, 4, 5]
        #expect(Agreement.nearestLevel(3.72, levels: levels) == 4)
        #expect(Agreement.nearestLevel(3.49, levels: levels) == 3)
        #expect(Agreement.nearestLevel(3.5, levels: levels) == 3)  // tie → lower level
        #expect(Agreement.nearestLevel(1.5, levels: levels) == 1)
        #expect(Agreement.nearestLevel(0.2, levels: levels) == 1 && Agreement.nearestLevel(7, levels: levels) == 5)
        #expect(Agreement.nearestLevel(4, levels: levels) == 4)
        #expect(
            Agreement.nearestLevel(0.5, levels: [0, 1, 10]) == 0
                && Agreement.nearestLevel(5.6, levels: [0, 1, 10]) == 10)
        #expect(Agreement.roundedToScale([2.5, 2.51, -1], levels: [3, 2, 1]) == [2, 3, 1])
    }

    func labels(_ humans: [[Double]], judge: [Double]) throws -> (LabelFile, LabelFile) {
        var h = ""
        var j = ""
        for (i, row) in humans.enumerated() {
            for (r, s) in row.enumerated() { h += #"{"id":"i\#(i)","rater":"r\#(r)","score":\#(s)}"# + "\n" }
            j += #"{"id":"i\#(i)","judge":"J","score":\#(judge[i])}"# + "\n"
        }
        return (
            try LabelFile(parsing: Data(h.utf8), name: "h.jsonl"), try LabelFile(parsing: Data(j.utf8), name: "j.jsonl")
        )
    }

    @Test func categoricalStatisticsUseRoundedScoresCorrelationsRawOnes() throws {
        let humans: [[Double]] = [[1, 2], [2, 2], [3, 4], [4, 4], [5, 5], [2, 3], [4, 5], [1, 1]]
        let continuous: [Double] = [1.4, 2.5, 3.72, 3.9, 4.6, 2.2, 4.49, 1.0]
        let rounded = Agreement.roundedToScale(continuous, levels: [1, 2, 3, 4, 5])
        #expect(rounded == [1, 2, 4, 4, 5, 2, 4, 1])
        for scale in [[1.0, 2, 3, 4, 5], nil] {
            let (h, jc) = try labels(humans, judge: continuous)
            let (_, jr) = try labels(humans, judge: rounded)
            let options = try AuditOptions(level: .ordinal, scale: scale)
            let c = try #require(try AgreementAudit.run(human: h, judge: jc, options: options).criteria.first)
            let r = try #require(try AgreementAudit.run(human: h, judge: jr, options: options).criteria.first)
            for key in ["percent_agreement", "cohen_kappa_quadratic", "gwet_ac1", "krippendorff_alpha"] {
                let a = try #require(c.metrics[key]?.value)
                let b = try #require(r.metrics[key]?.value)
                #expect(abs(a - b) < 1e-12, "\(key) scale \(String(describing: scale)): \(a) vs rounded \(b)")
            }
            #expect(c.confusion == r.confusion && !c.confusion.isEmpty)
            #expect(c.judgeScoresRoundedToScale == 7 && r.judgeScoresRoundedToScale == 0)
            // Raw scores: Spearman differs (3.72 < 3.9 are tied once rounded), Pearson too.
            let spearmanRaw = try #require(c.metrics["spearman"]?.value)
            let spearmanRounded = try #require(r.metrics["spearman"]?.value)
            #expect(abs(spearmanRaw - spearmanRounded) > 1e-6)
            let pearsonRaw = try #require(c.metrics["pearson"]?.value)
            let pearsonRounded = try #require(r.metrics["pearson"]?.value)
            #expect(abs(pearsonRaw - pearsonRounded) > 1e-6)
            #expect(c.judgeScores == continuous && c.judgeScoresOnScale == rounded)
            let md = try AgreementAudit.run(human: h, judge: jc, options: options).markdown()
            #expect(
                md.contains("Scale rounding: 7 of 8 judge scores were off the scale")
                    && md.contains("ties to the lower level"))
        }
        // Interval α takes the raw scores: it differs from the rounded audit's.
        let (h, jc) = try labels(humans, judge: continuous)
        let (_, jr) = try labels(humans, judge: rounded)
        let interval = try AuditOptions(level: .interval)
        let ai = try #require(
            try AgreementAudit.run(human: h, judge: jc, options: interval).criteria.first?.metrics[
                "krippendorff_alpha"]?.value)
        let ar = try #require(
            try AgreementAudit.run(human: h, judge: jr, options: interval).criteria.first?.metrics[
                "krippendorff_alpha"]?.value)
        #expect(abs(ai - ar) > 1e-6)
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: try AgreementAudit.run(human: h, judge: jc, options: interval).jsonData()) as? [String: Any])
        #expect(try dict(try dict(json["criteria"])[""])["judge_scores_rounded_to_scale"] as? Int == 7)
    }

    @Test func judgeScoresOutsideADeclaredScaleAreErrors() throws {
        let (h, j) = try labels([[1, 2], [2, 3]], judge: [0.5, 2])
        let error = try #require(throws: AuditError.self) {
            try AgreementAudit.run(human: h, judge: j, options: try AuditOptions(scale: [1, 2, 3]))
        }
        #expect(error.errorDescription?.contains("outside the scale") == true)
    }
}
