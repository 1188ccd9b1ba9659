// JinjaAST: the syntax tree of a parsed template (statements and expressions), each node with its
// source position for error messages. Not here: parsing (JinjaParser) or evaluation (JinjaInterpreter).

/// An expression with its position.
struct JinjaExpr: Sendable {
    indirect enum Kind: Sendable {
        case literal(JinjaRuntimeLiteral)
        case name(String)
        case list([JinjaExpr])
        case tuple([JinjaExpr])
        case dict([(JinjaExpr, JinjaExpr)])
        case attribute(JinjaExpr, String)
        case subscriptAccess(JinjaExpr, JinjaExpr)
        case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
        case call(JinjaExpr, args: [JinjaExpr], kwargs: [(String, JinjaExpr)])
        case filter(JinjaExpr, name: String, args: [JinjaExpr], kwargs: [(String, JinjaExpr)])
        case test(JinjaExpr, name: String, args: [JinjaExpr], negated: Bool)
        case unary(String, JinjaExpr)
        case binary(String, JinjaExpr, JinjaExpr)
        case compare(JinjaExpr, [(String, JinjaExpr)])
        case and(JinjaExpr, JinjaExpr)
        case or(JinjaExpr, JinjaExpr)
        case not(JinjaExpr)
        case conditional(then: JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
    }

    var kind: Kind
    var position: JinjaPosition
    /// Height of this expression tree (a leaf is 1); the parser caps it so that evaluating or
    /// freeing a tree never recurses deeply.
    private(set) var depth: Int

    init(kind: Kind, position: JinjaPosition) {
        self.kind = kind
        self.position = position
        var children: [JinjaExpr] = []
        switch kind {
        case .literal, .name: break
        case .list(let items), .tuple(let items): children = items
        case .dict(let pairs): children = pairs.flatMap { [$0.0, $0.1] }
        case .attribute(let e, _), .unary(_, let e), .not(let e): children = [e]
        case .subscriptAccess(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            children = [a, b]
        case .slice(let e, let a, let b, let c): children = [e] + [a, b, c].compactMap { $0 }
        case .call(let e, let args, let kwargs), .filter(let e, _, let args, let kwargs):
            children = [e] + args + kwargs.map(\.1)
        case .test(let e, _, let args, _): children = [e] + args
        case .compare(let e, let rest): children = [e] + rest.map(\.1)
        case .conditional(let a, let b, let c): children = [a, b] + (c.map { [$0] } ?? [])
        }
        depth = 1 + (children.map(\.depth).max() ?? 0)
    }
}

/// A literal constant in the source.
enum JinjaRuntimeLiteral: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
}

/// The left side of `{% set %}`.
enum JinjaSetTarget: Sendable {
    case name(String)
    case names([String])
    case attribute(String, String)
}

/// A statement (or text) with its position.
struct JinjaNode: Sendable {
    indirect enum Kind: Sendable {
        case text(String)
        case output(JinjaExpr)
        case ifBlock(branches: [(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
        case forLoop(
            targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode])
        case set(JinjaSetTarget, JinjaExpr)
        case setBlock(String, [JinjaNode])
        case macro(name: String, parameters: [(String, JinjaExpr?)], body: [JinjaNode])
        case breakLoop
        case continueLoop
        case scope([JinjaNode])
    }

    var kind: Kind
    var position: JinjaPosition
}
