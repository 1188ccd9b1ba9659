// AgreementAudit+Graded: the audit of graded scores — judge vs each human (percent agreement,
// quadratic κ, Krippendorff's α, AC1, Spearman, Kendall τ-b, Pearson, ICC(2,1)), the leave-one-out
// human-human Spearman and the judge/human ratio, trivial baselines, summary/system levels.

extension AgreementAudit {
    static let gradedKeys = [
        "percent_agreement", "cohen_kappa_quadratic", "krippendorff_alpha", "gwet_ac1",
        "spearman", "kendall_tau_b", "pearson", "icc2_1", "human_human", "judge_vs_human_ratio",
    ]

    static func gradedReport(_ criterion: String, _ aligned: LabelAlignment<Double>, _ options: AuditOptions) throws
        -> CriterionReport
    {
        let humans = try RatingMatrix(aligned.humans.values)  // (raters, items)
        let judge = aligned.judge  // (items,)
        let humanLevels = Set(humans.ratings.flatMap { $0.compactMap { $0 } })
        // The scale of the categorical statistics: declared, or the observed human scores plus the
        // judge's whole-number scores. Judge scores off the scale (a probability-weighted expected
        // score such as 3.72) are snapped to the nearest level, ties to the lower one
        // (Agreement+ScaleRounding.swift) for percent agreement, κ, AC1, nominal/ordinal α and the
        // confusion matrix; correlations, ICC and interval/ratio α use the raw scores.
        let scale = options.scale ?? Array(humanLevels.union(judge.filter { $0 == $0.rounded() })).sorted()
        // A declared scale was checked line by line when the records were read (AgreementAudit.checkScale).
        let snapped = Agreement.roundedToScale(judge, levels: scale)  // (items,) judge scores on the scale
        let roundedCount = zip(judge, snapped).filter { $0 != $1 }.count
        let level = options.level
        let domain: [Double]? = (level == .nominal || level == .ordinal) ? scale : nil
        let alphaJudge = domain == nil ? judge : snapped

        let stats: ([Int]) throws -> [Double?] = { idx in
            let sub = humans.selectingItems(idx)
            let j = idx.map { judge[$0] }
            let js = idx.map { snapped[$0] }
            let ja = idx.map { alphaJudge[$0] }
            var percent: [Double?] = []
            var kappa: [Double?] = []
            var alpha: [Double?] = []
            var ac1: [Double?] = []
            var corr: [Correlations] = []
            var icc: [Double?] = []
            for row in sub.ratings {
                var jk: [Double] = []
                var sk: [Double] = []
                var ak: [Double] = []
                var hk: [Double] = []
                for (i, h) in row.enumerated() {
                    if let h {
                        jk.append(j[i])
                        sk.append(js[i])
                        ak.append(ja[i])
                        hk.append(h)
                    }
                }
                guard !jk.isEmpty else { continue }
                percent.append(Double(zip(sk, hk).filter { $0 == $1 }.count) / Double(sk.count))
                kappa.append(try Agreement.cohenKappa(sk, hk, categories: scale, weighting: .quadratic))
                let snappedPair = RatingMatrix(unchecked: [sk.map { Optional($0) }, hk.map { Optional($0) }])
                let alphaPair = RatingMatrix(unchecked: [ak.map { Optional($0) }, hk.map { Optional($0) }])
                alpha.append(try Agreement.krippendorffAlpha(alphaPair, level: level, domain: domain))
                ac1.append(try Agreement.gwetAC1(snappedPair.ratings, categories: scale).value)
                let pair = RatingMatrix(unchecked: [jk.map { Optional($0) }, hk.map { Optional($0) }])
                corr.append(try Correlations(jk, hk))
                icc.append(jk.count >= 2 ? try Agreement.intraclassCorrelations(pair).icc2 : nil)
            }
            var humanHuman: Double? = nil
            var ratio: Double? = nil
            if sub.raterCount >= 2 {
                let b = try Agreement.judgeHumanBaseline(humans: sub, judge: j)
                humanHuman = b.humanMean?.spearman
                ratio = b.ratio?.spearman
            }
            return [
                meanDefined(percent), meanDefined(kappa), meanDefined(alpha), meanDefined(ac1),
                meanDefined(corr.map(\.spearman)), meanDefined(corr.map(\.kendallTauB)),
                meanDefined(corr.map(\.pearson)),
                meanDefined(icc), humanHuman, ratio,
            ]
        }
        let metrics = try withIntervals(
            itemCount: judge.count, options: options, keys: gradedKeys, subject: criterion, statistics: stats)

        var test: PairedBootstrapTest? = nil
        if let boot = options.bootstrap, humans.raterCount >= 2 {
            func side(_ judgeSide: Bool) -> ([Int]) throws -> Double? {
                { idx in
                    let b = try Agreement.judgeHumanBaseline(
                        humans: humans.selectingItems(idx), judge: idx.map { judge[$0] })
                    return judgeSide ? b.judgeMean?.spearman : b.humanMean?.spearman
                }
            }
            test = try boot.pairedDifference(itemCount: judge.count, side(true), side(false))
        }
        let humanMean: [Double] = (0..<humans.itemCount).map { i in
            let v = humans.values(ofItem: i)
            return v.isEmpty ? 0 : Agreement.stableMean(v)
        }
        var summary: GroupedCorrelations? = nil
        var system: SystemLevelCorrelations? = nil
        if let samples = options.samples {
            if let key = options.groupBy {
                summary = try Correlations.grouped(
                    judge, humanMean, groups: try samples.metadata(key, for: aligned.humans.itemIDs))
            }
            if let key = options.systemKey {
                system = try Correlations.systemLevel(
                    judge, humanMean, systems: try samples.metadata(key, for: aligned.humans.itemIDs))
            }
        }

        var baselines: [GradedBaseline] = [.random(scale: scale, seed: options.baselineSeed)]
        if let mode = Agreement.mode(humans.ratings.flatMap { $0.compactMap { $0 } }) {
            baselines.insert(.constant(mode), at: 0)
        }
        if let samples = options.samples, aligned.humans.itemIDs.allSatisfy({ samples.byID[$0]?.response != nil }) {
            baselines += [.longestResponse(.characters), .shortestResponse(.characters)]
        }
        let baselineResults = try baselines.map { base -> BaselineResult in
            let scores = try base.scores(for: aligned.humans.itemIDs, samples: options.samples)
            var values: [String: Double?] = [:]
            var corr: [Correlations] = []
            var percent: [Double?] = []
            for row in humans.ratings {
                var bk: [Double] = []
                var hk: [Double] = []
                for (i, h) in row.enumerated() {
                    if let h {
                        bk.append(scores[i])
                        hk.append(h)
                    }
                }
                corr.append(try Correlations(bk, hk))
                percent.append(bk.isEmpty ? nil : Double(zip(bk, hk).filter { $0 == $1 }.count) / Double(bk.count))
            }
            values["spearman"] = meanDefined(corr.map(\.spearman))
            values["kendall_tau_b"] = meanDefined(corr.map(\.kendallTauB))
            values["pearson"] = meanDefined(corr.map(\.pearson))
            if case .longestResponse = base {
            } else if case .shortestResponse = base {
            } else {
                values["percent_agreement"] = meanDefined(percent)
            }
            return BaselineResult(name: base.name, values: values)
        }

        var confusion: [[Int]] = []
        var labels: [String] = []
        if scale.count <= 12, humanLevels.isSubset(of: Set(scale)) {
            var index: [Double: Int] = [:]
            for (i, s) in scale.enumerated() { index[s] = i }
            confusion = [[Int]](repeating: [Int](repeating: 0, count: scale.count), count: scale.count)
            for row in humans.ratings {
                for (i, h) in row.enumerated() {
                    if let h, let r = index[snapped[i]], let c = index[h] { confusion[r][c] += 1 }
                }
            }
            labels = scale.map(AuditReport.levelLabel)
        }
        var report = CriterionReport(
            criterion: criterion, kind: .graded, itemCount: judge.count, humanRaters: aligned.humans.sources,
            onlyHuman: aligned.onlyHuman, onlyJudge: aligned.onlyJudge, metrics: metrics, metricOrder: gradedKeys,
            humanHumanStatistic:
                "spearman: mean over human raters of (rater vs mean of the other raters); ratio = judge in each rater's place / that",
            baselines: baselineResults, judgeMinusHuman: test, summaryLevel: summary, systemLevel: system,
            judgeScores: judge, humanScores: humanMean, confusion: confusion, confusionLabels: labels)
        report.judgeScoresRoundedToScale = roundedCount
        report.judgeScoresOnScale = snapped
        return report
    }
}
