import Grammar
import Testing

@Suite("Message catalogs")
struct MessageCatalogTests {
    @Test func rendersPlaceholdersAndKeepsTheRest() throws {
        let catalog = try MessageCatalog(parsing: """
            # comment
            greet = Szia {name}, egyenleg: {amount}!

            long = első \\
              második
            """, file: "t")
        #expect(catalog.render("greet", ["name": "Anna", "amount": "5 Ft"]) == "Szia Anna, egyenleg: 5 Ft!")
        #expect(catalog.render("long") == "első második")
        #expect(catalog.render("missing") == "missing")
        #expect(catalog.render("greet") == "Szia , egyenleg: !")
    }

    @Test(arguments: [
        ("no equals sign", 1, "expected `key = text`"),
        ("a = {open", 1, "unclosed `{` in message"),
        ("a = {}", 1, "bad placeholder `{}`"),
        ("a = x\n\na = y", 3, "message `a` defined twice"),
        ("bad key! = x", 1, "bad message key `bad key!`"),
        ("a = x \\", 1, "continuation `\\` at end of file"),
    ])
    func errorsNameFileLineAndReason(text: String, line: Int, reason: String) {
        #expect(throws: GrammarError(file: "messages.xx", line: line, reason: reason)) {
            try MessageCatalog(parsing: text, file: "messages.xx")
        }
    }

    @Test func theShippedGrammarLoadsAndEveryLanguageHasEveryKey() throws {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let grammar = try Grammar.load(from: parts.joined(separator: "/") + "/Grammars")
        for lang in ["hu", "en"] {
            let catalog = try #require(grammar.messages[lang])
            for key in Grammar.requiredKeys { #expect(catalog.contains(key), "\(lang) lacks \(key)") }
            #expect(Set(catalog.templates.keys) == Set(grammar.messages["hu"]!.templates.keys))
        }
    }

    @Test func aGrammarMissingAKeyIsRefused() throws {
        let partial = try MessageCatalog(parsing: "balance.prepaid = x", file: "messages.hu")
        #expect(throws: GrammarError.self) { try Grammar(messages: ["hu": partial]) }
    }

    @Test func windowsLineEndsAreLinesToo() throws {
        let catalog = try MessageCatalog(parsing: "# c\r\na = x\r\nb = y\r\n", file: "t")
        #expect(catalog.render("a") == "x")
        #expect(catalog.render("b") == "y")
    }
}
