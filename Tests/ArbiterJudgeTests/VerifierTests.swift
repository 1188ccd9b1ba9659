// VerifierTests: exact, numeric, regex, format and JSON-schema verifiers, and their Judgments.
import ArbiterCore
import ArbiterJudge
import Foundation
import Testing

@Test func exactMatchNormalisation() throws {
    let strict = ExactMatchVerifier(normalization: [])
    let loose = ExactMatchVerifier(normalization: .all)
    #expect(try strict.check("Paris", reference: "Paris").get().score == 1)
    #expect(try strict.check(" Paris", reference: "Paris").get().score == 0)
    #expect(try ExactMatchVerifier().check(" Paris\n", reference: "Paris").get().score == 1)
    #expect(try loose.check("  the  CAPITAL\tis\nParis ", reference: "The capital is paris").get().score == 1)
    #expect(try ExactMatchVerifier(normalization: [.caseFold]).check("STRASSE", reference: "strasse").get().score == 1)
    #expect(try loose.check("Paris", reference: "London").get().score == 0)
    #expect(
        strict.check("x", reference: nil) == .failure(.invalidSample(message: "exact match needs a reference answer")))
    #expect(TextNormalization.collapseWhitespace.apply(" a  b ") == " a b ")
}

struct NumberCase: Sendable, CustomTestStringConvertible {
    let text: String
    let value: Double?
    var testDescription: String { text }
}

@Test(arguments: [
    NumberCase(text: "The answer is 42.", value: 42),
    NumberCase(text: "1,234.5 dollars", value: 1234.5),
    NumberCase(text: "It is -3e2", value: -300),
    NumberCase(text: "so x = 3/4", value: 0.75),
    NumberCase(text: "first 7 then 8", value: 8),
    NumberCase(text: "#### 18", value: 18),
    NumberCase(text: "about .5 of it", value: 0.5),
    NumberCase(text: "+2.5E-1", value: 0.25),
    NumberCase(text: "no digits here", value: nil),
    NumberCase(text: "1/0 then nothing", value: nil),
    NumberCase(text: "2 then 1/0", value: 2),
    NumberCase(text: "", value: nil),
])
func lastNumberExtraction(_ c: NumberCase) {
    #expect(NumericMatchVerifier.lastNumber(in: c.text) == c.value)
}

@Test func numericTolerances() throws {
    let exact = try NumericMatchVerifier()
    #expect(try exact.check("Total: 1,234.5", reference: "1234.5").get().score == 1)
    #expect(try exact.check("Total: 1234.6", reference: "1234.5").get().score == 0)
    let abs = try NumericMatchVerifier(absoluteTolerance: 0.01)
    #expect(try abs.check("0.333", reference: "1/3").get().score == 1)
    #expect(try abs.check("0.32", reference: "1/3").get().score == 0)
    let rel = try NumericMatchVerifier(absoluteTolerance: 0, relativeTolerance: 0.01)
    #expect(try rel.check("-3e2", reference: "-301").get().score == 1)
    #expect(try rel.check("-3e2", reference: "-310").get().score == 0)
    #expect(try exact.check("none", reference: "4").get().score == 0)
    #expect(throws: VerifierError.self) { try NumericMatchVerifier(absoluteTolerance: -1) }
    if case .failure(.invalidSample) = exact.check("4", reference: "four") {
    } else {
        Issue.record("reference without a number must fail")
    }
}

@Test func regexMatch() throws {
    let contains = try RegexMatchVerifier(pattern: #"\bParis\b"#)
    #expect(contains.check("It is Paris.").score == 1)
    #expect(contains.check("Parisian").score == 0)
    let whole = try RegexMatchVerifier(pattern: #"\[RESULT\] \d"#, wholeMatch: true)
    #expect(whole.check("[RESULT] 4").score == 1)
    #expect(whole.check("x [RESULT] 4").score == 0)
    #expect(try RegexMatchVerifier(pattern: "yes", caseInsensitive: true).check("YES").score == 1)
    #expect(throws: VerifierError.self) { try RegexMatchVerifier(pattern: "(unclosed") }
}

@Test func formatRules() throws {
    let v = try FormatVerifier(rules: [.json, .maxLength(40), .nonEmpty])
    #expect(v.check(#"{"a": 1}"#).score == 1)
    #expect(v.check("```json\n{\"a\": [1, 2]}\n```").score == 1)
    let bad = v.check("not json at all, and much longer than forty characters")
    #expect(bad.score == 0)
    #expect(bad.reason.contains("not valid JSON") && bad.reason.contains("> max 40"))
    let result = try FormatVerifier(rules: [.pattern(#"^\[RESULT\] \d$"#)])
    #expect(result.check("[RESULT] 3").score == 1)
    #expect(result.check("[RESULT] 10").score == 0)
    #expect(try FormatVerifier(rules: [.minLength(3)]).check("ab").score == 0)
    #expect(throws: VerifierError.self) { try FormatVerifier(rules: []) }
    #expect(throws: VerifierError.self) { try FormatVerifier(rules: [.maxLength(-1)]) }
}

let personSchema = """
    {"type": "object", "required": ["name", "age", "tags"], "additionalProperties": false,
     "properties": {
       "name": {"type": "string", "minLength": 1, "maxLength": 10},
       "age": {"type": "integer", "minimum": 0, "maximum": 150},
       "tags": {"type": "array", "items": {"type": "object", "required": ["k"],
                "properties": {"k": {"enum": ["a", "b"]}}}},
       "score": {"type": ["number", "null"]}
     }}
    """

@Test func jsonSchemaAcceptsValid() throws {
    let v = JSONSchemaVerifier(schema: try JSONSchema(json: personSchema))
    #expect(v.check(#"{"name": "Ann", "age": 30, "tags": [{"k": "a"}], "score": 0.5}"#).score == 1)
    #expect(v.check(#"{"name": "Ann", "age": 30, "tags": [], "score": null}"#).score == 1)
}

@Test func jsonSchemaReportsPaths() throws {
    let schema = try JSONSchema(json: personSchema)
    let errors = schema.validate(
        try #require(
            JSONValue.parse(
                #"{"name": "", "age": 30.5, "tags": [{"k": "a"}, {"k": "z"}, {}], "extra": true, "score": "high"}"#)))
    #expect(errors.contains("$.name: length 0 < minLength 1"))
    #expect(errors.contains("$.age: expected integer, got number"))
    #expect(errors.contains("$.tags[1].k: value is not one of the 2 allowed values"))
    #expect(errors.contains(#"$.tags[2]: missing required property "k""#))
    #expect(errors.contains(#"$: additional property "extra" is not allowed"#))
    #expect(errors.contains("$.score: expected number or null, got string"))
    #expect(errors.count == 6)
    #expect(
        schema.validate(.object(["name": .string("x"), "age": .number(200), "tags": .array([])])) == [
            "$.age: 200.0 > maximum 150.0"
        ])
    #expect(schema.validate(.array([])) == ["$: expected object, got array"])
    let v = JSONSchemaVerifier(schema: schema)
    #expect(v.check("{broken").reason == "not valid JSON")
}

@Test func jsonSchemaRejectsUnsupportedOrBadSchemas() {
    #expect(
        throws: VerifierError.invalidSchema(
            path: "$.properties.a.pattern",
            reason: #"keyword "pattern" is not supported; remove it or check it another way"#)
    ) {
        try JSONSchema(json: #"{"properties": {"a": {"pattern": "x"}}}"#)
    }
    #expect(throws: VerifierError.self) { try JSONSchema(json: #"{"type": "decimal"}"#) }
    #expect(throws: VerifierError.self) { try JSONSchema(json: #"{"minLength": -2}"#) }
    #expect(throws: VerifierError.self) { try JSONSchema(json: "[1]") }
    #expect(throws: VerifierError.self) { try JSONSchema(json: "{") }
    #expect(throws: VerifierError.self) { try JSONSchema(json: #"{"additionalProperties": {"type": "string"}}"#) }
}

@Test func verifierJudgments() async throws {
    let samples = [
        JudgeSample(id: "a", prompt: "capital?", response: "Paris", reference: "paris"),
        JudgeSample(id: "b", prompt: "capital?", response: "Lyon", reference: "paris"),
        JudgeSample(id: "c", prompt: "capital?", response: "Paris"),
    ]
    let judgments = await ExactMatchVerifier(normalization: .all).judge(samples)
    #expect(judgments.map(\.score) == [1, 0, nil])
    #expect(judgments[2].failure == .invalidSample(message: "exact match needs a reference answer"))
    #expect(judgments.allSatisfy { $0.model == "verifier:exact_match" && $0.criterion == "exact_match" })
    #expect(judgments[1].rationale?.contains("differs") == true)
}
