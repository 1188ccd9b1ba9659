// JudgmentStore+Export: writes the store as judgments JSONL, one line per stored judgment in
// insertion order, each line made by the same encoder as Judgment+JSONL (`jsonLine()`), so the
// export of a run equals that run's JSONL log with superseded lines (a retried key's earlier
// line) left out. The file is written to a temporary sibling and renamed into place. It does not
// read JSONL back into a store.
import Foundation

extension JudgmentStore {
    /// The JSONL bytes of every stored judgment, in insertion order.
    public func exportJSONL() throws(JudgmentStoreError) -> Data {
        try encodedLines(allJudgments())
    }

    /// Writes every stored judgment to `destination` as judgments JSONL (replacing the file
    /// atomically); returns the number of lines written.
    @discardableResult
    public func exportJSONL(to destination: URL) throws(JudgmentStoreError) -> Int {
        let rows = try allJudgments()
        let data = try encodedLines(rows)
        do {
            try data.write(to: destination, options: .atomic)
        } catch {
            throw .exportFailed(path: destination.path, reason: error.localizedDescription)
        }
        return rows.count
    }

    private func encodedLines(_ rows: [StoredJudgment]) throws(JudgmentStoreError) -> Data {
        do {
            return try Judgment.jsonLines(rows.map(\.judgment))
        } catch {
            throw .databaseError(path: url.path, operation: "encoding judgments for export", reason: "\(error)")
        }
    }
}
