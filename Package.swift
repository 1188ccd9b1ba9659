// swift-tools-version: 6.1
// Arbiter: rubric-driven LLM judges, judge-vs-human agreement audits, reward functions and GRPO,
// on one tensor library. Module map and allowed dependency arrows: ARCHITECTURE.md.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Arbiter",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Arbiter", targets: ["Arbiter"]),
        .executable(name: "arbiter", targets: ["ArbiterCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already in the graph through Hummingbird and AsyncHTTPClient; named because the server
        // and its tests import their modules directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // SHA-256 for ArbiterCore (already in the graph through AsyncHTTPClient).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The bottom Swift target: pieces several modules share (ARCHITECTURE.md).
        .target(
            name: "ArbiterCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "ArbiterTensor", dependencies: ["ArbiterCore", "COpenBLAS", "CArbiterKernels"], swiftSettings: strict),
        // AVX2 kernels in C (function-level target attributes, chosen at run time): no flags needed.
        .target(name: "CArbiterKernels"),
        // The Jinja interpreter and chat templates: nothing from the models.
        .target(name: "ArbiterJinja", dependencies: ["ArbiterCore"], swiftSettings: strict),
        .target(
            name: "ArbiterModels", dependencies: ["ArbiterCore", "ArbiterTensor", "ArbiterJinja", "CArbiterKernels"],
            swiftSettings: strict),
        .target(
            name: "ArbiterRubric",
            dependencies: ["ArbiterCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // The chat seam below the judges (ChatBackend, requests, the in-process backend): no GRDB,
        // no HTTP, so `arbiter serve` links neither.
        .target(
            name: "ArbiterChat", dependencies: ["ArbiterCore", "ArbiterJinja", "ArbiterModels"], swiftSettings: strict
        ),
        .target(
            name: "ArbiterJudge",
            dependencies: [
                "ArbiterCore", "ArbiterChat", "ArbiterModels", "ArbiterRubric", "ArbiterAgreement",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ArbiterServer",
            dependencies: [
                "ArbiterCore", "ArbiterChat",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(name: "ArbiterAgreement", dependencies: ["ArbiterCore"], swiftSettings: strict),
        // Reward functions over judges and verifiers (ARCHITECTURE.md): what the GRPO trainer sums.
        .target(
            name: "ArbiterReward", dependencies: ["ArbiterCore", "ArbiterJudge", "ArbiterAgreement"],
            swiftSettings: strict),
        // The GRPO trainer: rollouts, group advantages, policy losses, checkpoints.
        .target(
            name: "ArbiterGRPO",
            dependencies: [
                "ArbiterCore", "ArbiterTensor", "ArbiterModels", "ArbiterJudge", "ArbiterReward", "ArbiterAgreement",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "Arbiter",
            dependencies: [
                "ArbiterCore", "ArbiterTensor", "ArbiterJinja", "ArbiterModels", "ArbiterRubric", "ArbiterChat",
                "ArbiterJudge", "ArbiterServer", "ArbiterAgreement", "ArbiterReward", "ArbiterGRPO",
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ArbiterCLI",
            dependencies: [
                "Arbiter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ArbiterBench",
            dependencies: [
                "ArbiterCore", "ArbiterTensor", "ArbiterJinja", "ArbiterModels", "ArbiterAgreement", "COpenBLAS",
            ],
            path: "Benchmarks/ArbiterBench",
            swiftSettings: strict
        ),
        .target(
            name: "ArbiterTestSupport",
            dependencies: ["ArbiterCore", "ArbiterTensor", "ArbiterModels"],
            path: "Tests/ArbiterTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterTensorTests",
            dependencies: ["ArbiterTensor", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterJinjaTests",
            dependencies: ["ArbiterJinja", "ArbiterCore", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterModelsTests",
            dependencies: ["ArbiterModels", "ArbiterCore", "ArbiterJinja", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterRubricTests",
            dependencies: ["ArbiterRubric", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterJudgeTests",
            dependencies: ["ArbiterJudge", "ArbiterChat", "ArbiterCore", "ArbiterJinja", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterHTTPTests",
            dependencies: [
                "ArbiterJudge", "ArbiterChat", "ArbiterCore", "ArbiterServer", "ArbiterTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterAgreementTests",
            dependencies: ["ArbiterAgreement", "ArbiterCore", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterCLITests",
            dependencies: [
                "ArbiterCLI", "ArbiterCore", "ArbiterTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterRewardTests",
            dependencies: ["ArbiterReward", "ArbiterJudge", "ArbiterCore", "ArbiterTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterGRPOTests",
            dependencies: [
                "ArbiterGRPO", "ArbiterReward", "ArbiterJudge", "ArbiterModels", "ArbiterTensor", "ArbiterCore",
                "ArbiterTestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ArbiterPublicAPITests",
            dependencies: ["Arbiter"],
            swiftSettings: strict
        ),
    ]
)
