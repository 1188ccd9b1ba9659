// Arbiter: the umbrella module. `import Arbiter` gives the whole public API.
@_exported import ArbiterAgreement
@_exported import ArbiterChat
@_exported import ArbiterCore
@_exported import ArbiterGRPO
@_exported import ArbiterJinja
@_exported import ArbiterJudge
@_exported import ArbiterModels
@_exported import ArbiterReward
@_exported import ArbiterRubric
@_exported import ArbiterServer
@_exported import ArbiterTensor
