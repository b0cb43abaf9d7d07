import Engine
import Model
import Numbering
import Testing

@Suite("S4 premium MO, S5 premium MT, S15 donations")
struct PremiumTests {
    @Test func premiumMOChargesTheLongestPrefixRate() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "0690123456", "VOTE 1").status == .ok)
        #expect(desk.subscriber(prepaid)?.balance == 4_700)
        try desk.run(.setRate(RateChange(prefix: "3690123", price: 990, kind: .premium)))
        let outcome = try desk.sms(prepaid, "06 90 123 456", "VOTE 2")
        #expect(outcome.result == "charged 990")
        #expect(desk.subscriber(prepaid)?.balance == 3_710)
        #expect(try desk.sms(postpaid, "16123", "x").result == "charged 150")
        #expect(desk.subscriber(postpaid)?.unbilled == 3_600)
        #expect(desk.store.ledgerHolds)
        // The 1730 answer now names the last purchase.
        #expect(try desk.sms(prepaid, "1730", "?").reply?.contains("990 Ft") == true)
    }

    @Test func refusalsOfPremiumMOChangeNothing() throws {
        let desk = try Desk()
        try desk.run(.setRate(RateChange(prefix: "3690999", price: 9_999, kind: .premium)))
        let before = desk.state
        #expect(try desk.sms(minor, "0691123456", "x").result.contains("under 18"))
        #expect(try desk.sms(prepaid, "0690999000", "x").result == "insufficient balance")
        #expect(try desk.sms(prepaid, "0690999000", "x").reply?.contains("9 999 Ft") == true)
        #expect(desk.state.sameApartFromAudit(before))
        // The minor may use a non-adult range.
        #expect(try desk.sms(minor, "0690123456", "x").status == .ok)
    }

    @Test func aSubscriberBarsRangesSeparately() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "1430", "TILT 90").status == .ok)
        #expect(try desk.sms(prepaid, "1430", "tilt 90").status == .refused)
        let before = desk.state
        #expect(try desk.sms(prepaid, "0690123456", "x").result.contains("barred"))
        #expect(desk.state.sameApartFromAudit(before))
        #expect(try desk.sms(prepaid, "0691123456", "x").status == .ok)
        #expect(try desk.sms(prepaid, "1430", "ENGED 90 12345").result.hasPrefix("wrong PIN"))
        #expect(try desk.sms(prepaid, "1430", "ENGED 90 11111").status == .ok)
        #expect(try desk.sms(prepaid, "0690123456", "x").status == .ok)
        // The PIN-protected change sent a security notice.
        #expect(try desk.outbox(prepaid).contains { $0.sender == "1430" })
    }

    @Test func donationsAreNotCoveredByBarsAndMinorsMayGive() throws {
        let desk = try Desk()
        try desk.sms(minor, "1430", "TILT 16")
        #expect(try desk.sms(minor, "13600", "ADOMANY").result == "charged 250")
        #expect(desk.subscriber(minor)?.balance == 1_750)
        #expect(desk.store.ledgerHolds)
    }

    @Test func premiumMTIsBlockedByDefaultWithANotice() throws {
        let desk = try Desk()
        let before = desk.state.subscribers
        let outcome = try desk.mt("0690123456", prepaid)
        #expect(outcome.status == .refused)
        #expect(desk.state.subscribers == before)
        let notice = try #require(try desk.outbox(prepaid).last)
        #expect(notice.text.contains("3690123456"))
        // An ordinary MT passes free.
        #expect(try desk.mt("36209999999", prepaid).result == "delivered")
    }

    @Test func unblockingNeedsThePINAndThenMTIsCharged() throws {
        let desk = try Desk()
        #expect(try desk.sms(prepaid, "1430", "EMELT BE 99999").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "EMELT BE").status == .refused)
        #expect(try desk.mt("0690123456", prepaid).status == .refused)
        #expect(try desk.sms(prepaid, "1430", "emelt be 11111").status == .ok)
        #expect(try desk.mt("0690123456", prepaid).result == "delivered, charged 100")
        #expect(desk.subscriber(prepaid)?.balance == 4_900)
        #expect(try desk.sms(prepaid, "1430", "PREMIUM OFF").status == .ok)
        #expect(try desk.mt("0690123456", prepaid).status == .refused)
        #expect(desk.store.ledgerHolds)
    }

    @Test func minorsNeverGetAdultMTEvenUnblocked() throws {
        let desk = try Desk()
        let unblock = try desk.sms(minor, "1430", "PREMIUM ON 44444")
        #expect(unblock.status == .ok)
        let before = desk.state.subscribers
        #expect(try desk.mt("0691123456", minor).result.contains("under 18"))
        #expect(desk.state.subscribers == before)
        #expect(try desk.mt("0690123456", minor).status == .ok)
    }

    @Test func thePINIsMaskedInTheAudit() throws {
        let desk = try Desk()
        try desk.sms(prepaid, "1430", "EMELT BE 11111")
        let row = try #require(desk.state.audit.last)
        #expect(row.request == "SMS 36301111111 1430 EMELT BE *****")
    }
}
