// AgreementAudit+Pairwise: the audit of a/b/tie verdicts — MT-Bench agreement with and without ties
// (judge vs each human vote), κ / α / AC1 of the judge vs each human, human-human MT-Bench agreement
// and the judge/human ratio, and the trivial baselines (always a/b, random, longer/shorter wins).
import ArbiterCore

extension AgreementAudit {
    static let pairwiseKeys = [
        "percent_agreement", "mtbench_without_ties", "cohen_kappa", "krippendorff_alpha",
        "gwet_ac1", "human_human", "judge_vs_human_ratio",
    ]

    /// MT-Bench counts on aligned arrays (items may repeat, as in a bootstrap resample).
    static func voteAgreement(judge: [PairwiseVerdict], humans: [[PairwiseVerdict]], includeTies: Bool)
        -> AgreementCount
    {
        var agree = 0
        var total = 0
        for (j, votes) in zip(judge, humans) {
            if !includeTies && j == .tie { continue }
            for v in votes where includeTies || v != .tie {
                total += 1
                if v == j { agree += 1 }
            }
        }
        return AgreementCount(agree: agree, total: total)
    }

    static func pairwiseReport(_ criterion: String, _ aligned: LabelAlignment<PairwiseVerdict>, _ options: AuditOptions)
        throws -> CriterionReport
    {
        let table = aligned.humans.values  // (raters, items)
        let judge = aligned.judge
        let perItem: [[PairwiseVerdict]] = judge.indices.map { i in table.compactMap { $0[i] } }
        let cats = PairwiseVerdict.allCases
        let stats: ([Int]) throws -> [Double?] = { idx in
            let j = idx.map { judge[$0] }
            let h = idx.map { perItem[$0] }
            let with = voteAgreement(judge: j, humans: h, includeTies: true)
            let without = voteAgreement(judge: j, humans: h, includeTies: false)
            var kappa: [Double?] = []
            var alpha: [Double?] = []
            var ac1: [Double?] = []
            for row in table {
                var jk: [PairwiseVerdict] = []
                var hk: [PairwiseVerdict] = []
                for i in idx {
                    if let v = row[i] {
                        jk.append(judge[i])
                        hk.append(v)
                    }
                }
                guard !jk.isEmpty else { continue }
                kappa.append(try Agreement.cohenKappa(jk, hk, categories: cats))
                let pair: [[PairwiseVerdict?]] = [jk, hk]
                alpha.append(try Agreement.krippendorffAlpha(nominal: pair, categories: cats))
                ac1.append(try Agreement.gwetAC1(pair, categories: cats).value)
            }
            var hh = 0
            var ht = 0
            for votes in h {
                for x in 0..<votes.count {
                    for y in (x + 1)..<votes.count {
                        ht += 1
                        if votes[x] == votes[y] { hh += 1 }
                    }
                }
            }
            let humanHuman: Double? = ht > 0 ? Double(hh) / Double(ht) : nil
            var ratio: Double? = nil
            if let a = with.ratio, let b = humanHuman, b != 0 { ratio = a / b }
            return [
                with.ratio, without.ratio, meanDefined(kappa), meanDefined(alpha), meanDefined(ac1), humanHuman, ratio,
            ]
        }
        let metrics = try withIntervals(
            itemCount: judge.count, options: options, keys: pairwiseKeys, subject: criterion, statistics: stats)

        var test: PairedBootstrapTest? = nil
        if let boot = options.bootstrap, table.count >= 2 {
            let judgeSide: ([Int]) -> Double? = { idx in
                voteAgreement(judge: idx.map { judge[$0] }, humans: idx.map { perItem[$0] }, includeTies: true).ratio
            }
            let humanSide: ([Int]) -> Double? = { idx in
                var agree = 0
                var total = 0
                for i in idx {
                    let v = perItem[i]
                    for x in 0..<v.count {
                        for y in (x + 1)..<v.count {
                            total += 1
                            if v[x] == v[y] { agree += 1 }
                        }
                    }
                }
                return total > 0 ? Double(agree) / Double(total) : nil
            }
            test = boot.pairedDifference(itemCount: judge.count, judgeSide, humanSide)
        }
        var baselines: [PairwiseBaseline] = [.always(.a), .always(.b), .random(seed: options.baselineSeed)]
        if let samples = options.samples,
            aligned.humans.itemIDs.allSatisfy({
                samples.byID[$0]?.responseA != nil && samples.byID[$0]?.responseB != nil
            })
        {
            baselines += [
                .longerWins(.characters), .shorterWins(.characters), .longerWins(.words), .shorterWins(.words),
            ]
        }
        let ids = aligned.humans.itemIDs
        let results = try baselines.map { base -> BaselineResult in
            let votes = try base.votes(for: ids, samples: options.samples)
            let bv = ids.compactMap { votes[$0] }
            return BaselineResult(
                name: base.name,
                values: [
                    "percent_agreement": voteAgreement(judge: bv, humans: perItem, includeTies: true).ratio,
                    "mtbench_without_ties": voteAgreement(judge: bv, humans: perItem, includeTies: false).ratio,
                ])
        }
        var confusion = [[Int]](repeating: [0, 0, 0], count: 3)
        for (j, votes) in zip(judge, perItem) {
            for v in votes {
                if let r = cats.firstIndex(of: j), let c = cats.firstIndex(of: v) { confusion[r][c] += 1 }
            }
        }
        func code(_ v: PairwiseVerdict) -> Double { Double(cats.firstIndex(of: v) ?? 0) }
        return CriterionReport(
            criterion: criterion, kind: .pairwise, itemCount: judge.count, humanRaters: aligned.humans.sources,
            onlyHuman: aligned.onlyHuman, onlyJudge: aligned.onlyJudge, metrics: metrics, metricOrder: pairwiseKeys,
            humanHumanStatistic:
                "MT-Bench agreement (with ties) over all pairs of human votes on an item; ratio = percent_agreement / that",
            baselines: results, judgeMinusHuman: test, summaryLevel: nil, systemLevel: nil,
            judgeScores: judge.map(code),
            humanScores: perItem.map { v in v.map(code).reduce(0, +) / Double(max(v.count, 1)) },
            confusion: confusion, confusionLabels: cats.map(\.rawValue))
    }
}
