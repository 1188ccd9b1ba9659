// Reference: the namespace of naive reference implementations in Double. Each op's reference
// lives in that op's file (an `extension Reference`), next to its fast forward and its backward;
// tests compare the fast path against it and differentiate it by central differences.
// Not for production use: references are deliberately slow and simple.

/// Naive Double-precision reference implementations of the tensor ops (for tests).
package enum Reference {}
