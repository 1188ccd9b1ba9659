// ArbiterCommand: the root of the `arbiter` executable. The CLI is the only place that prints to
// a terminal or sets an exit code; subcommands live in <Name>Command.swift files beside this one.
import Arbiter
import ArgumentParser

@main
struct ArbiterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbiter",
        abstract: "Rubric-driven LLM judges, judge-vs-human agreement audits, rewards and GRPO.",
        version: "0.1.0",
        subcommands: [
            AuditCommand.self, GenerateCommand.self, JudgeCommand.self, ModelsCommand.self, RubricCommand.self,
            ScoreCommand.self,
            ServeCommand.self, TrainJudgeCommand.self, GRPOCommand.self,
        ]
    )
}
