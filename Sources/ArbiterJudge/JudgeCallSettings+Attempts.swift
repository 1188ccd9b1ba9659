// JudgeCallSettings+Attempts: the one re-ask loop of the LLM judges and the per-call timeout.
// `ask` sends the conversation, hands each answer to the judge's reader, and re-asks with the
// reader's follow-up until the reader is satisfied or the re-asks run out; timeouts and transport
// errors end it without a re-ask. The timeout races the backend in unstructured tasks, so a
// backend that ignores cancellation still cannot hold the judge past the limit. It does not parse
// verdicts (the readers do) and does not build Judgments.
import ArbiterChat
import ArbiterCore
import Foundation

/// What the attempt loop saw: calls made, the last answer, and the failure of the last call when
/// it failed.
struct AttemptRecord: Sendable {
    /// Backend requests made: re-asks, and the retries of a call that failed, included.
    var attempts = 0
    /// The model that gave the last answer, and that answer's text.
    var model: String?
    var raw: String?
    /// Set when a call timed out or failed in transport (never re-asked).
    var callFailure: JudgmentFailure?
}

/// The outcome of asking for one verdict: the loop's record, the verdict when an answer held one,
/// else the last failure (a call's, or the last answer's).
struct VerdictAttempts<Verdict> {
    var record: AttemptRecord
    var verdict: Verdict?
    var failure: JudgmentFailure?
}

extension JudgeCallSettings {
    /// Asks `backend` with `messages`, then as often as `reasks` allows: `read` looks at each
    /// answer and returns nil when done (a verdict, or a failure not worth re-asking) or the user
    /// message to re-ask with. `topLogprobs`: ask for per-token logprobs with this many
    /// alternatives (nil: none).
    func ask(
        _ messages: [ChatMessage], backend: any ChatBackend, seed: UInt64?, topLogprobs: Int? = nil,
        read: (ChatResponse) -> String?
    ) async -> AttemptRecord {
        var conversation = messages
        var record = AttemptRecord()
        for _ in 0...reasks {
            let request = ChatRequest(
                messages: conversation, maxTokens: maxTokens, temperature: temperature, seed: seed,
                logprobs: topLogprobs != nil, topLogprobs: topLogprobs)
            let (result, requests) = await Self.complete(request, backend: backend, timeoutSeconds: timeoutSeconds)
            record.attempts += requests
            switch result {
            case .failure(let failure):
                record.callFailure = failure
                return record
            case .success(let response):
                record.model = response.model
                record.raw = response.text
                guard let followUp = read(response) else { return record }
                conversation += [.assistant(response.text), .user(followUp)]
            }
        }
        return record
    }

    /// The loop for a judge that wants one verdict per answer: `parse` reads each answer; a failure
    /// other than a refusal is re-asked with the message `reask(failure)`.
    func askForVerdict<Verdict>(
        _ messages: [ChatMessage], backend: any ChatBackend, seed: UInt64?, topLogprobs: Int? = nil,
        parse: (ChatResponse) -> Result<Verdict, JudgmentFailure>, reask: (JudgmentFailure) -> String
    ) async -> VerdictAttempts<Verdict> {
        var verdict: Verdict?
        var failure: JudgmentFailure?
        let record = await ask(messages, backend: backend, seed: seed, topLogprobs: topLogprobs) { response in
            switch parse(response) {
            case .success(let value):
                verdict = value
                failure = nil
                return nil
            case .failure(let f):
                failure = f
                return f == .refusal ? nil : reask(f)
            }
        }
        return VerdictAttempts(record: record, verdict: verdict, failure: record.callFailure ?? failure)
    }

    /// Calls the backend with a wall-clock limit; also returns the requests the call sent (1, or
    /// a failed call's count with the backend's retries, so `attempts` agrees with its message).
    /// Never throws.
    static func complete(_ request: ChatRequest, backend: any ChatBackend, timeoutSeconds: Double) async -> (
        result: Result<ChatResponse, JudgmentFailure>, requests: Int
    ) {
        let requests = RequestCount()
        let result = await race(request, backend: backend, timeoutSeconds: timeoutSeconds, requests: requests)
        return (result, requests.value)
    }

    private static func race(
        _ request: ChatRequest, backend: any ChatBackend, timeoutSeconds: Double, requests: RequestCount
    ) async -> Result<ChatResponse, JudgmentFailure> {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<ChatResponse, JudgmentFailure>, Never>) in
                race.start(continuation)
                let work = Task {
                    do {
                        let response = try await backend.complete(request)
                        race.finish(.success(response))
                    } catch let error as any JudgmentFailureConvertible {
                        if let n = error.attempts, race.isOpen { requests.set(max(n, 1)) }
                        race.finish(.failure(error.judgmentFailure))
                    } catch {
                        let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                        race.finish(.failure(.transport(message: message)))
                    }
                }
                let timer = Task {
                    try? await Task.sleep(for: .milliseconds(Int64(timeoutSeconds * 1000)))
                    race.finish(.failure(.timeout(seconds: timeoutSeconds)))
                }
                race.track(work, timer)
            }
        } onCancel: {
            race.finish(.failure(.transport(message: "cancelled")))
        }
    }
}

/// Requests one backend call sent, as the backend reported it (default 1).
final class RequestCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 1
    var value: Int { lock.withLock { count } }
    func set(_ n: Int) { lock.withLock { count = n } }
}

/// First-result-wins latch for the timeout race; cancels the losing tasks.
final class Race: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<ChatResponse, JudgmentFailure>, Never>?
    private var pending: Result<ChatResponse, JudgmentFailure>?
    private var done = false
    private var tasks: [Task<Void, Never>] = []

    func start(_ c: CheckedContinuation<Result<ChatResponse, JudgmentFailure>, Never>) {
        lock.lock()
        if let pending {
            lock.unlock()
            c.resume(returning: pending)
            return
        }
        continuation = c
        lock.unlock()
    }

    /// True until a result has won.
    var isOpen: Bool { lock.withLock { !done } }

    func track(_ work: Task<Void, Never>, _ timer: Task<Void, Never>) {
        lock.lock()
        if done {
            lock.unlock()
            work.cancel()
            timer.cancel()
            return
        }
        tasks = [work, timer]
        lock.unlock()
    }

    func finish(_ result: Result<ChatResponse, JudgmentFailure>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        let c = continuation
        continuation = nil
        if c == nil { pending = result }
        let losers = tasks
        tasks = []
        lock.unlock()
        for t in losers { t.cancel() }
        c?.resume(returning: result)
    }
}
