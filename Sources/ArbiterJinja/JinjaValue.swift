// JinjaValue: the data a chat template sees (messages, tools, extra variables), as a JSON-like
// value with Jinja's `undefined`. A ChatMessage (ArbiterCore) becomes `{"role", "content"}`. Dictionaries keep insertion order (it shows in `tojson`).
// This is the public data model only; the interpreter's richer runtime values (namespaces, macros,
// bound methods) live in JinjaRuntimeValue.swift.
import ArbiterCore
import Foundation

/// A value passed into a chat template.
public enum JinjaValue: Sendable, Equatable {
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    case dictionary(JinjaDictionary)

    /// Converts the output of `JSONSerialization` (NSNumber booleans become `.bool`; `NSNull` is `.none`).
    /// Dictionary keys are sorted because Foundation dictionaries carry no order.
    public init(json: Any) {
        switch json {
        case is NSNull:
            self = .none
        case let s as String:
            self = .string(s)
        case let n as NSNumber:
            let type = String(cString: n.objCType)
            if type == "c" || type == "B" {
                self = .bool(n.boolValue)
            } else if type == "d" || type == "f" {
                self = .double(n.doubleValue)
            } else {
                self = .int(n.intValue)
            }
        case let a as [Any]:
            self = .array(a.map(JinjaValue.init(json:)))
        case let d as [String: Any]:
            var dict = JinjaDictionary()
            for key in d.keys.sorted() { dict[key] = JinjaValue(json: d[key] ?? NSNull()) }
            self = .dictionary(dict)
        default:
            self = .string(String(describing: json))
        }
    }
}

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .none }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) {
        self = .dictionary(JinjaDictionary(elements))
    }
}

/// A string-keyed dictionary that remembers insertion order, like a Python `dict`.
public struct JinjaDictionary: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// Keys in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JinjaValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, JinjaValue)...) {
        self.init(elements)
    }

    public var count: Int { keys.count }

    /// Setting `nil` removes the key.
    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Key-value pairs in insertion order.
    public var pairs: [(key: String, value: JinjaValue)] {
        keys.compactMap { key in storage[key].map { (key: key, value: $0) } }
    }

    public static func == (lhs: JinjaDictionary, rhs: JinjaDictionary) -> Bool {
        lhs.storage == rhs.storage
    }
}

extension JinjaValue {
    /// A message as the dictionary a template sees: `role`, then `content`.
    init(_ message: ChatMessage) {
        self = .dictionary(["role": .string(message.role.rawValue), "content": .string(message.content)])
    }
}
