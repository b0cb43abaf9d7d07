import Engine
import Model
import Numbering
import Testing

@Suite("1430 self-service: S9–S14, PIN, language")
struct SelfServiceTests {
    /// Issue 12.6: the audit row of a text no rule takes, to 1430, showed the PIN.
    @Test(arguments: ["PIN:11111", "KOD11111", "EMELT BE #11111", "EMELT BE PIN=11111",
                      "PIN 11111,54321,54321", "UTAL 36302222222 300 PIN11111"])
    func noAuditRowShowsAPINWrittenAnotherWay(text: String) throws {
        let desk = try Desk()
        try desk.sms(prepaid, "1430", text)
        let request = try #require(desk.state.audit.last?.request)
        #expect(request.hasPrefix("SMS 36301111111 1430 "))
        let audited = request.dropFirst("SMS 36301111111 1430 ".count)
        #expect(!audited.contains("1111") && !audited.contains("54321"), "\(request)")
        #expect(audited.contains("*****"))
    }

    @Test func threeWrongPINsLockForFifteenMinutesWithANotice() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "1430", "KOD 00000").result.contains("wrong PIN"))
        #expect(try desk.sms(prepaid, "1430", "KOD 00001").result.contains("wrong PIN"))
        let third = try desk.sms(prepaid, "1430", "KOD 00002")
        // Budapest local time for the operator, not Unix seconds (issue 12.11).
        #expect(third.result == "wrong PIN 3 times, PIN locked until 2026-11-21 13:15")
        #expect(try desk.outbox(prepaid).contains { $0.text.contains("zárolva") })
        // Even the right PIN is refused while locked …
        #expect(try desk.sms(prepaid, "1430", "KOD 11111", at: now + 60).result == "PIN locked")
        // … and accepted after 15 minutes.
        #expect(try desk.sms(prepaid, "1430", "KOD 11111", at: now + 15 * 60 + 1).status == .ok)
        #expect(desk.state.audit.allSatisfy { $0.request.hasSuffix("KOD *****") })
    }

    @Test func aRightPINClearsTheFailureCount() throws {
        let desk = try Desk()
        try desk.sms(prepaid, "1430", "KOD 00000")
        try desk.sms(prepaid, "1430", "KOD 00000")
        try desk.sms(prepaid, "1430", "KOD 11111")
        #expect(try desk.sms(prepaid, "1430", "KOD 00000").result.contains("1 in a row"))
    }

    @Test func callMeBackGoesToTheTargetAtMostFiftyADay() throws {
        let desk = try Desk()
        let outcome = try desk.sms(prepaid, "1430", "HIVJ 06-20-123-4567")
        #expect(outcome.status == .ok)
        let sms = try #require(try desk.outbox(otherNetwork).last)
        #expect(sms.text.contains("36301111111"))
        for _ in 1..<50 { try desk.sms(prepaid, "1430", "HIVJ 06201234567") }
        #expect(try desk.sms(prepaid, "1430", "HIVJ 06201234567").result.contains("limit"))
        #expect(try desk.outbox(otherNetwork).count == 50)
        // Another day, another 50.
        #expect(try desk.sms(prepaid, "1430", "HIVJ 06201234567", at: now + 86_400).status == .ok)
    }

    @Test func callMeBackRefusals() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.sms(postpaid, "1430", "HIVJ 06201234567").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "HIVJ +441234567890").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "HIVJ 06301111111").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "HIVJ 123").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func favouritesAtMostTwoTelekomMobilesNotForMix() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "1430", "TEEN 06302222222").status == .ok)
        #expect(try desk.sms(prepaid, "1430", "TEEN 06303333333").status == .ok)
        let before = desk.state
        #expect(try desk.sms(prepaid, "1430", "TEEN 06304444444").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "TEEN 06201234567").status == .refused)
        #expect(try desk.sms(mix, "1430", "TEEN 06302222222").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        #expect(try desk.sms(prepaid, "1430", "TEEN").reply?.contains("+36303333333") == true)
        #expect(try desk.sms(prepaid, "1430", "TEEN TÖRÖL 06302222222").status == .ok)
        #expect(try desk.sms(prepaid, "1430", "TEEN TOROL 06302222222").status == .refused)
    }

    @Test func suspendNeedsThePINReconnectIsFree() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "1430", "SZUNETEL 12345").status == .refused)
        #expect(desk.subscriber(prepaid)?.status == .active)
        #expect(try desk.sms(prepaid, "1430", "SZÜNETEL 11111").status == .ok)
        #expect(desk.subscriber(prepaid)?.status == .suspended)
        #expect(try desk.sms(prepaid, "777", "SPORT").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "VISSZA").status == .ok)
        #expect(try desk.sms(prepaid, "1430", "VISSZA").status == .refused)
    }

    @Test func purchaseCodeGoesBySMSOnly() throws {
        let desk = try Desk()
        let outcome = try desk.sms(prepaid, "1430", "KOD 11111")
        #expect(outcome.status == .ok)
        #expect(outcome.reply?.contains("424242") == false)
        #expect(try desk.outbox(prepaid).last?.text.contains("424242") == true)
        #expect(!desk.state.audit.contains { $0.request.contains("424242") || $0.outcome.contains("424242") })
    }

    @Test func topUpOfAnotherSubscriberMovesMoneyBothWays() throws {
        let desk = try Desk()
        let outcome = try desk.sms(prepaid, "1430", "UTAL 06303333333 1000 11111")
        #expect(outcome.status == .ok)
        #expect(desk.subscriber(prepaid)?.balance == 4_000)
        #expect(desk.subscriber(mix)?.universalBalance == 1_000)
        #expect(try desk.outbox(mix).contains { $0.text.contains("1 000 Ft") })
        #expect(desk.store.ledgerHolds)
    }

    @Test func topUpRefusalsChangeNothing() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.sms(prepaid, "1430", "UTAL 06303333333 9000 11111").result == "insufficient balance")
        #expect(try desk.sms(prepaid, "1430", "UTAL 06301111111 100 11111").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "UTAL 06201234567 100 11111").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "UTAL 06303333333 100 99999").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func aNewPostpaidSubscriberTopsUpOnceAMonthAtMost3000() throws {
        let desk = try Desk()
        let fresh = MSISDN(canonical: "36306666666")
        try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .postpaid), pin: "66666"))
        #expect(try desk.sms(fresh, "1430", "UTAL 06301111111 3001 66666").status == .refused)
        #expect(try desk.sms(fresh, "1430", "UTAL 06301111111 3000 66666").status == .ok)
        #expect(desk.subscriber(fresh)?.unbilled == 3_000)
        #expect(try desk.sms(fresh, "1430", "UTAL 06301111111 100 66666").status == .refused)
        #expect(desk.store.ledgerHolds)
    }

    @Test func changingThePIN() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "1430", "PIN 11111 12345 54321").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "PIN 11111 12345 12345").status == .ok)
        #expect(try desk.sms(prepaid, "1430", "KOD 11111").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "KOD 12345").status == .ok)
        #expect(desk.state.audit.contains { $0.request.hasSuffix("PIN ***** ***** *****") })
        #expect(!desk.state.audit.contains { $0.request.contains("12345") })
    }

    @Test func languageSwitchChangesTheReplies() throws {
        let desk = try Desk()
        let en = try desk.sms(prepaid, "1430", "LANG EN")
        #expect(en.reply?.contains("English") == true)
        #expect(try desk.sms(prepaid, "1730", "x").reply?.hasPrefix("Balance") == true)
        #expect(try desk.sms(prepaid, "1430", "NYELV HU").reply?.contains("magyarul") == true)
    }
}
