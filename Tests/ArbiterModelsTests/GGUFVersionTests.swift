// GGUFVersionTests: placeholder-free smoke test of the module's declared GGUF versions.
import ArbiterModels
import Testing

@Test func ggufVersionsAreTwoAndThree() {
    #expect(ArbiterModelsInfo.supportedGGUFVersions == 2...3)
}
