// ScriptedBackend: a ChatBackend test double. It answers from a script of steps (canned text,
// thrown error, long delay), records every request, and tracks the peak number of calls in flight.
import ArbiterChat
import ArbiterJudge
import Foundation

struct ScriptedError: LocalizedError {
    let message: String
    var errorDescription: String? { message }
}

final class ScriptedBackend: ChatBackend, @unchecked Sendable {
    enum Step: Sendable {
        case text(String)
        case tokens(String, [TokenLogprobs])
        case fail(String)
        /// Waits this long ignoring cancellation (like a hung socket), then answers.
        case stall(seconds: Double, then: String)
        /// Sleeps this long cooperatively, then answers.
        case delay(seconds: Double, then: String)
    }

    private let lock = NSLock()
    private var steps: [Step]
    private let fallback: Step?
    private var inFlight = 0
    private(set) var peakInFlight = 0
    private(set) var requests: [ChatRequest] = []

    /// Steps are consumed in call order; `repeating` answers once the script runs out.
    init(_ steps: [Step], repeating fallback: Step? = nil) {
        self.steps = steps
        self.fallback = fallback
    }

    var callCount: Int { lock.withLock { requests.count } }
    var peak: Int { lock.withLock { peakInFlight } }
    var recorded: [ChatRequest] { lock.withLock { requests } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let step: Step? = lock.withLock {
            requests.append(request)
            inFlight += 1
            peakInFlight = max(peakInFlight, inFlight)
            return steps.isEmpty ? fallback : steps.removeFirst()
        }
        defer { lock.withLock { inFlight -= 1 } }
        switch step {
        case .text(let t)?:
            return ChatResponse(text: t, model: "scripted")
        case .tokens(let t, let tokens)?:
            return ChatResponse(text: t, tokens: tokens, model: "scripted")
        case .fail(let message)?:
            throw ScriptedError(message: message)
        case .stall(let seconds, let t)?:
            await uncancellableWait(seconds)
            return ChatResponse(text: t, model: "scripted")
        case .delay(let seconds, let t)?:
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return ChatResponse(text: t, model: "scripted")
        case nil:
            throw ScriptedError(message: "script exhausted")
        }
    }
}

/// Suspends for `seconds` without reacting to task cancellation (and without blocking a thread).
func uncancellableWait(_ seconds: Double) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
    }
}
