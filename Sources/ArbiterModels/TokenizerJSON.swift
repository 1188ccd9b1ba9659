// TokenizerJSON: typed, path-tracking access to a Hugging Face tokenizer.json (parsed with
// JSONSerialization). Every accessor names the file and the key path (`model.merges[17]`) in its
// error. This is only the reader; what the keys mean is decided in BPETokenizer+TokenizerJSON.swift
// and WordPieceTokenizer+TokenizerJSON.swift.
import ArbiterCore
import Foundation

/// A JSON object inside a tokenizer file, with the path that led to it.
struct TokenizerJSONObject {
    let source: String
    let path: String
    let values: [String: Any]

    /// Reads and parses `url`; the top level must be an object.
    static func load(_ url: URL) throws -> TokenizerJSONObject {
        let data: Data
        do {
            data = try RegularFile.read(url)
        } catch {
            throw TokenizerError.unreadable(source: url.path, reason: error.localizedDescription)
        }
        return try parse(data, source: url.path)
    }

    static func parse(_ data: Data, source: String) throws -> TokenizerJSONObject {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw TokenizerError.invalidJSON(source: source, reason: error.localizedDescription)
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.invalidJSON(source: source, reason: "the top level is not an object")
        }
        return TokenizerJSONObject(source: source, path: "", values: object)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value, `nil` when absent or JSON `null`.
    func value(_ key: String) -> Any? {
        guard let value = values[key], !(value is NSNull) else { return nil }
        return value
    }

    func require(_ key: String) throws -> Any {
        guard let value = value(key) else { throw TokenizerError.missingKey(source: source, keyPath: keyPath(key)) }
        return value
    }

    func wrongType(_ key: String, _ expected: String) -> TokenizerError {
        .wrongType(source: source, keyPath: keyPath(key), expected: expected)
    }

    func object(_ key: String) throws -> TokenizerJSONObject {
        guard let object = try optionalObject(key) else {
            throw TokenizerError.missingKey(source: source, keyPath: keyPath(key))
        }
        return object
    }

    func optionalObject(_ key: String) throws -> TokenizerJSONObject? {
        guard let value = value(key) else { return nil }
        guard let dictionary = value as? [String: Any] else { throw wrongType(key, "an object") }
        return TokenizerJSONObject(source: source, path: keyPath(key), values: dictionary)
    }

    func string(_ key: String) throws -> String {
        guard let string = try require(key) as? String else { throw wrongType(key, "a string") }
        return string
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value as? String else { throw wrongType(key, "a string") }
        return string
    }

    func int(_ key: String) throws -> Int {
        guard let int = try optionalInt(key) else {
            throw TokenizerError.missingKey(source: source, keyPath: keyPath(key))
        }
        return int
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = Self.integer(value) else { throw wrongType(key, "an integer") }
        return int
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value as? Bool else { throw wrongType(key, "true or false") }
        return bool
    }

    func array(_ key: String) throws -> [Any] {
        guard let array = try require(key) as? [Any] else { throw wrongType(key, "an array") }
        return array
    }

    /// Elements of an array of objects, each with its indexed path.
    func objects(_ key: String) throws -> [TokenizerJSONObject] {
        try array(key).enumerated().map { index, element in
            guard let dictionary = element as? [String: Any] else {
                throw TokenizerError.wrongType(
                    source: source, keyPath: "\(keyPath(key))[\(index)]", expected: "an object")
            }
            return TokenizerJSONObject(source: source, path: "\(keyPath(key))[\(index)]", values: dictionary)
        }
    }

    /// A `{"token": id}` map (model.vocab) with ids checked to be non-negative integers below 2^31.
    func vocabulary(_ key: String) throws -> [String: Int] {
        guard let map = try require(key) as? [String: Any] else { throw wrongType(key, "an object of token → id") }
        var out: [String: Int] = [:]
        out.reserveCapacity(map.count)
        for (token, raw) in map {
            guard let id = Self.integer(raw), id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.wrongType(
                    source: source, keyPath: "\(keyPath(key))[\(String(reflecting: token))]",
                    expected: "a non-negative integer id below 2^31")
            }
            out[token] = id
        }
        return out
    }

    /// An integral JSON number, or nil.
    static func integer(_ value: Any) -> Int? {
        if let int = value as? Int { return int }
        if let number = value as? NSNumber {
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
            return Int(double)
        }
        return nil
    }

    /// tokenizer.json `added_tokens`: (content, id, special) triples.
    func addedTokens() throws -> [(content: String, id: Int, special: Bool)] {
        guard value("added_tokens") != nil else { return [] }
        return try objects("added_tokens").map { token in
            let id = try token.int("id")
            guard id >= 0, id < Int(Int32.max) else {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: token.keyPath("id"), reason: "id \(id) out of range")
            }
            let content = try token.string("content")
            guard !content.isEmpty else {
                throw TokenizerError.invalidValue(
                    source: source, keyPath: token.keyPath("content"), reason: "empty token")
            }
            return (content, id, try token.optionalBool("special") ?? false)
        }
    }
}
