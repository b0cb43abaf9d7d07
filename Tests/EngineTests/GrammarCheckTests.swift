import Engine
import Foundation
import Grammar
import Testing

/// `selfcare grammar check` and what start-up and RELOAD refuse (issue 18): every problem
/// of a grammar folder with its file and line.
@Suite("Grammar check")
struct GrammarCheckTests {
    /// A copy of the shipped folder, with `edit` applied to its files.
    func folder(_ edit: (String) throws -> Void) throws -> String {
        let dir = NSTemporaryDirectory() + "grammar-check-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: grammarFolder) where !name.hasSuffix(".md") {
            try FileManager.default.copyItem(atPath: grammarFolder + "/" + name, toPath: dir + "/" + name)
        }
        try edit(dir)
        return dir
    }

    func replace(_ path: String, _ old: String, _ new: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(old), "\(old) not in \(path)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func theShippedGrammarHasNoProblem() {
        #expect(Engine.checkGrammar(folder: grammarFolder).map(\.description) == [])
    }

    /// The placeholder table names only texts that exist (a renamed key would leave a
    /// stale entry behind).
    @Test func everyKeyOfThePlaceholderTableIsAText() throws {
        let grammar = try Grammar.load(from: grammarFolder)
        for key in Engine.messagePlaceholders.keys.sorted() {
            #expect(grammar.messages["hu"]!.contains(key) && grammar.messages["en"]!.contains(key), "\(key)")
        }
    }

    @Test func everyProblemIsNamedWithItsFileAndLine() throws {
        let dir = try folder { dir in
            try replace(dir + "/messages.hu", "Egyenleg: {balance}, univerzális", "Egyenleg: {balanse}, univerzális")
            try replace(dir + "/messages.en", "\nfavourite.full =", "\n# favourite.full =")
            try "extra.only = csak magyarul\n".appendLine(to: dir + "/messages.hu")
            try replace(dir + "/mmi.codes", "\n", "\nthis is not a code line\n")
        }
        let problems = Engine.checkGrammar(folder: dir).map(\.description)
        let lineOfExtra = try String(contentsOfFile: dir + "/messages.hu", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(problems.contains("\(dir)/messages.hu:6: `{balanse}` is not filled in for `balance.prepaid` (the engine gives: {balance}, {universal})"), "\(problems)")
        #expect(problems.contains("\(dir)/messages.en:0: message `favourite.full` missing (the engine needs it)"), "\(problems)")
        #expect(problems.contains("\(dir)/messages.en:0: message `extra.only` missing (messages.hu has it, line \(lineOfExtra))"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("\(dir)/mmi.codes:") }, "\(problems)")
        #expect(problems.count >= 5, "\(problems)")
        // Start-up and RELOAD stop at the first and say there are more.
        let grammar = try Grammar.load(from: dir)
        #expect(throws: GrammarError.self) { try Engine(validating: grammar, folder: dir) }
    }

    /// A text may use only what the engine fills in for it; a key the table does not
    /// list takes none.
    @Test func aPlaceholderOfAnotherTextIsRefused() throws {
        let dir = try folder { dir in
            try replace(dir + "/messages.en", "\nsuspended = ", "\nsuspended = {balance} ")
        }
        let problems = Engine.checkGrammar(folder: dir).map(\.description)
        #expect(problems.count == 1 && problems[0].contains("`{balance}` is not filled in for `suspended` (the engine gives: none)"), "\(problems)")
    }
}

extension String {
    func appendLine(to path: String) throws {
        let old = try String(contentsOfFile: path, encoding: .utf8)
        try (old + self).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
