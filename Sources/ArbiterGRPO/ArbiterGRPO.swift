// ArbiterGRPO: group-relative policy optimisation on ArbiterTensor, with TRL's semantics where TRL
// has them (TRL 1.9.0's GRPOTrainer; parity fixtures in Tests/Fixtures/grpo): group advantages
// and RLOO, every policy-loss variant with its exact normaliser, rollouts with the in-process
// model, checkpoints that resume bit-identically, metrics with TRL's names.
// Parts live in Type+Concern.swift files beside this one.

/// Namespace of the GRPO mathematics (advantages, losses); pure functions on arrays.
public enum GRPO {}
