import Grammar
import Numbering
import Testing

/// Mistakes in a grammar file are refused with the real file, line and reason, and
/// nothing of the broken folder is used.
@Suite("Grammar files")
struct GrammarFileTests {
    static let minimal = """
        topic HIREK = HÍREK
        language en = EN
        service balance
          number 1730
          rule * -> balance
        """

    /// Loads `text` as the command file of an otherwise shipped folder.
    static func load(_ text: String) throws -> Grammar {
        let folder = try TemporaryGrammarFolder(files: [Grammar.commandFile: text])
        return try Grammar.load(from: folder.path)
    }

    static func refusal(_ text: String) throws -> (line: Int, reason: String)? {
        let folder = try TemporaryGrammarFolder(files: [Grammar.commandFile: text])
        do {
            _ = try Grammar.load(from: folder.path)
            return nil
        } catch {
            #expect(error.file == folder.file(Grammar.commandFile))
            return (error.line, error.reason)
        }
    }

    @Test func aMinimalFileLoads() throws {
        let grammar = try Self.load(Self.minimal)
        #expect(grammar.services == ["balance"])
        #expect(grammar.recognize(destination: destination("777"), text: "hirek") == .unknownDestination)
    }

    @Test(arguments: [
        ("service x\n  number 1730\n  rule * -> nonsense", 3, "unknown action `nonsense`"),
        ("service x\n  number 1730\n  rule <when:time> -> balance", 3, "unknown argument type `time` (known: topic, date, msisdn, amount, pin, range, language, text)"),
        ("service x\n  number 1730\n  rule HIVJ <msisdn -> callmeback", 3, "unterminated `<` in rule (write <name:type>)"),
        ("service x\n  number 1730\n  rule HIVJ msisdn> -> callmeback", 3, "`>` without `<` in rule"),
        ("service x\n  number 1730\n  rule HIVJ", 3, "a rule needs `-> action`"),
        ("service x\n  number 1730\n  rule  -> balance", 3, "empty rule pattern (use `*` for any text)"),
        ("service x\n  number 1730\n  rule A | | B -> balance", 3, "empty keyword alternative around `|`"),
        ("service x\n  number 1730\n  rule A | <pin> -> balance", 3, "empty keyword alternative around `|`"),
        ("service x\n  number 1730\n  rule * A -> balance", 3, "`*` must be the last thing in a rule"),
        ("service x\n  number 1730\n  rule <t:text> <pin> -> balance", 3, "a text argument (`<t:text>`) must be the last thing in a rule"),
        ("service x\n  number 1730\n  rule PIN <pin> <pin> -> pin.change", 3, "argument `pin` appears twice in the rule"),
        ("service x\n  number 1730\n  rule <bad name:pin> -> suspend", 3, "bad argument name `bad name` (letters, digits, `_`)"),
        ("service x\n  number 1730\n  rule <topic> -> info.subscribe", 3, "`<topic:topic>` but the file defines no `topic`"),
        ("service x\n  range 36308080799-36308080700\n  rule * -> balance", 2, "bad number range `36308080799-36308080700`: the ends must have as many digits and LOW ≤ HIGH"),
        ("service x\n  range 3630808070-36308080799\n  rule * -> balance", 2, "bad number range `3630808070-36308080799`: the ends must have as many digits and LOW ≤ HIGH"),
        ("service x\n  range 06308080700\n  rule * -> balance", 2, "bad number range `06308080700` (write LOW-HIGH, e.g. 06308080700-06308080799)"),
        ("service x\n  range 1-2-3\n  rule * -> balance", 2, "bad number range `1-2-3` (write LOW-HIGH, e.g. 06308080700-06308080799)"),
        ("service x\n  number 0690\n  rule * -> balance", 2, "bad number `0690` (a short code or a full number; use `prefix` for a prefix)"),
        ("service x\n  number 17a0\n  rule * -> balance", 2, "bad number `17a0` (a short code or a full number; use `prefix` for a prefix)"),
        ("service x\n  prefix 0120\n  rule * -> balance", 2, "bad prefix `0120` (digits as dialled or international, optional trailing x's: 0690, 16xxx)"),
        ("service x\n  number 1730\n  rule * -> balance\nservice y\n  number 1730\n  rule * -> help", 5, "destination `1730` already belongs to service `x` (line 2)"),
        ("service x\n  prefix 0690\n  rule * -> premium\nservice y\n  prefix +3690\n  rule * -> help", 5, "destination `3690…` already belongs to service `x` (line 2)"),
        ("service x\n  range 13600-13699\n  rule * -> donation\nservice y\n  range 13650-13700\n  rule * -> help", 5, "destination `13650-13700` already belongs to service `x` (line 2)"),
        ("service x\n  number 1730\n  rule * -> balance\nservice x\n  number 1731\n  rule * -> help", 4, "service `x` already defined on line 1"),
        ("service x\n  rule * -> balance\nservice y\n  number 1\n", 1, "service `x` has no number, range or prefix"),
        ("service x\n  number 1730\n", 1, "service `x` has no rule"),
        ("service Bad Name\n", 1, "bad service name `Bad Name` (lower-case letters, digits, `-`, `_`)"),
        ("  number 1730", 1, "`number` before any `service`"),
        ("rule * -> balance", 1, "`rule` before any `service`"),
        ("servce x", 1, "unknown directive `servce` (expected topic, language, service, number, range, prefix or rule)"),
        ("topic HIREK = HÍREK, NEWS\ntopic NEWS", 2, "topic name `NEWS` already defined on line 1"),
        ("topic HIREK = HÍREK\ntopic HIRADO = hirek", 2, "topic name `hirek` already defined on line 1"),
        ("topic A = B,,C", 1, "empty name in the list of `A`"),
        ("topic A = B<", 1, "bad topic name `B<` (letters, digits, spaces, `-`, `_`)"),
        ("language de = DE", 1, "unknown language `de` (known: hu, en)"),
        ("language en = EN\nlanguage en = ENGLISH", 2, "language `en` defined twice"),
        ("language en", 1, "language `en` has no names (write `language en = NAME, NAME`)"),
    ])
    func mistakesAreRefusedWithLineAndReason(text: String, line: Int, reason: String) throws {
        let refusal = try Self.refusal(text)
        #expect(refusal?.line == line)
        #expect(refusal?.reason == reason)
    }

    @Test func commentsBlankLinesAndCRLFAreFine() throws {
        let text = "# heading\r\n\r\nservice balance   # S6\r\n  number 1730\r\n\t rule * -> balance # any text\r\n"
        #expect(try Self.refusal(text) == nil)
        #expect(try Self.load(text).services == ["balance"])
    }

    @Test func aFolderWithoutTheCommandFileIsRefused() throws {
        let folder = try TemporaryGrammarFolder()
        try folder.remove(Grammar.commandFile)
        #expect(throws: GrammarError(file: folder.file(Grammar.commandFile), line: 0, reason: "cannot read file")) {
            try Grammar.load(from: folder.path)
        }
    }

    @Test func invalidUTF8IsNamedAsSuch() throws {
        let folder = try TemporaryGrammarFolder()
        try folder.write("messages.en", bytes: Array("# ok\nbalance.prepaid = x\nbad = \u{FF}".utf8) + [0xFF, 0x0A])
        #expect(throws: GrammarError(file: folder.file("messages.en"), line: 3, reason: "not valid UTF-8")) {
            try Grammar.load(from: folder.path)
        }
        let second = try TemporaryGrammarFolder()
        try second.write(Grammar.commandFile, bytes: [0x23, 0x0A, 0xC3, 0x28])
        #expect(throws: GrammarError(file: second.file(Grammar.commandFile), line: 2, reason: "not valid UTF-8")) {
            try Grammar.load(from: second.path)
        }
    }

    @Test func aMissingMessageKeyNamesTheFileInItsFolder() throws {
        let folder = try TemporaryGrammarFolder(files: ["messages.en": "balance.prepaid = x\n"])
        #expect(throws: GrammarError(file: folder.file("messages.en"), line: 0, reason: "message `balance.postpaid` missing")) {
            try Grammar.load(from: folder.path)
        }
    }

    @Test func aBrokenFolderLeavesTheGrammarInForceUntouched() throws {
        let folder = try TemporaryGrammarFolder()
        var inForce = try Grammar.load(from: folder.path)
        try folder.write(Grammar.commandFile, Self.minimal + "\n  rule HIVJ <msisdn -> callmeback\n")
        do {
            inForce = try Grammar.load(from: folder.path)
            Issue.record("the broken folder loaded")
        } catch {
            #expect(error.line == 6)
        }
        #expect(inForce.services == shipped.services)
        #expect(inForce.recognize(destination: destination("777"), text: "sport") == shipped.recognize(destination: destination("777"), text: "sport"))
    }

    @Test func exactNumbersBeatRangesAndLongerPrefixesBeatShorter() throws {
        let grammar = try Self.load("""
            service special
              number 06308080750
              prefix 06905xxxxx
              rule * -> help
            service partner
              range 06308080700-06308080799
              rule * -> partner.subscribe
            service premium
              prefix 0690
              rule * -> premium
            """)
        #expect(grammar.service(for: destination("06308080750")) == "special")
        #expect(grammar.service(for: destination("06308080751")) == "partner")
        #expect(grammar.service(for: destination("0690512345")) == "special")
        #expect(grammar.service(for: destination("06905123456")) == "premium")   // one digit too many for 06905xxxxx
        #expect(grammar.service(for: destination("0690612345")) == "premium")
    }

    @Test func keywordsOfSeveralWordsAndArgumentsBetweenKeywords() throws {
        let grammar = try Self.load("""
            topic NEVNAP = NÉVNAP, NAME DAY
            service s
              number 1430
              rule SEND <amount> FT TO <msisdn> -> transfer
              rule <topic> -> info.subscribe
              rule SAY <words:text> -> help
            """)
        let send = grammar.recognize(destination: destination("1430"), text: "send 300 ft to 06 30 123 4567")
        #expect(send == .matched(Match(service: "s", action: .transfer, arguments: [
            "amount": .amount(300), "msisdn": .msisdn(MSISDN(canonical: "36301234567")),
        ], maskedText: "send 300 ft to 06 30 123 4567")))
        let bad = grammar.recognize(destination: destination("1430"), text: "send 300 to 06 30 123 4567")
        #expect(bad == .badArgument(service: "s", action: .transfer, slot: "amount", type: "amount", maskedText: "send 300 to 06 30 123 4567"))
        #expect(grammar.recognize(destination: destination("1430"), text: "Name  Day") == .matched(Match(
            service: "s", action: .infoSubscribe, arguments: ["topic": .topic("NEVNAP")], maskedText: "Name  Day")))
        #expect(grammar.recognize(destination: destination("1430"), text: "say  Hello,  world ") == .matched(Match(
            service: "s", action: .help, arguments: ["words": .text("Hello,  world")], maskedText: "say  Hello,  world ")))
    }
}
