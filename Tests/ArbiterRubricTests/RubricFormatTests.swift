// RubricFormatTests: the loader's accepted extensions.
import ArbiterRubric
import Testing

@Test func rubricExtensions() {
    #expect(RubricFormatInfo.extensions.contains("yaml"))
}
