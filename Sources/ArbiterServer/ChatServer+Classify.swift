// ChatServer+Classify: answers POST /classify from the server's ClassifierService (a trained
// judge), under the same slots and queue as the model routes: one row per input with the most
// likely label. A server without one answers 404 naming what it serves.
import Foundation
import Hummingbird
import NIOCore

extension ChatServer {
    func classifyRoute(_ request: Request) async -> Response {
        await answering {
            let body = try await readBody(request)
            let parsed = try ClassifyRequest.decode(body)
            guard let classifier, parsed.model == classifier.modelName else {
                throw ChatServerError.unknownModel(
                    requested: parsed.model, served: classifier?.modelName ?? modelName)
            }
            try await admit()
            let outcome: Result<[ClassifierOutput], ChatServerError>
            do {
                outcome = .success(try await classifier.classify(parsed.inputs))
            } catch {
                outcome = .failure(.backendFailed(reason: Self.describe(error)))
            }
            await gate.leave()
            let outputs = try outcome.get()
            let labels = classifier.labels
            guard outputs.count == parsed.inputs.count, outputs.allSatisfy({ $0.probs.count == labels.count }) else {
                throw ChatServerError.internalError(
                    reason: "the classifier returned \(outputs.count) rows for \(parsed.inputs.count) inputs")
            }
            let rows = outputs.enumerated().map { index, output -> ClassifyWire.Row in
                var probs = output.probs.map { $0.isFinite ? $0 : 0 }
                if !classifier.isProbabilistic, parsed.activation ?? true {
                    probs = probs.map { 1 / (1 + Foundation.exp(-$0)) }
                }
                let best = probs.indices.max { probs[$0] < probs[$1] } ?? 0
                return ClassifyWire.Row(index: index, label: labels[best], probs: probs, numClasses: labels.count)
            }
            return Self.json(
                ClassifyWire(
                    id: Self.responseID("classify-"),
                    created: Int(Date().timeIntervalSince1970), model: classifier.modelName, data: rows,
                    inputs: parsed.inputs.count))
        }
    }
}
