// LocalChatBackend+Stream: streaming chat completions from the in-process model. Each new token
// is decoded with the ones before it and the text that can no longer change is sent as a delta:
// held back are a trailing partial UTF-8 character (U+FFFD while its bytes arrive), a whole stop
// string and what follows it, and any tail that could still become one, so the deltas never
// contain text the final response cuts. The token completing a stop string is reported (its
// log-probability) as it is in the response's tokens. The last delta carries what remains of the final text; then the whole response. A
// dropped stream (client gone) stops generation at the next token.
import ArbiterModels
import Foundation

extension LocalChatBackend {
    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let stop = StopFlag()
        return AsyncThrowingStream { continuation in
            continuation.onTermination = { _ in stop.set() }
            queue.async {
                var text = StreamedText(tokenizer: self.model.tokenizer, stops: request.stop)
                do {
                    let response = try self.run(request) { id, record in
                        guard !stop.isSet else { return false }
                        let delta = text.append(id)
                        let tokens = record.map { self.tokenLogprobs([$0]) } ?? []
                        if !delta.isEmpty || !tokens.isEmpty { continuation.yield(.delta(delta, tokens: tokens)) }
                        return true
                    }
                    let rest = text.remainder(of: response.text)
                    if !rest.isEmpty { continuation.yield(.delta(rest, tokens: [])) }
                    continuation.yield(.finished(response))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }
}

/// The text decoded so far and how much of it was sent.
struct StreamedText {
    let tokenizer: any Tokenizer
    let stops: [[Unicode.Scalar]]
    private var ids: [Int] = []
    /// Unicode scalars already sent.
    private(set) var sent = 0

    init(tokenizer: any Tokenizer, stops: [String]) {
        self.tokenizer = tokenizer
        self.stops = stops.map { Array($0.unicodeScalars) }
    }

    /// Adds a token; returns the newly settled text.
    mutating func append(_ id: Int) -> String {
        ids.append(id)
        let scalars = Array(tokenizer.decode(ids).unicodeScalars)
        var end = Self.firstStop(in: scalars, stops: stops) ?? scalars.count
        while end > sent, scalars[end - 1] == "\u{FFFD}" { end -= 1 }
        end -= Self.pendingStopPrefix(scalars[..<end], stops: stops)
        guard end > sent else { return "" }
        defer { sent = end }
        return String(String.UnicodeScalarView(scalars[sent..<end]))
    }

    /// What of the final `text` was not sent yet.
    func remainder(of text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > sent else { return "" }
        return String(String.UnicodeScalarView(scalars[sent...]))
    }

    /// Where the earliest whole stop string starts in `text`, if one occurs.
    static func firstStop(in text: [Unicode.Scalar], stops: [[Unicode.Scalar]]) -> Int? {
        var first: Int?
        for stop in stops where !stop.isEmpty && stop.count <= text.count {
            for start in 0...(text.count - stop.count) where start < (first ?? .max) {
                if text[start..<(start + stop.count)].elementsEqual(stop) {
                    first = start
                    break
                }
            }
        }
        return first
    }

    /// Length of the longest tail of `text` that is a proper prefix of a stop string.
    static func pendingStopPrefix(_ text: ArraySlice<Unicode.Scalar>, stops: [[Unicode.Scalar]]) -> Int {
        var longest = 0
        for stop in stops where stop.count > 1 {
            for length in stride(from: min(stop.count - 1, text.count), to: longest, by: -1)
            where text.suffix(length).elementsEqual(stop.prefix(length)) {
                longest = length
                break
            }
        }
        return longest
    }
}

/// Set once from any thread (the stream's termination), read by the generation loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
