import Engine
import Model
import Numbering
import Testing

@Suite("Operator commands: rates, subscribers, outbox")
struct OperatorTests {
    @Test func setRateAuditsOldAndNewPrice() throws {
        let desk = try Desk()
        let changed = try desk.run(.setRate(RateChange(prefix: "3690", price: 350, kind: .premium)))
        #expect(changed.result == "rate 3690 premium 300 -> 350")
        #expect(desk.state.audit.last?.outcome == "ok: rate 3690 premium 300 -> 350")
        #expect(try desk.run(.setRate(RateChange(prefix: "3699", price: 10, kind: .premium))).result == "rate 3699 premium new 10")
        // The new price applies to the next command.
        #expect(try desk.sms(prepaid, "0690123456", "x").result == "charged 350")
    }

    /// Issue 12.1: `RATE SET 0691 600 premium` stored the adult range as not adult, and a
    /// minor was then charged 600 Ft for an SMS to 0691.
    @Test func aPriceChangeKeepsTheAdultFlag() throws {
        let desk = try Desk()
        let changed = try desk.run(.setRate(RateChange(prefix: "3691", price: 600, kind: .premium)))
        #expect(changed.result == "rate 3691 premium 500 adult -> 600 adult")
        #expect(try desk.run(.listRates(prefix: "3691")).lines.contains("3691 premium 600 adult"))
        let (before, ledger) = (desk.state.subscribers[minor], desk.state.ledger.count)
        let refused = try desk.sms(minor, "0691000000", "x")
        #expect(refused.status == .refused)
        #expect(desk.state.subscribers[minor] == before)
        #expect(desk.state.ledger.count == ledger)
        // Unmarking is explicit, and the answer says so by the missing flag.
        let unmarked = try desk.run(.setRate(RateChange(prefix: "3691", price: 600, kind: .premium, adult: false)))
        #expect(unmarked.result == "rate 3691 premium 600 adult -> 600")
        #expect(try desk.sms(minor, "0691000000", "x").result == "charged 600")
        // A new rate without a flag is not adult; with one it is.
        #expect(try desk.run(.setRate(RateChange(prefix: "3692", price: 10, kind: .premium))).result == "rate 3692 premium new 10")
        #expect(try desk.run(.setRate(RateChange(prefix: "3693", price: 10, kind: .premium, adult: true))).result
                == "rate 3693 premium new 10 adult")
    }

    /// Issue 12.10: SUB ADD and POST /api/subscribers took a birth date in the future
    /// (PATCH refused it): one check now serves every path.
    @Test func aBirthDateInTheFutureIsRefusedOnEveryPath() throws {
        let desk = try Desk()
        let fresh = MSISDN(canonical: "36306666666")
        let future = CalendarDate(year: 2999, month: 1, day: 1)
        let added = try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .prepaid, birthDate: future), pin: nil))
        #expect(added.status == .invalid)
        #expect(added.result == "birth date 2999-01-01 is in the future")
        #expect(desk.state.subscribers[fresh] == nil)
        let changed = try desk.run(.updateSubscriber(prepaid, ProfileChange(birthDate: future)))
        #expect(changed.result == "birth date 2999-01-01 is in the future")
        #expect(desk.state.subscribers[prepaid]?.birthDate == CalendarDate(year: 1985, month: 3, day: 21))
        // Today is fine (a newborn's line), 1899 is not.
        #expect(try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .prepaid,
                                                       birthDate: CalendarDate(year: 2026, month: 11, day: 21)), pin: nil)).status == .ok)
        #expect(try desk.run(.updateSubscriber(fresh, ProfileChange(birthDate: CalendarDate(year: 1899, month: 12, day: 31)))).status == .invalid)
    }

    @Test func deleteAndList() throws {
        let desk = try Desk()
        #expect(try desk.run(.listRates(prefix: "3690")).lines == ["3690 premium 300", "3690 premium-mt 100"])
        #expect(try desk.run(.deleteRates(prefix: "3690", kind: .premium)).status == .ok)
        #expect(try desk.run(.deleteRates(prefix: "3690", kind: .premium)).status == .refused)
        #expect(try desk.sms(prepaid, "0690123456", "x").status == .refused)
    }

    @Test func addAndShowSubscriber() throws {
        let desk = try Desk()
        let fresh = MSISDN(canonical: "36306666666")
        let added = try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .prepaid,
                                                           birthDate: CalendarDate(year: 2000, month: 1, day: 1), language: .en),
                                                pin: "66666"))
        #expect(added.status == .ok)
        #expect(try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .mix), pin: nil)).status == .refused)
        try desk.sms(fresh, "1430", "TILT 91")
        let shown = try desk.run(.showSubscriber(fresh))
        #expect(shown.lines.contains("product prepaid"))
        #expect(shown.lines.contains("birth 2000-01-01"))
        #expect(shown.lines.contains("setting bar.91 on"))
        #expect(shown.lines.contains("pin set, 0 wrong in a row"))
        #expect(try desk.run(.showSubscriber(stranger)).status == .unknownSubscriber)
    }

    @Test func outboxHandsEachMessageOverOnce() throws {
        let desk = try Desk()
        try desk.sms(prepaid, "1430", "HIVJ 06201234567")
        try desk.mt("0690123456", postpaid)
        let all = try desk.run(.outbox(recipient: nil, limit: 100), account: "simulator")
        #expect(all.lines.count == 2)
        #expect(all.lines[0].hasPrefix("1 36301111111 36201234567 "))
        #expect(try desk.run(.outbox(recipient: nil, limit: 100), account: "simulator").lines.isEmpty)
    }

    @Test func updateSubscriberChangesLanguageStatusAndBirthAndAuditsEachChange() throws {
        let desk = try Desk()
        let before = try #require(desk.subscriber(prepaid))
        let changed = try desk.run(.updateSubscriber(prepaid, ProfileChange(
            language: .en, status: .suspended, birthDate: CalendarDate(year: 1990, month: 2, day: 28))))
        #expect(changed.status == .ok)
        #expect(changed.result == "subscriber 36301111111 lang hu -> en, status active -> suspended, birth 1985-03-21 -> 1990-02-28")
        #expect(desk.state.audit.last?.outcome == "ok: " + changed.result)
        #expect(desk.state.audit.last?.msisdn == "36301111111")
        let after = try #require(desk.subscriber(prepaid))
        #expect(after.language == .en && after.status == .suspended && after.birthDate?.iso == "1990-02-28")
        // Money is untouched.
        #expect(after.balance == before.balance && after.universalBalance == before.universalBalance)
        // Suspended now: only 1730 works, and the reply is in English.
        #expect(try desk.sms(prepaid, "777", "SPORT").result == "suspended")
        #expect(try desk.sms(prepaid, "1730", "x").reply?.hasPrefix("Balance") == true)
    }

    @Test func updateSubscriberRefusesNothingUnknownAndFutureBirthDatesAndChangesNothing() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.run(.updateSubscriber(prepaid, ProfileChange())).status == .invalid)
        let future = try desk.run(.updateSubscriber(prepaid, ProfileChange(birthDate: CalendarDate(year: 2030, month: 1, day: 1))))
        #expect(future.status == .invalid)
        #expect(future.result == "birth date 2030-01-01 is in the future")
        #expect(try desk.run(.updateSubscriber(stranger, ProfileChange(language: .en))).status == .unknownSubscriber)
        #expect(desk.state.sameApartFromAudit(before))
        #expect(desk.state.audit.count == before.audit.count + 3)
        // The same values again: ok, and nothing to write.
        let same = try desk.run(.updateSubscriber(prepaid, ProfileChange(language: .hu, status: .active)))
        #expect(same.status == .ok)
        #expect(same.result == "subscriber 36301111111 unchanged")
    }

    @Test func theRecordHoldsWhatSubShowListsButNoSecret() throws {
        let desk = try Desk()
        try desk.sms(prepaid, "777", "SPORT")
        try desk.sms(prepaid, "1430", "KOD 11111")
        try desk.sms(prepaid, "1430", "TILT 91")
        try desk.store.write { try $0.setSetting("cb.password", to: PasswordHash.make("1234", rounds: 1000), of: prepaid) }
        let record = try #require(try desk.store.write { try desk.engine.subscriberRecord(prepaid, in: $0) })
        #expect(record.subscriber.msisdn == prepaid)
        #expect(record.subscriber.balance == desk.subscriber(prepaid)?.balance)
        #expect(record.pin == SubscriberRecord.PIN(isSet: true, failures: 0, lockedUntil: nil))
        #expect(record.subscriptions.map(\.service) == ["777:SPORT"])
        let settings = Dictionary(uniqueKeysWithValues: record.settings.map { ($0.key, $0.value) })
        #expect(settings["bar.91"] == .some("on"))
        // The purchase code is there, its value is not.
        #expect(settings.keys.contains("purchase.code"))
        #expect(settings["purchase.code"] == .some(nil))
        #expect(settings["cb.password"] == .some(nil))
        let shown = try desk.run(.showSubscriber(prepaid)).lines
        #expect(shown.contains("setting purchase.code (set)"))
        #expect(shown.contains("setting cb.password (set)"))
        #expect(shown.contains("setting bar.91 on"))
        #expect(try desk.store.write { try desk.engine.subscriberRecord(stranger, in: $0) } == nil)
    }
}

