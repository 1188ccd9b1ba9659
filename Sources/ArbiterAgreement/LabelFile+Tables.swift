// LabelFile+Tables: turn a label file into raters × items tables for one criterion, and pair a
// human file with a judge file by item id, listing ids present in only one of them.
import ArbiterCore

/// Labels of one kind as a (sources, items) table; nil = no label.
public struct LabelTable<Value: Sendable & Equatable>: Sendable, Equatable {
    /// Item ids, sorted.
    public let itemIDs: [String]
    /// Raters (or judges), sorted.
    public let sources: [String]
    /// (sources, items)
    public let values: [[Value?]]

    /// The labels of one item, in source order, without missing ones.
    public func labels(ofItem id: String) -> [Value] {
        guard let j = itemIDs.firstIndex(of: id) else { return [] }
        return values.compactMap { $0[j] }
    }

    /// The table restricted to some item ids (ids not in the table give nil columns).
    public func selecting(itemIDs ids: [String]) -> LabelTable {
        var index: [String: Int] = [:]
        for (j, id) in itemIDs.enumerated() { index[id] = j }
        return LabelTable(
            itemIDs: ids, sources: sources,
            values: values.map { row in ids.map { id in index[id].flatMap { row[$0] } } })
    }

    /// The table restricted to some sources, in the given order (unknown sources give empty rows).
    public func selecting(sources names: [String]) -> LabelTable {
        let empty = [Value?](repeating: nil, count: itemIDs.count)
        return LabelTable(
            itemIDs: itemIDs, sources: names,
            values: names.map { n in sources.firstIndex(of: n).map { values[$0] } ?? empty })
    }

    /// Per item id, the labels in source order (items without labels are left out).
    public var labelsByItem: [String: [Value]] {
        var out: [String: [Value]] = [:]
        for (j, id) in itemIDs.enumerated() {
            let l = values.compactMap { $0[j] }
            if !l.isEmpty { out[id] = l }
        }
        return out
    }
}

extension LabelFile {
    /// Sorted names of the raters or judges in the file.
    public var sources: [String] { Array(Set(records.map(\.source))).sorted() }

    /// Sorted criteria named in the file (records without a criterion are not listed).
    public var criteria: [String] { Array(Set(records.compactMap(\.criterion))).sorted() }

    /// Records of one criterion; with `criterion == nil` the file must hold at most one criterion.
    public func records(criterion: String?) throws -> [LabelRecord] {
        let all = criteria
        if let criterion {
            guard all.contains(criterion) else {
                throw AuditError.unknownCriterion(file: name, criterion: criterion, criteria: all)
            }
            return records.filter { $0.criterion == criterion }
        }
        guard all.count <= 1 else { throw AuditError.ambiguousCriterion(file: name, criteria: all) }
        return records
    }

    /// Graded scores of one criterion as a (sources, items) table, optionally for some sources only.
    public func scoreTable(criterion: String? = nil, sources only: [String]? = nil) throws -> LabelTable<Double> {
        try table(criterion: criterion, sources: only) { if case .score(let s)? = $0 { return s } else { return nil } }
    }

    /// Pairwise votes of one criterion as a (sources, items) table.
    public func voteTable(criterion: String? = nil, sources only: [String]? = nil) throws -> LabelTable<PairwiseVerdict>
    {
        try table(criterion: criterion, sources: only) { if case .vote(let v)? = $0 { return v } else { return nil } }
    }

    private func table<V>(criterion: String?, sources only: [String]?, _ pick: (LabelValue?) -> V?) throws
        -> LabelTable<V>
    {
        var chosen = try records(criterion: criterion)
        if let only {
            let known = Set(chosen.map(\.source))
            for s in only where !known.contains(s) {
                throw AuditError.unknownJudge(file: name, judge: s, judges: known.sorted())
            }
            let keep = Set(only)
            chosen = chosen.filter { keep.contains($0.source) }
        }
        let ids = Array(Set(chosen.map(\.id))).sorted()
        let srcs = Array(Set(chosen.map(\.source))).sorted()
        var idIndex: [String: Int] = [:]
        for (j, id) in ids.enumerated() { idIndex[id] = j }
        var srcIndex: [String: Int] = [:]
        for (r, s) in srcs.enumerated() { srcIndex[s] = r }
        var values = [[V?]](repeating: [V?](repeating: nil, count: ids.count), count: srcs.count)
        for rec in chosen {
            guard let r = srcIndex[rec.source], let j = idIndex[rec.id] else { continue }
            values[r][j] = pick(rec.value)
        }
        return LabelTable(itemIDs: ids, sources: srcs, values: values)
    }
}

/// A human table and one judge's labels over the items both have, plus the ids only one side has.
public struct LabelAlignment<Value: Sendable & Equatable>: Sendable {
    /// Humans over the shared items: (raters, items).
    public let humans: LabelTable<Value>
    /// The judge's label per shared item, in `humans.itemIDs` order.
    public let judge: [Value]
    /// Ids with a human label but no usable judge label (absent or null), sorted.
    public let onlyHuman: [String]
    /// Ids the judge labelled that no human labelled, sorted.
    public let onlyJudge: [String]

    /// Pairs a human table with a judge table holding one source.
    public init(humans all: LabelTable<Value>, judge judgeTable: LabelTable<Value>) {
        var judged: [String: Value] = [:]
        if let row = judgeTable.values.first {
            for (j, id) in judgeTable.itemIDs.enumerated() { if let v = row[j] { judged[id] = v } }
        }
        let humanIDs = Set(all.labelsByItem.keys)
        let shared = all.itemIDs.filter { humanIDs.contains($0) && judged[$0] != nil }
        self.humans = all.selecting(itemIDs: shared)
        self.judge = shared.compactMap { judged[$0] }
        self.onlyHuman = all.itemIDs.filter { humanIDs.contains($0) && judged[$0] == nil }
        self.onlyJudge = judged.keys.filter { !humanIDs.contains($0) }.sorted()
    }
}

extension LabelFile {
    /// The single judge of a judge file, or the named one.
    public func judgeName(_ requested: String?) throws -> String {
        let all = sources
        if let requested {
            guard all.contains(requested) else {
                throw AuditError.unknownJudge(file: name, judge: requested, judges: all)
            }
            return requested
        }
        guard all.count == 1, let only = all.first else { throw AuditError.ambiguousJudge(file: name, judges: all) }
        return only
    }
}
