// RatingMatrix: validated raters × items numeric ratings with missing values (nil), plus coding of
// categorical labels by their index in a declared category list. Not a statistics file.

/// Numeric ratings, raters × items; `nil` = missing. Validated rectangular and finite.
public struct RatingMatrix: Sendable, Equatable {
    /// (raters, items)
    public let ratings: [[Double?]]
    public let raterCount: Int
    public let itemCount: Int

    /// Validates that every rater row has the same number of items and every rating is finite.
    public init(_ ratings: [[Double?]]) throws {
        let width = ratings.first?.count ?? 0
        for (r, row) in ratings.enumerated() {
            guard row.count == width else {
                throw AgreementError.raggedMatrix(rater: r, expected: width, found: row.count)
            }
            for (i, v) in row.enumerated() where v.map({ !$0.isFinite }) ?? false {
                throw AgreementError.nonFiniteRating(rater: r, item: i)
            }
        }
        self.ratings = ratings
        self.raterCount = ratings.count
        self.itemCount = width
    }

    /// Complete integer or real ratings without missing values.
    public init(complete ratings: [[Double]]) throws {
        try self.init(ratings.map { $0.map { Optional($0) } })
    }

    init(unchecked ratings: [[Double?]]) {
        self.ratings = ratings
        self.raterCount = ratings.count
        self.itemCount = ratings.first?.count ?? 0
    }

    /// True when no rating is missing.
    public var isComplete: Bool { ratings.allSatisfy { $0.allSatisfy { $0 != nil } } }

    /// The non-missing ratings of item `item`, in rater order.
    public func values(ofItem item: Int) -> [Double] { ratings.compactMap { $0[item] } }

    /// The matrix restricted to (and reordered by) the given item indices; repeats allowed (bootstrap).
    public func selectingItems(_ indices: [Int]) -> RatingMatrix {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < itemCount }, "item index out of range 0..<\(itemCount)")
        return RatingMatrix(unchecked: ratings.map { row in indices.map { row[$0] } })
    }

    /// The matrix restricted to the given raters, in the given order.
    public func selectingRaters(_ indices: [Int]) -> RatingMatrix {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < raterCount }, "rater index out of range 0..<\(raterCount)")
        return RatingMatrix(unchecked: indices.map { ratings[$0] })
    }

    /// The complete matrix, or an error naming the first missing rating.
    func completeRows(statistic: String) throws -> [[Double]] {
        try ratings.enumerated().map { r, row in
            try row.enumerated().map { i, v in
                guard let v else { throw AgreementError.missingRating(statistic: statistic, rater: r, item: i) }
                return v
            }
        }
    }
}

/// Categorical labels coded by their index in a declared category list (the order of the list is
/// the scale order for weighted κ and AC2).
public struct CategoricalRatings<Label: Hashable & Sendable>: Sendable {
    public let categories: [Label]
    /// (raters, items) indices into `categories`; nil = missing.
    public let codes: [[Int?]]

    public init(_ labels: [[Label?]], categories: [Label]) throws {
        guard !categories.isEmpty else { throw AgreementError.invalidCategories("it is empty") }
        var index: [Label: Int] = [:]
        for (i, c) in categories.enumerated() {
            guard index[c] == nil else { throw AgreementError.invalidCategories("\(c) appears twice") }
            index[c] = i
        }
        let width = labels.first?.count ?? 0
        var codes: [[Int?]] = []
        for (r, row) in labels.enumerated() {
            guard row.count == width else {
                throw AgreementError.raggedMatrix(rater: r, expected: width, found: row.count)
            }
            codes.append(
                try row.enumerated().map { i, v in
                    guard let v else { return nil }
                    guard let c = index[v] else {
                        throw AgreementError.unknownCategory(label: "\(v)", rater: r, item: i)
                    }
                    return c
                })
        }
        self.categories = categories
        self.codes = codes
    }

    public var raterCount: Int { codes.count }
    public var itemCount: Int { codes.first?.count ?? 0 }

    /// Per item, the count of ratings in each category. (items, categories)
    func countsPerItem() -> [[Int]] {
        (0..<itemCount).map { i in
            var counts = [Int](repeating: 0, count: categories.count)
            for row in codes { if let c = row[i] { counts[c] += 1 } }
            return counts
        }
    }

    /// The codes as a numeric matrix (category index as the value).
    public var indexMatrix: RatingMatrix {
        RatingMatrix(unchecked: codes.map { $0.map { $0.map(Double.init) } })
    }
}
