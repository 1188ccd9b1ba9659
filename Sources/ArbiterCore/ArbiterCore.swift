// ArbiterCore: the bottom target every Arbiter module may import. It holds the small pieces that
// several modules need and that must have one home (hashing, seeded randomness, JSON Lines and
// samples reading, timing, the chat message type). Foundation only, plus swift-crypto for
// SHA-256. Not a grab bag: a piece lives here only when two modules need it.
