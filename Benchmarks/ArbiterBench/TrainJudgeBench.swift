// TrainJudgeBench: training examples/s of the two judge backbones, the shapes of issue 15's
// benchmark and of Benchmarks/peers/torch_train_throughput.py (run it in the same session):
// (a) all-MiniLM-L6-v2 fully fine-tuned, batch 16 × 256 tokens, mean pooling + a linear scalar
// head, Bradley–Terry loss on 8 (chosen, rejected) pairs, AdamW; (b) SmolLM2-135M with LoRA
// (rank 8, α 16, every block matrix), batch 4 × 512 tokens, a scalar head on the last token,
// Bradley–Terry on 2 pairs. Random token ids of exactly the stated length (seeded); warm-up steps,
// then the median step. A speed measurement, not a test. Registered as suite "train".
import ArbiterCore
import ArbiterModels
import ArbiterTensor
import Foundation

func trainJudgeBenchmark() {
    let steps = PeerBench.setting("ARBITER_BENCH_STEPS", 5)
    let warmup = PeerBench.setting("ARBITER_BENCH_WARMUP", 1)
    do {
        let encoder = try SentenceEncoder.load(named: "minilm-l6-v2")
        let bert = encoder.model
        for (_, t) in bert.parameters { t.requiresGrad = true }
        var rng = SeededRNG(seed: 0)
        let c = bert.configuration.hiddenSize
        let head = Tensor.randomNormal([1, c], standardDeviation: 0.02, using: &rng, requiresGrad: true)
        var parameters = bert.parameters
        parameters.add("head", head)
        let ids = (0..<16).map { _ in
            [encoder.tokenizer.classifierID] + (0..<254).map { _ in 1000 + Int(rng.next() % 20000) }
                + [encoder.tokenizer.separatorID]
        }
        let batch = BERTBatch(sequences: ids)
        var adam = try AdamW(configuration: AdamW.Configuration(learningRate: 2e-5))
        let times = try timedSteps(steps: steps, warmup: warmup) {
            parameters.zeroGrad()
            let pooled = encoder.embeddings(batch)  // (16, C)
            let rewards = pooled.matmul(head, transposeB: true).reshaped([8, 2])  // (8, 2)
            let loss = (rewards.slice(alongAxis: 1, 0..<1) - rewards.slice(alongAxis: 1, 1..<2)).logSigmoid()
                .mean().negated()
            loss.backward()
            try adam.step(parameters, learningRate: 2e-5)
        }
        report("minilm-full-b16-t256", examples: 16, tokens: 256, times: times)
    } catch {
        print("train minilm: not run: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
    }
    do {
        let url = try ModelStore().resolve("smollm2-135m").url
        let model = try LanguageModel.load(url).model
        try model.attachLoRA(LoRAConfiguration(rank: 8, alpha: 16), seed: 0)
        var rng = SeededRNG(seed: 1)
        let c = model.configuration.hiddenSize
        let head = Tensor.randomNormal([1, c], standardDeviation: 0.02, using: &rng, requiresGrad: true)
        var parameters = model.loraParameters
        parameters.add("head", head)
        let tokens = (0..<4).map { _ in (0..<512).map { _ in 100 + Int(rng.next() % 40000) } }
        var adam = try AdamW(configuration: AdamW.Configuration(learningRate: 1e-4))
        let times = try timedSteps(steps: max(2, steps / 2), warmup: warmup) {
            parameters.zeroGrad()
            let last = model.lastTokenHiddenStates(tokens: tokens)  // (4, C)
            let rewards = last.matmul(head, transposeB: true).reshaped([2, 2])  // (2, 2)
            let loss = (rewards.slice(alongAxis: 1, 0..<1) - rewards.slice(alongAxis: 1, 1..<2)).logSigmoid()
                .mean().negated()
            loss.backward()
            try adam.step(parameters, learningRate: 1e-4)
        }
        report("smollm2-lora8-b4-t512", examples: 4, tokens: 512, times: times)
    } catch {
        print("train smollm2: not run: \((error as? LocalizedError)?.errorDescription ?? "\(error)")")
    }
}

/// Wall seconds of each timed step after `warmup` untimed ones.
private func timedSteps(steps: Int, warmup: Int, _ body: () throws -> Void) throws -> [Double] {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    for _ in 0..<steps {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times
}

private func report(_ name: String, examples: Int, tokens: Int, times: [Double]) {
    let median = times.sorted()[times.count / 2]
    print(
        String(
            format: "RESULT train %@: examples_per_s %.3f, step_ms_median %.0f, batch %d, tokens %d, steps %d",
            name, Double(examples) / median, median * 1000, examples, tokens, times.count))
}
