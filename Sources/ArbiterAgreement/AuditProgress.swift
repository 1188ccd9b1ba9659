// AuditProgress: what a long audit reports while it runs — reading a label file (bytes), drawing
// bootstrap resamples (replicates) and BCa's jackknife (items) — through `AuditOptions.progress`.
// The library never prints; the CLI decides whether and how to show it. Reports come at fixed
// counts (every 16384 lines, every 0.5% of replicates or items, and at the end), never on a timer.

/// One progress report of an audit.
public struct AuditProgress: Sendable, Equatable {
    public enum Stage: String, Sendable, Equatable {
        /// Parsing a label file; counts are bytes.
        case reading
        /// Drawing bootstrap resamples; counts are replicates.
        case bootstrap
        /// BCa's leave-one-out pass; counts are items.
        case jackknife
    }

    public let stage: Stage
    /// What the stage works on: a file path, or a criterion ("" when the files name none).
    public let subject: String
    public let done: Int
    public let total: Int

    public init(stage: Stage, subject: String, done: Int, total: Int) {
        self.stage = stage
        self.subject = subject
        self.done = done
        self.total = total
    }
}
