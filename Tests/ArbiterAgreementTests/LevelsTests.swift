// LevelsTests: the measurement levels Krippendorff's alpha supports.
import ArbiterAgreement
import Testing

@Test func alphaLevels() {
    #expect(AgreementInfo.levels == ["nominal", "ordinal", "interval", "ratio"])
}
