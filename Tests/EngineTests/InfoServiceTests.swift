import Engine
import Model
import Numbering
import Testing

@Suite("S1 InfoSMS, S2 partners, S3 horoscope")
struct InfoServiceTests {
    /// Issue 12.9: the 777 help promised the list of topics and gave none.
    @Test func theHelpListsEveryTopicOfTheGrammarInBothLanguages() throws {
        let desk = try Desk()
        let topics = desk.engine.grammar.commands.topics.map(\.canonical)
        #expect(topics.count >= 8)
        for (who, word) in [(prepaid, "SUGO"), (postpaid, "help")] {
            let help = try desk.sms(who, "777", word)
            #expect(help.status == .ok)
            let text = help.replyParts.joined()
            for topic in topics { #expect(text.contains(topic), "\(topic) missing from \(text)") }
        }
        // A bad topic sends the subscriber to that help.
        #expect(try desk.sms(prepaid, "777", "SPROTT").reply?.contains("SUGO") == true)
    }

    @Test func subscribingToATopicChargesTheMonthlyFeeOnce() throws {
        let desk = try Desk()
        let first = try desk.sms(prepaid, "777", "sport")
        #expect(first.status == .ok)
        #expect(first.reply?.contains("SPORT") == true)
        #expect(first.reply?.contains("500 Ft") == true)
        #expect(desk.subscriber(prepaid)?.balance == 4_500)
        let second = try desk.sms(prepaid, "777", "  SPORT ")
        #expect(second.status == .refused)
        #expect(desk.subscriber(prepaid)?.balance == 4_500)
        #expect(desk.store.ledgerHolds)
    }

    @Test func postpaidFeesGoOnTheBill() throws {
        let desk = try Desk()
        #expect(try desk.sms(postpaid, "777", "HÍREK").status == .ok)
        #expect(desk.subscriber(postpaid)?.unbilled == 3_950)
        #expect(desk.store.ledgerHolds)
    }

    @Test func unsubscribingOneTopicAllTopicsAndListing() throws {
        let desk = try Desk()
        try desk.sms(prepaid, "777", "SPORT")
        try desk.sms(prepaid, "777", "HIREK")
        let list = try desk.sms(prepaid, "777", "LISTA")
        #expect(list.reply?.contains("SPORT") == true && list.reply?.contains("HIREK") == true)
        #expect(try desk.sms(prepaid, "777", "- sport").status == .ok)
        #expect(try desk.sms(prepaid, "777", "-SPORT").status == .refused)
        #expect(try desk.sms(prepaid, "777", "STOP hirek").status == .ok)
        #expect(try desk.sms(prepaid, "777", "STOP").status == .refused)
        try desk.sms(prepaid, "777", "SPORT")
        try desk.sms(prepaid, "777", "HIREK")
        #expect(try desk.sms(prepaid, "777", "stop").status == .ok)
        #expect(try desk.store.write { try $0.subscriptions(of: prepaid) }.isEmpty)
    }

    @Test func aShortBalanceRefusesAndChangesNothing() throws {
        let desk = try Desk()
        try desk.run(.setRate(RateChange(prefix: "777", price: 9_000, kind: .subscription)))
        let before = desk.state
        let outcome = try desk.sms(prepaid, "777", "SPORT")
        #expect(outcome.status == .refused)
        #expect(outcome.reply?.contains("9 000 Ft") == true)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func unknownTextGetsTheNumbersHelpAndUnknownNumbersSaySo() throws {
        let desk = try Desk()
        let before = desk.state
        // An unknown topic is explained (the topic list is behind SUGO) …
        let topic = try desk.sms(prepaid, "777", "what is this")
        #expect(topic.status == .refused)
        #expect(topic.reply?.contains("SUGO") == true)
        // … and a text no rule of a known number matches gets that number's help.
        let help = try desk.sms(prepaid, "1430", "what is this")
        #expect(help.status == .refused)
        #expect(help.reply?.hasPrefix("1430:") == true)
        let nowhere = try desk.sms(prepaid, "5555", "hello")
        #expect(nowhere.status == .refused)
        #expect(nowhere.result == "unknown destination")
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func partnerNumbersSubscribeWithAnyTextAndStopCancels() throws {
        let desk = try Desk()
        let on = try desk.sms(mix, "06308080712", "hello")
        #expect(on.status == .ok)
        #expect(desk.subscriber(mix)?.balance == 1_100)
        #expect(try desk.sms(mix, "06308080712", "again").status == .refused)
        #expect(try desk.sms(mix, "06308080799", "STOP").status == .refused)
        #expect(try desk.sms(mix, "06308080712", "stop").status == .ok)
        #expect(desk.store.ledgerHolds)
    }

    @Test(arguments: ["1985.03.21", "1985-03-21", "19850321", "1985. március 21.", "1985 marcius 21"])
    func horoscopeNamesTheSign(_ text: String) throws {
        let desk = try Desk()
        let outcome = try desk.sms(prepaid, "06303030440", text)
        #expect(outcome.status == .ok)
        #expect(outcome.reply?.contains("Kos") == true)
        #expect(desk.subscriber(prepaid)?.balance == 4_400)
    }

    @Test func horoscopeCancelAndItsRefusals() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.sms(postpaid, "06303030440", "-HORO").status == .refused)
        let bad = try desk.sms(postpaid, "06303030440", "1985.02.30")
        #expect(bad.status == .refused)
        #expect(bad.reply?.contains("1985.03.21") == true)
        #expect(try desk.sms(postpaid, "06303030440", "2099.01.01").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        let on = try desk.sms(postpaid, "06303030440", "1990.08.01")
        #expect(on.reply?.contains("Leo") == true)
        #expect(try desk.sms(postpaid, "06303030440", "- horo").status == .ok)
        #expect(try desk.sms(postpaid, "06303030440", "STOP HORO").status == .refused)
    }

    @Test func zodiacBoundaries() throws {
        let desk = try Desk()
        let cases: [(String, String)] = [("2000.01.19", "Bak"), ("2000.01.20", "Vízöntő"), ("2000.12.22", "Bak"),
                                         ("2000.02.29", "Halak"), ("2000.11.22", "Nyilas"), ("2000.06.21", "Rák")]
        for (date, sign) in cases {
            let outcome = try desk.sms(prepaid, "06303030440", date)
            #expect(outcome.reply?.contains(sign) == true, "\(date)")
            try desk.sms(prepaid, "06303030440", "-HORO")
        }
    }

    @Test func suspendedSubscribersMayOnlyAskBalanceAndReconnection() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.sms(suspended, "777", "SPORT").status == .refused)
        #expect(try desk.sms(suspended, "0690123456", "x").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        #expect(try desk.sms(suspended, "1730", "?").status == .ok)
        #expect(try desk.sms(suspended, "1430", "VISSZA").status == .ok)
        #expect(desk.subscriber(suspended)?.status == .active)
    }
}
