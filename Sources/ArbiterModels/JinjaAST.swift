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
}

/// A literal constant in the source.
enum JinjaRuntimeLiteral: Sendable {
    case none, bool(Bool), int(Int), double(Double), string(String)
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
        case forLoop(targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode])
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
