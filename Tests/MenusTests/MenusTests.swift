import Grammar
import Menus
import Model
import SMSText
import Testing
import TestSupport

private let grammars: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/Grammars"
}()

private let menu1412: Menu = try! Menu.load(file: grammars + "/menus/1412.menu")

/// The map of seed 000 (MENÜSTRUKTÚRA), copied here: number → Hungarian title.
private let seedMap: [(String, String)] = [
    ("1", "Önkiszolgáló ügyfélszolgálat"),
    ("2", "Akciók, díjcsomagok, szolgáltatások"),
    ("2.1", "Díjcsomagok, tarifák"),
    ("2.1.1", "Csomag ajánlatok több szolgáltatás együttes igénybevétele esetén"),
    ("2.1.1.1", "Magenta díjcsomag"), ("2.1.1.2", "Társkártya mobil-díjcsomagok"),
    ("2.1.1.3", "TV + internet + telefon ajánlat"), ("2.1.1.4", "TV + internet ajánlat"),
    ("2.1.2", "TV"), ("2.1.2.1", "TVGO"), ("2.1.2.2", "IPTV"), ("2.1.2.3", "Kábel TV"), ("2.1.2.4", "Sat TV"),
    ("2.1.3", "Internet"), ("2.1.4", "Telefon"),
    ("2.2", "Telekom Kapcsolat program"), ("2.3", "Egyedi ajánlatok"), ("2.4", "Energia"),
    ("2.9", "Angol nyelvű menü"),
    ("3", "Számlázás és késedelmes fizetés"),
    ("3.1", "Számlamásolat és internet forgalom lekérdezése"), ("3.2", "Késedelmes fizetés és behajtás"),
    ("3.3", "Számlainformáció és számlareklamáció"),
    ("4", "Hibabejelentés és műszaki segítségnyújtás"),
    ("4.1", "TV"), ("4.2", "Internet"), ("4.3", "Telefon"), ("4.4", "Energiaszolgáltatás"), ("4.5", "Műszaki elsősegéd"),
    ("5", "Szerződéshez kapcsolódó módosítási igények"),
    ("5.1", "Díjcsomagváltás"), ("5.2", "Hűség szerződésből hátralévő idő lekérdezése"),
    ("5.3", "Szüneteltetett szolgáltatás visszakapcsolása"), ("5.4", "Adatmódosítás, átírás, áthelyezés, lemondás"),
    ("5.5", "Energia"),
    ("9", "Ügyfél azonosító vagy telefonszám megadás"),
]

/// The settings every test menu needs: six lines, so its first item is on line 7.
private let header = """
    code *9#
    title T | T
    more 98 More | More
    invalid Bad. | Bad.
    agent A. | A.
    anonymous N. | N.

    """

/// A valid answer to each kind of prompt.
private func sample(_ kind: MenuInput.Kind) -> String { kind == .pin ? "12345" : "06301234567" }

private func screenText(_ step: MenuStep) -> String? {
    if case .screen(let text, true) = step { return text }
    return nil
}

/// Checks that a step's text goes out as one USSD screen.
private func expectFits(_ step: MenuStep, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let text: String
    switch step {
    case .screen(let t, _), .end(let t): text = t
    case .run: return
    }
    #expect(GSM7.isEncodable(text), "\(context): \(text)", sourceLocation: sourceLocation)
    #expect((GSM7.septets(text) ?? .max) <= 182, "\(context): \(text)", sourceLocation: sourceLocation)
}

@Suite("USSD menus and the 1412 dialogue")
struct MenusTests {
    @Test func theShippedMapHasTheSeedsStructureAndTitles() throws {
        #expect(menu1412.code == "*1412#")
        #expect(menu1412.root.children.map(\.key) == ["1", "2", "3", "4", "5", "9"])
        for (path, title) in seedMap {
            let item = try #require(menu1412.item(at: path), "\(path) missing")
            #expect(item.title.hu == title, "\(path)")
            #expect(!item.title.en.isEmpty && item.title.en != item.title.hu || ["TV", "Internet", "IPTV", "TVGO"].contains(title))
        }
        let catalog = try MenuCatalog.load(from: grammars)
        #expect(catalog.menu(for: "*1412#")?.root == menu1412.root)
        #expect(catalog.menu(for: "*1413#") == nil)
    }

    @Test func theIssueNamedServicesAreWired() throws {
        func action(_ path: String) -> MenuAction? {
            if case .action(let a, _) = menu1412.item(at: path)?.content { return a.hu }
            return nil
        }
        #expect(action("3.1") == .balance && action("3.3") == .balance)
        #expect(action("5.1") == .tariffInfo)
        #expect(action("5.3") == .reconnect)
        #expect(action("2.9") == .languageEN)
    }

    @Test(arguments: Language.allCases)
    func everyBranchOfTheTreeAnswersAsItsItemSays(language: Language) throws {
        var visited = 0
        for item in menu1412.allItems {
            visited += 1
            var (dialogue, first) = MenuDialogue.start(menu: menu1412, language: language)
            expectFits(first, "main menu")
            var step = first
            for key in item.path.split(separator: ".") {
                #expect(screenText(step) != nil, "\(item.path): stopped early at \(key)")
                step = dialogue.answer(String(key))
                expectFits(step, item.path)
            }
            switch item.content {
            case .submenu(let children):
                let text = try #require(screenText(step))
                #expect(text.hasPrefix(GSM7.transliterate(item.title[language]) + "\n"))
                // The first child is on the first page.
                #expect(text.contains("\n\(children[0].key) " + GSM7.transliterate(children[0].title[language])))
                #expect(!dialogue.isOver)
            case .text(let text):
                #expect(step == .end(GSM7.transliterate(text[language])), "\(item.path)")
                #expect(dialogue.isOver)
            case .action(let actions, let inputs):
                let action = actions[language]
                if let target = action.switchesTo {
                    #expect(step == MenuDialogue.start(menu: menu1412, language: target).step)
                    #expect(dialogue.language == target && dialogue.languageChosen == target)
                    continue
                }
                for (index, input) in inputs.enumerated() {
                    #expect(step == .screen(GSM7.transliterate(input.prompt[language]), expectsAnswer: true), "\(item.path) prompt \(index)")
                    step = dialogue.answer(sample(input.kind))
                }
                #expect(step == .run(action: action, inputs: inputs.map { sample($0.kind) }, language: language), "\(item.path)")
                #expect(dialogue.isOver)
            }
        }
        #expect(visited == menu1412.allItems.count)
        #expect(visited >= seedMap.count)
    }

    @Test func everyScreenIsGSMAndFitsOneUSSDMessage() {
        let screens = menu1412.allScreens()
        #expect(screens.count > 100)
        for screen in screens {
            #expect(GSM7.isEncodable(screen.text), "\(screen.origin)")
            #expect(SMSSegmenter.fitsUSSD(screen.text), "\(screen.origin): \(screen.text.count)")
        }
    }

    @Test func randomAnswersNeverLeaveTheScreenLimitOrTheTree() {
        var random = SeededGenerator(seed: 1412)
        let answers = ["1", "2", "3", "4", "5", "9", "98", "*", "*", "7", "x", "12345", "06301234567", "0", "#"]
        for _ in 0..<300 {
            var (dialogue, step) = MenuDialogue.start(menu: menu1412, language: Bool.random(using: &random) ? .hu : .en)
            while !dialogue.isOver {
                expectFits(step, "walk")
                #expect(menu1412.item(at: dialogue.position.joined(separator: ".")) != nil)
                step = dialogue.answer(answers.randomElement(using: &random)!)
            }
            expectFits(step, "last")
        }
    }

    @Test func starGoesBackOneLevelAndRepeatsTheMainMenu() {
        var (dialogue, main) = MenuDialogue.start(menu: menu1412, language: .hu)
        #expect(dialogue.answer("*") == main)
        let two = dialogue.answer("2")
        let twoOne = dialogue.answer("1")
        _ = dialogue.answer("1")
        #expect(dialogue.position == ["2", "1", "1"])
        #expect(dialogue.answer("*") == twoOne)
        #expect(dialogue.answer("*") == two)
        #expect(dialogue.answer("*") == main)
        #expect(dialogue.answer("*") == main)
        #expect(!dialogue.isOver)
    }

    @Test func zeroAndHashHandOverToAnAgent() {
        for language in Language.allCases {
            var (dialogue, _) = MenuDialogue.start(menu: menu1412, language: language)
            _ = dialogue.answer("4")
            #expect(dialogue.answer("0") == .end(GSM7.transliterate(menu1412.agent[language])))
            #expect(dialogue.isOver)
            #expect(dialogue.answer("1") == .end(""))

            var (anonymous, _) = MenuDialogue.start(menu: menu1412, language: language)
            #expect(anonymous.answer("#") == .end(GSM7.transliterate(menu1412.anonymousAgent[language])))
        }
        #expect(menu1412.agent.en.hasPrefix("An agent"))
        if case .end(let text) = MenuDialogue.start(menu: menu1412, language: .hu).dialogue.answering("0") {
            #expect(text.hasPrefix("Ügyintézonk"))
        } else { Issue.record("0 does not end") }
    }

    @Test func theEnglishMenuSwitchesTheDialogueAndBack() throws {
        var (dialogue, _) = MenuDialogue.start(menu: menu1412, language: .hu)
        _ = dialogue.answer("2")
        let english = try #require(screenText(dialogue.answer("9")))
        #expect(english.hasPrefix("Telekom 1412\n1 Self-service\n"))
        #expect(dialogue.language == .en && dialogue.languageChosen == .en && dialogue.position.isEmpty)
        #expect(screenText(dialogue.answer("2"))?.hasPrefix("Offers, tariff plans, services\n1 Tariff plans") == true)
        #expect(screenText(dialogue.answer("98"))?.contains("\n9 Magyar nyelvu menü (Hungarian menu)\n") == true)
        #expect(screenText(dialogue.answer("9"))?.hasPrefix("Telekom 1412\n1 Önkiszolgalo ügyfélszolgalat") == true)
        #expect(dialogue.language == .hu && dialogue.languageChosen == .hu)
        // Services chosen after the switch run in the new language.
        var (en, _) = MenuDialogue.start(menu: menu1412, language: .hu)
        _ = en.answer("2"); _ = en.answer("9"); _ = en.answer("3")
        #expect(en.answer("1") == .run(action: .balance, inputs: [], language: .en))
    }

    @Test func longMenusPageWithAKeyTheMapDoesNotUse() throws {
        #expect(menu1412.moreKey == "98")
        #expect(!menu1412.allItems.contains { $0.key == menu1412.moreKey })
        for language in Language.allCases {
            let pages = menu1412.pages(of: menu1412.root, in: language)
            #expect(pages.count > 1, "the main menu does not fit one screen and must page")
            #expect(pages.flatMap { $0.map(\.key) } == ["1", "2", "3", "4", "5", "9"])
            var (dialogue, first) = MenuDialogue.start(menu: menu1412, language: language)
            let label = "98 " + GSM7.transliterate(menu1412.more[language])
            #expect(screenText(first)?.contains(label) == true)
            var shownKeys = Set<String>()
            var step = first
            for page in pages.indices {
                let text = try #require(screenText(step))
                for item in pages[page] { #expect(text.contains("\n\(item.key) "), "page \(page) lacks \(item.key)") }
                shownKeys.formUnion(pages[page].map(\.key))
                #expect(text.contains(label) == (page < pages.count - 1))
                step = dialogue.answer("98")
            }
            #expect(shownKeys.count == 6)
            // Past the last page 98 is no choice; every key works from any page.
            #expect(screenText(step)?.hasPrefix(GSM7.transliterate(menu1412.invalid[language]) + "\n") == true)
            #expect(screenText(dialogue.answer("1"))?.hasPrefix(GSM7.transliterate(menu1412.item(at: "1")!.title[language])) == true)
        }
    }

    @Test func anUnknownChoiceShowsTheSameMenuUnderAnInvalidLine() throws {
        var (dialogue, main) = MenuDialogue.start(menu: menu1412, language: .hu)
        let mainText = try #require(screenText(main))
        for bad in ["7", "8", "12", "x", "", "2.1"] {
            #expect(dialogue.answer(bad) == .screen("Érvénytelen valasztas.\n" + mainText, expectsAnswer: true), "\(bad)")
        }
        #expect(!dialogue.isOver && dialogue.position.isEmpty)
    }

    @Test func aPinPromptChecksTheShapeAndStarLeavesIt() throws {
        var (dialogue, _) = MenuDialogue.start(menu: menu1412, language: .hu)
        let contract = dialogue.answer("5")
        let prompt = try #require(screenText(dialogue.answer("3")))
        #expect(prompt == "Adja meg 5 szamjegyu jelszavat:")
        for bad in ["123", "123456", "12a45", "98"] {
            #expect(dialogue.answer(bad) == .screen("Érvénytelen valasztas.\n" + prompt, expectsAnswer: true))
        }
        #expect(dialogue.answer("*") == contract)
        _ = dialogue.answer("3")
        #expect(dialogue.answer(" 54321 ") == .run(action: .reconnect, inputs: ["54321"], language: .hu))
    }

    @Test func aNumberPromptFeedsTheAction() throws {
        var (dialogue, _) = MenuDialogue.start(menu: menu1412, language: .en)
        _ = dialogue.answer("1")
        #expect(screenText(dialogue.answer("4")) == "Enter the number to forward your calls to:")
        #expect(screenText(dialogue.answer("12")) != nil)
        #expect(dialogue.answer("+36301234567") == .run(action: .forwardingOn, inputs: ["+36301234567"], language: .en))
    }

    @Test(arguments: [
        ("title a | b\n1 x | y\n  text t | u", 1, "no `code *NNNN#` setting"),
        ("code 1412\n", 1, "expected `code *NNNN#`, a USSD string ending in #"),
        ("bogus x", 1, "unknown line `bogus`: expected a setting, an item (`2.9 …`), `action`, `input` or `text`"),
        ("1 only hungarian", 1, "expected `Hungarian | English` (one `|`, both sides non-empty)"),
        ("1.x a | b", 1, "bad item number `1.x`: digits separated by dots, as `2.1.3`"),
        ("0 a | b", 1, "key `0` of `0`: 0 is the agent key"),
        ("more 98 M | M\n98 a | b", 2, "key `98` of `98` is the paging key"),
        ("2.1 a | b", 1, "item `2.1` comes before its parent `2`"),
        ("1 a | b\n  text t | u\n1 c | d", 3, "item `1` defined twice"),
        ("action balance", 1, "`action` before the first item"),
        ("1 a | b\ncode *1#", 2, "setting `code` after the first item: settings come first"),
        ("1 a | b\n  action fly", 2, "unknown action `fly` (balance, tariff-info, reconnect, suspend, premium-block, premium-unblock, forwarding-on, forwarding-off, purchase-code, call-me-back, pin-request, agent, language-en, language-hu)"),
        ("1 a | b\n  action balance\n  input pin p | p", 3, "`input` after `action`: inputs come first"),
        ("1 a | b\n  input code p | p", 2, "expected `input pin|number Hungarian prompt | English prompt`"),
        ("1 a | b\n  action balance | reconnect", 2, "`balance` and `reconnect` need different inputs"),
        // Errors of the tree, found once the whole file is read, point at the item.
        (header + "1 a | b\n  text t | u\n  1.1 c | d\n    text v | w", 7, "`1` has sub-items, so it takes no action, input or text"),
        (header + "1 a | b", 7, "`1` needs sub-items, an action or a text"),
        (header + "1 a | b\n  text t | u\n  action balance", 7, "`1` has a text and an action: choose one"),
        (header + "1 a | b\n  action reconnect", 8, "action `reconnect` takes `input pin` first"),
        (header + "1 a | b\n  input pin p | p\n  action balance", 9, "action `balance` takes no input"),
        (header + "1 a | b\n  input number p | p\n  action reconnect", 9, "action `reconnect` takes `input pin` first"),
    ])
    func fileErrorsNameFileLineAndReason(text: String, line: Int, reason: String) {
        #expect(throws: GrammarError(file: "t.menu", line: line, reason: reason)) {
            try Menu(parsing: text, file: "t.menu", name: "t")
        }
    }

    @Test func aScreenOverTheUSSDLimitIsRefusedAtLoad() throws {
        let long = String(repeating: "ő", count: 180)
        let tooLong = String(repeating: "ő", count: 183)
        #expect(throws: GrammarError.self) {
            try Menu(parsing: header + "1 a | b\n  text \(tooLong) | x", file: "t.menu", name: "t")
        }
        let parsed = try Menu(parsing: header + "1 a | b\n  text \(long) | x", file: "t.menu", name: "t")
        #expect(parsed.allScreens().allSatisfy { SMSSegmenter.fitsUSSD($0.text) })
    }

    @Test func manyItemsPageSoEveryScreenFits() throws {
        var body = ""
        for key in 1...60 { body += "\(key) Menüpont száma \(key) | Item number \(key)\n  action balance\n" }
        let menu = try Menu(parsing: header + body, file: "t.menu", name: "t")
        let pages = menu.pages(of: menu.root, in: .hu)
        #expect(pages.count > 5)
        #expect(pages.flatMap { $0 }.count == 60)
        var (dialogue, step) = MenuDialogue.start(menu: menu, language: .hu)
        for _ in pages.indices.dropLast() {
            #expect(SMSSegmenter.fitsUSSD(screenText(step)!))
            step = dialogue.answer("98")
        }
        #expect(screenText(step)?.contains("\n60 ") == true)
        #expect(dialogue.answer("60") == .run(action: .balance, inputs: [], language: .hu))
    }
}

extension MenuDialogue {
    /// One answer on a copy, for one-line checks.
    func answering(_ input: String) -> MenuStep {
        var copy = self
        return copy.answer(input)
    }
}
