// ServerMetrics: what GET /metrics exposes in Prometheus's text format (swift-prometheus's
// registry, one per server, so several servers in one process keep their own counts): requests
// by route and status with a latency histogram per route, the queue (running and waiting
// requests, read at scrape time), and for a reward server the batch sizes, each reward function's
// scored and unscored completions and the sum of its values (sum / scored = its mean), and
// refused batches. Routes outside the server's own are counted under "other" and model ids are not
// labels, so a scanner cannot grow the label set.
import Foundation
import Prometheus

final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map {
        .milliseconds(Int64($0 * 1000))
    }
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    private func name(_ metric: String, unit: String? = nil, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "arbiter", metricName: metric, unitName: unit ?? "", helpText: help)
    }

    /// A path as a route label: the server's own paths, `/v1/models/{id}` for any model id, else "other".
    static func route(_ path: String) -> String {
        if ChatServer.allowedMethods(path: path).isEmpty { return "other" }
        return path.hasPrefix("/v1/models/") ? "/v1/models/{id}" : path
    }

    /// One finished request: `route` is `route(path)`.
    func requestFinished(route: String, status: Int, elapsed: Duration) {
        registry.makeCounter(
            descriptor: name("http_requests", unit: "total", help: "HTTP requests by route and status"),
            labels: [("route", route), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: name("http_request_duration", unit: "seconds", help: "request latency by route"),
            labels: [("route", route)], buckets: Self.latencyBuckets
        ).record(elapsed)
    }

    /// A rewarded batch: its size and, per function, the values and unscored flags of its logs.
    func rewardBatch(size: Int, logs: [String: [Double]], functions: [String]) {
        registry.makeValueHistogram(
            descriptor: name("reward_batch_size", help: "completions per reward request"),
            labels: [], buckets: Self.batchBuckets
        ).record(Double(size))
        for function in functions {
            let values = logs[function] ?? []
            let unscored = Int64((logs["\(function)/unscored"] ?? []).reduce(0, +))
            let labels = [("function", function)]
            registry.makeCounter(
                descriptor: name("reward_scored", unit: "total", help: "completions a reward function scored"),
                labels: labels
            ).increment(by: Int64(values.count) - unscored)
            registry.makeCounter(
                descriptor: name("reward_unscored", unit: "total", help: "completions a reward function left unscored"),
                labels: labels
            ).increment(by: unscored)
            registry.makeCounter(
                descriptor: name(
                    "reward_value_sum", help: "sum of a reward function's values (over scored completions)"),
                labels: labels
            ).increment(by: values.reduce(0, +))
            if let cached = logs["\(function)/cached"] {
                registry.makeCounter(
                    descriptor: name(
                        "reward_cached", unit: "total", help: "completions answered from the judgment cache"),
                    labels: labels
                ).increment(by: Int64(cached.reduce(0, +)))
            }
        }
    }

    /// A batch the reward service refused (e.g. unscored completions under on_unscored: error).
    func rewardRefused() {
        registry.makeCounter(
            descriptor: name("reward_refused_batches", unit: "total", help: "reward requests answered without rewards"),
            labels: []
        ).increment()
    }

    /// The exposition text, with the queue gauges set to `running` and `queued` first.
    func text(running: Int, queued: Int) -> String {
        registry.makeGauge(descriptor: name("requests_running", help: "requests being served by the model"), labels: [])
            .set(to: Double(running))
        registry.makeGauge(descriptor: name("requests_queued", help: "requests waiting for the model"), labels: [])
            .set(to: Double(queued))
        return registry.emitToString()
    }
}
