import Engine
import Menus
import Model
import Numbering
import SMSText
import Testing

/// The 1412 map of seed 000 as the USSD dialogue `*1412#`, through the engine: every
/// branch, back, agent, paging and language switches, and the services its items run.
@Suite("USSD: the *1412# menu (S16)")
struct USSDMenuTests {
    static let menu: Menu = {
        let engine = try! makeEngine()
        return engine.menus.menu(for: "*1412#")!
    }()

    /// The answers that walk from the main menu to the item at `path`, paging where the
    /// item is not on the first page of its sub-menu.
    static func keys(to path: String, in language: Language = .hu) -> [String] {
        var keys: [String] = []
        var node = menu.root
        for key in path.split(separator: ".").map(String.init) {
            let pages = menu.pages(of: node, in: language)
            let page = pages.firstIndex { $0.contains { $0.key == key } } ?? 0
            keys += Array(repeating: menu.moreKey, count: page) + [key]
            node = node.children.first { $0.key == key }!
        }
        return keys
    }

    /// Opens `*1412#` and walks to `path`; the last outcome.
    @discardableResult
    static func walk(_ desk: Desk, _ msisdn: MSISDN, to path: String) throws -> Outcome {
        var outcome = try desk.ussd(msisdn, "*1412#")
        for key in keys(to: path) { outcome = try desk.ussd(msisdn, key) }
        return outcome
    }

    @Test func openingShowsTheMainMenuAndKeepsTheDialogue() throws {
        let desk = try Desk()
        let outcome = try desk.ussd(prepaid, "*1412#")
        #expect(outcome.status == .ok)
        #expect(outcome.reply == Self.menu.screen(of: Self.menu.root, page: 0, in: .hu))
        #expect(outcome.reply?.hasPrefix("Telekom 1412\n1 Önkiszolgalo ügyfélszolgalat\n") == true)
        #expect(outcome.dialogue?.path == "")
        #expect(outcome.dialogue?.code == "*1412#")
        #expect(desk.dialogue(prepaid) != nil)
        #expect(desk.state.audit.last?.request == "USSD 36301111111 *1412#")
        #expect(desk.state.audit.last?.outcome == "ok: menu *1412# main")
    }

    /// Every item of the map, reached from the main menu: a sub-menu shows its screen and
    /// `*` returns to its parent; a text ends the dialogue; an action shows its prompt or
    /// runs (the actions are checked one by one below).
    @Test(arguments: menu.allItems.map(\.path))
    func everyBranchOfTheMap(_ path: String) throws {
        let desk = try Desk()
        let item = try #require(Self.menu.item(at: path))
        let outcome = try Self.walk(desk, prepaid, to: path)
        #expect(outcome.status == .ok || item.inputs.isEmpty, "\(path): \(outcome.result)")
        if let screen = outcome.reply { #expect(SMSSegmenter.fitsUSSD(screen), "\(path): \(screen)") }
        switch item.content {
        case .submenu:
            #expect(outcome.reply == Self.menu.screen(of: item, page: 0, in: .hu))
            #expect(outcome.dialogue?.path == path)
            let parent = String(path.split(separator: ".").dropLast().joined(separator: "."))
            let back = try desk.ussd(prepaid, "*")
            #expect(back.dialogue?.path == parent)
            let parentNode = try #require(parent.isEmpty ? Self.menu.root : Self.menu.item(at: parent))
            #expect(back.reply == Self.menu.screen(of: parentNode, page: 0, in: .hu))
        case .text(let text):
            #expect(outcome.reply == Self.menu.screen(text, in: .hu))
            #expect(outcome.dialogue == nil && desk.dialogue(prepaid) == nil)
        case .action(_, let inputs):
            if let first = inputs.first {
                #expect(outcome.reply == Self.menu.screen(first.prompt, in: .hu))
                #expect(outcome.dialogue != nil)
                // `*` at a prompt returns to the menu the item is in.
                let back = try desk.ussd(prepaid, "*")
                #expect(back.dialogue?.path == String(path.split(separator: ".").dropLast().joined(separator: ".")))
            } else if path != "2.9" {
                #expect(outcome.dialogue == nil)
            }
        }
    }

    @Test func starOnTheMainMenuRepeatsItAndBadAnswersAreShownAgain() throws {
        let desk = try Desk()
        let main = try desk.ussd(prepaid, "*1412#")
        #expect(try desk.ussd(prepaid, "*").reply == main.reply)
        let invalid = try desk.ussd(prepaid, "7")
        #expect(invalid.reply == Self.menu.screen(of: Self.menu.root, page: 0, in: .hu, invalid: true))
        #expect(invalid.reply?.hasPrefix("Érvénytelen valasztas.\n") == true)
        #expect(invalid.dialogue?.path == "")
        #expect(desk.state.audit.last?.outcome == "ok: menu *1412# main, answer not taken")
        #expect(try desk.ussd(prepaid, "hello").dialogue != nil)
    }

    @Test(arguments: ["", "2", "2.1", "2.1.1", "5"])
    func zeroAsksForAnAgentAndHashForOneWithoutIdentification(_ path: String) throws {
        let desk = try Desk()
        try Self.walk(desk, prepaid, to: path)
        let agent = try desk.ussd(prepaid, "0")
        #expect(agent.reply == Self.menu.screen(Self.menu.agent, in: .hu))
        #expect(agent.dialogue == nil)
        try Self.walk(desk, prepaid, to: path)
        let anonymous = try desk.ussd(prepaid, "#")
        #expect(anonymous.reply == Self.menu.screen(Self.menu.anonymousAgent, in: .hu))
        #expect(anonymous.dialogue == nil)
        #expect(desk.dialogue(prepaid) == nil)
    }

    @Test func longMenusPageWithTheMoreKey() throws {
        let desk = try Desk()
        let paged = ([Self.menu.root] + Self.menu.allItems).filter { Self.menu.pages(of: $0, in: .hu).count > 1 }
        #expect(!paged.isEmpty, "the 1412 map has a sub-menu longer than one screen (1: nine items)")
        for node in paged {
            try Self.walk(desk, prepaid, to: node.path)
            let next = try desk.ussd(prepaid, Self.menu.moreKey)
            #expect(next.reply == Self.menu.screen(of: node, page: 1, in: .hu))
            #expect(next.reply?.contains("\(Self.menu.moreKey) ") == (Self.menu.pages(of: node, in: .hu).count > 2))
            try desk.ussd(prepaid, "0")
        }
    }

    // MARK: The services the items run

    @Test(arguments: ["1.1", "3.1", "3.3"])
    func balanceItemsGiveThe1730Answer(_ path: String) throws {
        let desk = try Desk()
        let outcome = try Self.walk(desk, prepaid, to: path)
        let sms = try desk.sms(prepaid, "1730", "EGYENLEG")
        #expect(outcome.reply == gsm(try #require(sms.reply)))
        #expect(outcome.result == "balance" && outcome.dialogue == nil)
    }

    @Test(arguments: ["2.1.4", "5.1"])
    func tariffItemsTellThePlan(_ path: String) throws {
        let desk = try Desk()
        #expect(try Self.walk(desk, prepaid, to: path).reply?.contains(gsm("feltöltőkártyás")) == true)
        #expect(try Self.walk(desk, postpaid, to: path).reply?.hasPrefix("Your plan: postpaid.") == true)
    }

    @Test func premiumSMSAllowWithThePINThenBlock() throws {
        let desk = try Desk()
        try Self.walk(desk, prepaid, to: "1.3")
        // A PIN of the wrong shape gets the prompt again.
        let again = try desk.ussd(prepaid, "123")
        #expect(again.reply == Self.menu.screen(Self.menu.item(at: "1.3")!.inputs[0].prompt, in: .hu, invalid: true))
        let allowed = try desk.ussd(prepaid, "11111")
        #expect(allowed.status == .ok && allowed.dialogue == nil)
        #expect(try desk.settings(prepaid)["premium.mt"] == "on")
        #expect(try desk.outbox(prepaid).contains { $0.text.contains("Biztonsági értesítés") })
        #expect(try Self.walk(desk, prepaid, to: "1.2").result == "premium SMS blocked")
        #expect(try desk.settings(prepaid)["premium.mt"] == nil)
        // The PIN never reaches the audit.
        let requests = desk.state.audit.map(\.request)
        #expect(requests.contains("USSD 36301111111 *****"))
        #expect(requests.contains("USSD 36301111111 123") == false)
        #expect(!requests.contains { $0.hasSuffix(" 11111") })
    }

    @Test func aPINSentAfterTheDialogueIsGoneIsMaskedToo() throws {
        let desk = try Desk()
        #expect(try desk.ussd(prepaid, "11111").result == "no open dialogue to answer")
        #expect(desk.state.audit.last?.request == "USSD 36301111111 *****")
    }

    @Test func aWrongPINEndsTheDialogueAndCountsTowardTheLock() throws {
        let desk = try Desk()
        try Self.walk(desk, prepaid, to: "1.3")
        let wrong = try desk.ussd(prepaid, "12345")
        #expect(wrong.status == .refused && wrong.dialogue == nil)
        #expect(wrong.result.contains("wrong PIN"))
        #expect(try desk.settings(prepaid)["premium.mt"] == nil)
    }

    @Test func forwardingOnAndOffFromTheMenu() throws {
        let desk = try Desk()
        try Self.walk(desk, prepaid, to: "1.4")
        let on = try desk.ussd(prepaid, "06201234567")
        #expect(on.reply == gsm("Hívásátirányítás bekapcsolva: +36 20 123 4567"))
        #expect(try desk.settings(prepaid)["cf.21"] == "on 36201234567")
        // S7 holds here too.
        try Self.walk(desk, prepaid, to: "1.4")
        let before = desk.state
        #expect(try desk.ussd(prepaid, "0690123456").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        try desk.ussd(prepaid, "**67*0612345678#")
        #expect(try Self.walk(desk, prepaid, to: "1.5").status == .ok)
        #expect(try desk.settings(prepaid).keys.allSatisfy { !$0.hasPrefix("cf.") })
    }

    @Test func suspendPurchaseCodeAndCallMeBackFromTheMenu() throws {
        let desk = try Desk()
        try Self.walk(desk, prepaid, to: "1.7")
        #expect(try desk.ussd(prepaid, "11111").result == "purchase code sent")
        #expect(try desk.outbox(prepaid).contains { $0.text.contains("424242") })
        try Self.walk(desk, prepaid, to: "1.8")
        #expect(try desk.ussd(prepaid, "06201234567").status == .ok)
        #expect(try desk.outbox(otherNetwork).last?.text.contains("36301111111") == true)
        try Self.walk(desk, prepaid, to: "1.6")
        #expect(try desk.ussd(prepaid, "11111").result == "suspended")
        #expect(desk.subscriber(prepaid)?.status == .suspended)
    }

    @Test func reconnectionAfterThePIN() throws {
        let desk = try Desk()
        // Not suspended: said so, no PIN attempt spent.
        try Self.walk(desk, prepaid, to: "5.3")
        #expect(try desk.ussd(prepaid, "99999").result == "not suspended")
        #expect(desk.state.pins[prepaid]?.failures == 0)
        // Suspended: the PIN reconnects.
        try Self.walk(desk, suspended, to: "5.3")
        #expect(try desk.ussd(suspended, "11111").result.contains("wrong PIN"))
        #expect(desk.subscriber(suspended)?.status == .suspended)
        try Self.walk(desk, suspended, to: "5.3")
        #expect(try desk.ussd(suspended, "55555").result == "reconnected")
        #expect(desk.subscriber(suspended)?.status == .active)
    }

    @Test func agentItemGivesTheAgentText() throws {
        let desk = try Desk()
        let outcome = try Self.walk(desk, prepaid, to: "5.4")
        #expect(outcome.reply == Self.menu.screen(Self.menu.agent, in: .hu) && outcome.dialogue == nil)
    }

    // MARK: Language

    @Test func theEnglishMenuSwitchesTheDialogueAndTheSubscribersLanguage() throws {
        let desk = try Desk()
        let english = try Self.walk(desk, prepaid, to: "2.9")
        #expect(english.reply == Self.menu.screen(of: Self.menu.root, page: 0, in: .en))
        #expect(english.dialogue?.language == .en && english.dialogue?.path == "")
        #expect(english.result.hasSuffix("language en stored"))
        #expect(desk.subscriber(prepaid)?.language == .en)
        // The rest of the dialogue, and the SMS replies, are English now.
        #expect(try desk.ussd(prepaid, "1").reply?.hasPrefix("Self-service\n") == true)
        #expect(try desk.ussd(prepaid, "1").reply?.hasPrefix("Balance:") == true)
        #expect(try desk.sms(prepaid, "1730", "x").reply?.hasPrefix("Balance") == true)
        // 2.9 of the English menu switches back.
        try desk.ussd(prepaid, "*1412#")
        try desk.ussd(prepaid, "2")
        let hungarian = try desk.ussd(prepaid, "9")
        #expect(hungarian.reply == Self.menu.screen(of: Self.menu.root, page: 0, in: .hu))
        #expect(desk.subscriber(prepaid)?.language == .hu)
    }

    @Test func anEnglishSubscriberGetsTheEnglishMenu() throws {
        let desk = try Desk()
        let outcome = try desk.ussd(postpaid, "*1412#")
        #expect(outcome.reply == Self.menu.screen(of: Self.menu.root, page: 0, in: .en))
        #expect(try desk.ussd(postpaid, "0").reply?.hasPrefix("An agent will call you back") == true)
    }

    // MARK: Dialogue rules

    @Test func aNewCodeReplacesTheOpenDialogue() throws {
        let desk = try Desk()
        try Self.walk(desk, prepaid, to: "5")
        let mmi = try desk.ussd(prepaid, "*#21#")
        #expect(mmi.reply == gsm("Hívásátirányítás: nincs bekapcsolva"))
        #expect(mmi.dialogue == nil)
        try Self.walk(desk, prepaid, to: "2.1")
        let fresh = try desk.ussd(prepaid, "*1412#")
        #expect(fresh.dialogue?.path == "")
        // Over the open dialogue, an unknown code is refused and ends it.
        #expect(try desk.ussd(prepaid, "*100#").status == .refused)
        #expect(desk.dialogue(prepaid) == nil)
    }

    @Test func suspendedSubscribersWalkTheMenuButRunOnlyBalanceAndReconnection() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try Self.walk(desk, suspended, to: "1.2").result == "suspended")
        #expect(try Self.walk(desk, suspended, to: "1.9").status == .ok)
        #expect(try Self.walk(desk, suspended, to: "1.1").result == "balance")
        // The language switch lasts for the dialogue only.
        let english = try Self.walk(desk, suspended, to: "2.9")
        #expect(english.dialogue?.language == .en)
        #expect(desk.subscriber(suspended)?.language == .hu)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func unknownSubscribersGetNoDialogue() throws {
        let desk = try Desk()
        let outcome = try desk.ussd(stranger, "*1412#")
        #expect(outcome.status == .unknownSubscriber && outcome.dialogue == nil)
    }

    @Test func everyScreenOfEveryWalkIsOneGSMScreen() throws {
        let desk = try Desk()
        // 2.9 would switch the subscriber to English mid-way (checked above).
        for path in Self.menu.allItems.map(\.path) where path != "2.9" {
            var outcome = try desk.ussd(mix, "*1412#")
            for key in Self.keys(to: path) {
                outcome = try desk.ussd(mix, key)
                let screen = try #require(outcome.reply)
                #expect(SMSSegmenter.fitsUSSD(screen) && GSM7.isEncodable(screen), "\(path): \(screen)")
            }
        }
    }

    @Test func theGrammarREADMEListsTheWholeMap() throws {
        let readme = try String(contentsOfFile: grammarFolder + "/README.md", encoding: .utf8)
        for item in Self.menu.allItems {
            #expect(readme.contains("| `\(item.path)` | \(item.title.hu) | \(item.title.en) |"), "README lacks \(item.path)")
        }
        for action in MenuAction.allCases {
            #expect(readme.contains("`\(action.rawValue)`"), "README lacks \(action.rawValue)")
        }
    }
}
