// PublicSurfaceTests: pins the public API a user reaches with a plain `import Arbiter`
// (no @testable). A symbol that stops being public breaks this file's build.
import Arbiter
import Testing

@Test func umbrellaReexportsModules() {
    BLASThreads.set(1)
    #expect(BLASThreads.current == 1)
    #expect(ArbiterModelsInfo.supportedGGUFVersions.contains(3))
}
