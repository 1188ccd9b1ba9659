// RubricNode+XML: turns XML bytes (via Foundation's XMLParser) into a RubricNode tree.
// Mapping: the root element is <rubric>; an element with child elements or attributes is a
// mapping (attributes are entries too); <criteria> and <levels> are lists whose items are
// <criterion> and <level>; any other element is a text scalar. Lines come from the parser.
// Not an XML writer and not a general XML model.
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension RubricNode {
    /// List elements and the element name of their items.
    static let xmlListItems: [String: String] = ["criteria": "criterion", "levels": "level"]

    /// Parses XML bytes; throws `RubricError` (`.syntax`, `.unknownKey`, `.duplicateKey`).
    static func parseXML(_ data: Data, file: String) throws -> RubricNode {
        // Foundation's XMLParser traps on element names that are not UTF-8, so only UTF-8
        // documents reach it.
        guard let text = String(data: data, encoding: .utf8) else {
            throw RubricError(
                kind: .syntax, file: file, line: invalidUTF8Line(data), path: "",
                problem: "XML: the file is not valid UTF-8 text", fix: "save the file as UTF-8")
        }
        if let declaration = text.range(of: "?>").map({ text[..<$0.upperBound] }), declaration.hasPrefix("<?xml"),
            let encoding = declaration.range(of: "encoding", options: .caseInsensitive),
            !declaration[encoding.upperBound...].lowercased().contains("utf-8")
        {
            throw RubricError(
                kind: .syntax, file: file, line: 1, path: "",
                problem: "XML: the declaration names an encoding other than UTF-8",
                fix: "save the file as UTF-8 and write `<?xml version=\"1.0\" encoding=\"UTF-8\"?>`")
        }
        if let line = doctypeLine(text) {
            throw RubricError(
                kind: .syntax, file: file, line: line, path: "",
                problem:
                    "XML: the file has a <!DOCTYPE …> declaration; rubrics do not take DTDs or entity declarations",
                fix:
                    "remove the <!DOCTYPE …> and write the text out in full (&amp; &lt; &gt; &quot; &apos; and &#NN; still work)"
            )
        }
        let builder = XMLTreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if !ok || builder.failure != nil {
            let underlying = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "malformed XML"
            let line = builder.failureLine ?? parser.lineNumber
            throw RubricError(
                kind: .syntax, file: file, line: line > 0 ? line : nil, path: "",
                problem: "XML: \(builder.failure ?? underlying)",
                fix: "fix the XML near that line (an unclosed or mismatched tag, an unescaped `&` or `<`)")
        }
        guard let root = builder.root else {
            throw RubricError(
                kind: .syntax, file: file, path: "", problem: "XML: the document has no root element",
                fix: "wrap the rubric in <rubric>…</rubric>")
        }
        guard root.name == "rubric" else {
            throw RubricError(
                kind: .unknownKey, file: file, line: root.line, path: "",
                problem: "the root element is <\(root.name)>", fix: "name the root element <rubric>")
        }
        return try convert(root, file: file, path: "")
    }

    /// The line of a `<!DOCTYPE` in the prolog (before the root element), or nil. A DTD is the
    /// only place entities are declared, and Foundation's parser on Linux drops the text of
    /// internal entities silently, so a document with one is refused rather than misread.
    static func doctypeLine(_ text: String) -> Int? {
        var rest = Substring(text)
        if rest.hasPrefix("\u{FEFF}") { rest = rest.dropFirst() }
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            if rest.hasPrefix("<?"), let end = rest.range(of: "?>") {
                rest = rest[end.upperBound...]
            } else if rest.hasPrefix("<!--"), let end = rest.range(of: "-->") {
                rest = rest[end.upperBound...]
            } else if rest.hasPrefix("<!") && rest.dropFirst(2).prefix(7).uppercased() == "DOCTYPE" {
                return text[..<rest.startIndex].reduce(1) { $1.isNewline ? $0 + 1 : $0 }
            } else {
                return nil
            }
        }
    }

    private static func convert(_ element: XMLElementNode, file: String, path: String) throws -> RubricNode {
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let itemName = xmlListItems[element.name] {
            var items: [RubricNode] = []
            for (index, child) in element.children.enumerated() {
                let itemPath = "\(path)[\(index)]"
                guard child.name == itemName else {
                    throw RubricError(
                        kind: .unknownKey, file: file, line: child.line, path: itemPath,
                        problem: "<\(element.name)> holds a <\(child.name)> element",
                        fix: "put each item in a <\(itemName)> element")
                }
                items.append(try convert(child, file: file, path: itemPath))
            }
            guard text.isEmpty, element.attributes.isEmpty else {
                throw RubricError(
                    kind: .wrongType, file: file, line: element.line, path: path,
                    problem: "<\(element.name)> is a list but holds text or attributes",
                    fix: "put only <\(itemName)> elements inside <\(element.name)>")
            }
            return RubricNode(value: .list(items), line: element.line)
        }
        if element.children.isEmpty && element.attributes.isEmpty {
            return RubricNode(value: .scalar(element.text, .text), line: element.line)
        }
        guard text.isEmpty else {
            throw RubricError(
                kind: .wrongType, file: file, line: element.line, path: path,
                problem: "<\(element.name)> mixes text with child elements or attributes",
                fix: "move the text into its own child element")
        }
        var entries: [(key: String, node: RubricNode)] = []
        for (key, value) in element.attributes.sorted(by: { $0.key < $1.key }) {
            entries.append((key, RubricNode(value: .scalar(value, .text), line: element.line)))
        }
        for child in element.children {
            let childPath = path.isEmpty ? child.name : "\(path).\(child.name)"
            if entries.contains(where: { $0.key == child.name }) {
                throw RubricError(
                    kind: .duplicateKey, file: file, line: child.line, path: childPath,
                    problem: "<\(child.name)> appears twice in <\(element.name)>",
                    fix: "keep one <\(child.name)> element (lists go in <criteria> or <levels>)")
            }
            entries.append((child.name, try convert(child, file: file, path: childPath)))
        }
        return RubricNode(value: .map(entries), line: element.line)
    }
}

/// A parsed XML element (name, attributes, text, children, line).
final class XMLElementNode {
    let name: String
    let attributes: [String: String]
    let line: Int?
    var text = ""
    var children: [XMLElementNode] = []

    init(name: String, attributes: [String: String], line: Int?) {
        self.name = name
        self.attributes = attributes
        self.line = line
    }
}

/// XMLParser delegate that builds an `XMLElementNode` tree.
final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private(set) var root: XMLElementNode?
    private var stack: [XMLElementNode] = []
    private(set) var failure: String?
    private(set) var failureLine: Int?
    /// Deeper documents are rejected rather than recursed into.
    private let maximumDepth = 64

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let element = XMLElementNode(name: elementName, attributes: attributeDict, line: parser.lineNumber)
        if stack.count >= maximumDepth {
            fail("elements nest deeper than \(maximumDepth) levels", parser)
            return
        }
        if let parent = stack.last {
            parent.children.append(element)
        } else if root == nil {
            root = element
        } else {
            fail("more than one root element", parser)
            return
        }
        stack.append(element)
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?
    ) {
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        if let string = String(data: CDATABlock, encoding: .utf8) {
            stack.last?.text += string
        } else {
            fail("a CDATA block is not UTF-8", parser)
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if failure == nil {
            failure = (parseError as NSError).localizedDescription
            failureLine = parser.lineNumber
        }
    }

    private func fail(_ message: String, _ parser: XMLParser) {
        if failure == nil {
            failure = message
            failureLine = parser.lineNumber
        }
        parser.abortParsing()
    }
}
