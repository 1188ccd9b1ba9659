// ArbiterAgreement: agreement statistics, bootstrap intervals, audits and reports.
// A leaf module: Foundation only. Parts live in Type+Concern.swift files beside it.

/// Namespace for agreement-module constants.
public enum AgreementInfo {
    /// Measurement levels Krippendorff's alpha supports.
    public static let levels = ["nominal", "ordinal", "interval", "ratio"]
}
