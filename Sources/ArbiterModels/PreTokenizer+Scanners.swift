// PreTokenizer+Scanners: the hand-written matchers behind `PreTokenizerStep`. Each `match…(at:)`
// returns the end of the regex match that starts at `i` (leftmost alternative wins, greedy runs,
// with the backtracking of `\s+(?!\S)` and `\s*[\r\n]+` worked out by hand). The classes are
// documented in PreTokenizer.swift. Every scalar matches some alternative, so scans always advance.

/// The character class of a scalar, as the pre-tokenizer regexes see it.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    init(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if value < 0x80 {  // ASCII fast path
            switch value {
            case 0x41...0x5A, 0x61...0x7A: self = .letter
            case 0x30...0x39: self = .number
            case 0x09...0x0D, 0x20: self = .whitespace
            default: self = .other
            }
            return
        }
        let properties = scalar.properties
        if properties.isWhitespace {
            self = .whitespace
            return
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
        case .decimalNumber, .letterNumber, .otherNumber: self = .number
        default: self = .other
        }
    }
}

struct PreTokenizerScanner {
    let scalars: [Unicode.Scalar]
    /// `classes[i - base]` is the class of `scalars[i]`.
    let classes: [ScalarClass]
    let base: Int

    init(scalars: [Unicode.Scalar], range: Range<Int>) {
        self.scalars = scalars
        self.base = range.lowerBound
        self.classes = scalars[range].map(ScalarClass.init)
    }

    @inline(__always) func cls(_ i: Int) -> ScalarClass { classes[i - base] }

    func split(_ piece: Range<Int>, by step: PreTokenizerStep, into out: inout [Range<Int>]) {
        switch step {
        case .isolateDigits(let individually):
            var i = piece.lowerBound
            while i < piece.upperBound {
                var end = i + 1
                if cls(i) == .number {
                    if !individually { while end < piece.upperBound, cls(end) == .number { end += 1 } }
                } else {
                    while end < piece.upperBound, cls(end) != .number { end += 1 }
                }
                out.append(i..<end)
                i = end
            }
        case .gpt2, .llama3, .qwen2:
            var i = piece.lowerBound
            while i < piece.upperBound {
                let end: Int
                switch step {
                case .gpt2: end = matchGPT2(at: i, end: piece.upperBound)
                case .llama3: end = matchLlama3(at: i, end: piece.upperBound, maxDigits: 3)
                default: end = matchLlama3(at: i, end: piece.upperBound, maxDigits: 1)
                }
                out.append(i..<end)
                i = max(end, i + 1)
            }
        }
    }

    /// End of the run of `kind` starting at `i`.
    @inline(__always) func run(_ kind: ScalarClass, from i: Int, end: Int, limit: Int = .max) -> Int {
        var j = i
        while j < end, j - i < limit, cls(j) == kind { j += 1 }
        return j
    }

    /// Length of `'s|'t|'re|'ve|'m|'ll|'d` at `i` (a `'` there), or nil.
    func contraction(at i: Int, end: Int, caseInsensitive: Bool) -> Int? {
        func letter(_ k: Int) -> UInt32? {
            guard k < end else { return nil }
            var v = scalars[k].value
            if caseInsensitive, (0x41...0x5A).contains(v) { v += 0x20 }
            return v
        }
        guard let a = letter(i + 1) else { return nil }
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72, 0x76: return letter(i + 2) == 0x65 ? 3 : nil  // re ve
        case 0x6C: return letter(i + 2) == 0x6C ? 3 : nil  // ll
        default: return nil
        }
    }

    /// The whitespace tail shared by all patterns: `\s+(?!\S)|\s+` from `i` (a whitespace scalar).
    func matchTrailingWhitespace(at i: Int, runEnd: Int, end: Int) -> Int {
        if runEnd == end { return runEnd }  // the run reaches the end: (?!\S) holds for all of it
        if runEnd - i >= 2 { return runEnd - 1 }  // leave the last space to lead the next word
        return i + 1  // a single whitespace before \S: only `\s+` matches
    }

    func matchGPT2(at i: Int, end: Int) -> Int {
        let c = scalars[i]
        if c == "'", let n = contraction(at: i, end: end, caseInsensitive: false) { return i + n }
        // ` ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+`: an optional U+0020 leads a run of one class.
        var j = i
        if c == " ", i + 1 < end, cls(i + 1) != .whitespace { j = i + 1 }
        let kind = cls(j)
        if kind != .whitespace { return run(kind, from: j, end: end) }
        let runEnd = run(.whitespace, from: i, end: end)
        return matchTrailingWhitespace(at: i, runEnd: runEnd, end: end)
    }

    func matchLlama3(at i: Int, end: Int, maxDigits: Int) -> Int {
        let c = scalars[i]
        let kind = cls(i)
        if c == "'", let n = contraction(at: i, end: end, caseInsensitive: true) { return i + n }
        // `[^\r\n\p{L}\p{N}]?\p{L}+`
        if kind == .letter { return run(.letter, from: i, end: end) }
        if kind != .number, c != "\r", c != "\n", i + 1 < end, cls(i + 1) == .letter {
            return run(.letter, from: i + 1, end: end)
        }
        // `\p{N}{1,k}`
        if kind == .number { return run(.number, from: i, end: end, limit: maxDigits) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var j = i
        if c == " ", i + 1 < end, cls(i + 1) == .other { j = i + 1 }
        if cls(j) == .other {
            var k = run(.other, from: j, end: end)
            while k < end, scalars[k] == "\r" || scalars[k] == "\n" { k += 1 }
            return k
        }
        // whitespace: `\s*[\r\n]+` ends after the last \r or \n of the run, if any.
        let runEnd = run(.whitespace, from: i, end: end)
        var k = runEnd - 1
        while k >= i {
            if scalars[k] == "\r" || scalars[k] == "\n" { return k + 1 }
            k -= 1
        }
        return matchTrailingWhitespace(at: i, runEnd: runEnd, end: end)
    }
}
