import ArgumentParser
import Engine
import Grammar
#if canImport(Glibc)
import Glibc
#endif

/// `selfcare grammar check [DIR]`: every problem of a grammar folder, one `file:line:
/// reason` per line, exit status 1 when there is any — for operators who edit Grammars/
/// (a pre-commit hook or a CI step; Grammars/README.md). Start-up, RELOAD and SIGHUP
/// refuse the same problems.
struct GrammarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Check a grammar folder.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every file of a grammar folder; name file:line for each problem.")

        @ArgumentParser.Argument(help: "The grammar folder.")
        var folder: String = "Grammars"

        func run() throws {
            let problems = Engine.checkGrammar(folder: folder)
            for problem in problems { print(problem) }
            guard problems.isEmpty else {
                throw CLIError("\(folder): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
            }
            let grammar = try Grammar.load(from: folder)
            let counts = grammar.messages.keys.sorted().map { "\(grammar.messages[$0]!.templates.count) in \($0)" }
            print("\(folder): ok — \(grammar.services.count) services, messages \(counts.joined(separator: ", "))")
        }
    }
}
