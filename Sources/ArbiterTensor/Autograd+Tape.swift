// Autograd+Tape: reverse-mode differentiation over the recorded graph: `backward()`, gradient
// accumulation into leaves, `zeroGrad()`, and `Tensor.noGrad { }` scopes (a task-local flag, so it
// is safe under Swift 6 concurrency and scoped to the calling task / thread).
// Not here: the derivative rules themselves (Autograd+GradientTable.swift).

/// Whether ops record themselves on the tape in the current task.
enum GradMode {
    @TaskLocal static var isEnabled: Bool = true
}

extension Tensor {
    /// Runs `body` with recording off: results have no tape node and no gradient flows through them.
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        try GradMode.$isEnabled.withValue(false) { try body() }
    }

    /// Async variant of `noGrad`.
    public static func noGrad<R>(_ body: () async throws -> R) async rethrows -> R {
        try await GradMode.$isEnabled.withValue(false) { try await body() }
    }

    /// True when ops record themselves on the tape in the current task.
    public static var isGradEnabled: Bool { GradMode.isEnabled }

    /// Forgets the accumulated gradient (`grad = nil`).
    public func zeroGrad() { grad = nil }

    /// Back-propagates from this one-element tensor (usually a loss): every tensor with
    /// `requiresGrad` that it depends on gets d(self)/d(tensor) ADDED to its `grad`.
    /// The graph is kept, so calling it again accumulates again.
    public func backward() {
        precondition(
            count == 1,
            "backward: tensor of shape \(shape.shapeString) has \(count) elements; backward() starts from a scalar (reduce first, e.g. loss.sum())"
        )
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: [Float]] = [ObjectIdentifier(self): [1]]
        for tensor in order.reversed() {
            guard let g = grads.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
            if tensor.requiresGrad {
                if let existing = tensor.grad {
                    var sum = existing.storage
                    for i in sum.indices { sum[i] += g[i] }
                    tensor.grad = Tensor(sum, shape: tensor.shape)
                } else {
                    tensor.grad = Tensor(g, shape: tensor.shape)
                }
            }
            guard let node = tensor.node else { continue }
            let inputGrads = GradientTable.rule(for: node.op)(node, g)
            precondition(
                inputGrads.count == node.inputs.count,
                "autograd: \(node.op) rule returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
            for (input, inputGrad) in zip(node.inputs, inputGrads) where input.tracksGrad {
                guard let inputGrad else { continue }
                precondition(
                    inputGrad.count == input.count,
                    "autograd: \(node.op) gradient has \(inputGrad.count) elements for input of shape \(input.shape.shapeString)"
                )
                let key = ObjectIdentifier(input)
                if var existing = grads[key] {
                    grads[key] = nil
                    for i in existing.indices { existing[i] += inputGrad[i] }
                    grads[key] = existing
                } else {
                    grads[key] = inputGrad
                }
            }
        }
    }

    /// Tensors reachable from self through tape nodes, inputs before the ops that use them.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            let id = ObjectIdentifier(tensor)
            if visited.contains(id) { continue }
            visited.insert(id)
            stack.append((tensor, true))
            if let node = tensor.node {
                for input in node.inputs where input.tracksGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }
}
