// AgreementError: typed errors for malformed statistic inputs (ragged matrices, unknown labels,
// missing ratings where complete data is required). Not for file parsing (LabelFileError).
import Foundation

/// Why a statistic could not be computed from its inputs. Undefined values (0/0) are not errors:
/// they come back as `nil`.
public enum AgreementError: Error, LocalizedError, Equatable, Sendable {
    /// Rows of a raters × items matrix have different lengths.
    case raggedMatrix(rater: Int, expected: Int, found: Int)
    /// A rating is NaN or infinite.
    case nonFiniteRating(rater: Int, item: Int)
    /// A label is not in the declared category list.
    case unknownCategory(label: String, rater: Int, item: Int)
    /// The category list is empty or repeats a category.
    case invalidCategories(String)
    /// Two paired sequences differ in length.
    case lengthMismatch(first: Int, second: Int)
    /// A statistic that needs complete data met a missing rating.
    case missingRating(statistic: String, rater: Int, item: Int)
    /// Too few raters for the statistic.
    case tooFewRaters(statistic: String, needed: Int, found: Int)

    public var errorDescription: String? {
        switch self {
        case .raggedMatrix(let rater, let expected, let found):
            return
                "ratings must be raters × items: rater \(rater) has \(found) items, rater 0 has \(expected); pad missing ratings with nil"
        case .nonFiniteRating(let rater, let item):
            return "rating of rater \(rater), item \(item) is NaN or infinite; use nil for a missing rating"
        case .unknownCategory(let label, let rater, let item):
            return
                "label \(label) (rater \(rater), item \(item)) is not in the declared category list; add it to `categories`"
        case .invalidCategories(let why):
            return "invalid category list: \(why); pass every category once, in scale order"
        case .lengthMismatch(let first, let second):
            return "paired sequences differ in length (\(first) vs \(second)); align them by item id first"
        case .missingRating(let statistic, let rater, let item):
            return
                "\(statistic) needs complete data but rater \(rater) has no rating for item \(item); drop incomplete items or use Krippendorff's α / Gwet's AC1"
        case .tooFewRaters(let statistic, let needed, let found):
            return "\(statistic) needs at least \(needed) raters, found \(found)"
        }
    }
}
