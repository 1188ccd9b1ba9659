// ArbiterAgreement: agreement statistics (kappas, Krippendorff's alpha, Gwet's AC1, correlations,
// ICC, MT-Bench pairwise agreement), seeded bootstrap intervals, human-human baselines, label-file
// loaders and trivial baselines, audits of one or several judges (JSON/Markdown/HTML reports with
// SVG plots, calibration of score distributions) and the TrustGate pass/fail rule over an audit.
// A leaf module: Foundation only, no terminal output.
// Parts live in Type+Concern.swift files beside this one. Undefined results (0/0) are `nil`.

/// Namespace of the agreement statistics. Every function is pure; `nil` means "undefined"
/// (e.g. κ when both raters use one category), never a silent 0 or 1.
public enum Agreement {}

/// Krippendorff's levels of measurement (which distance δ² the coefficient uses).
public enum MeasurementLevel: String, CaseIterable, Sendable, Codable {
    /// δ² = 0 if equal, else 1.
    case nominal
    /// Krippendorff's rank-based δ²: (Σ_{g=c..k} n_g − (n_c + n_k)/2)² over pairable-value counts.
    case ordinal
    /// δ² = (c − k)².
    case interval
    /// δ² = ((c − k)/(c + k))², 0 when c + k = 0.
    case ratio
}

/// Weights of Cohen's κ, over the index of a label in the category list (scikit-learn semantics).
public enum KappaWeighting: String, CaseIterable, Sendable, Codable {
    case unweighted
    /// w = |i − j|.
    case linear
    /// w = (i − j)².
    case quadratic
}
