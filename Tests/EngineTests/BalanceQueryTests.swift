import Engine
import Model
import Numbering
import Testing

@Suite("S6: the 1730 balance query")
struct BalanceQueryTests {
    func ask(_ from: MSISDN, _ store: InMemoryStore, text: String = "EGYENLEG") throws -> Outcome {
        let engine = try makeEngine()
        return try store.write { tx in
            try engine.execute(.sms(from: from, to: .shortCode("1730"), text: text), context("SMS \(from) 1730 \(text)"), in: tx)
        }
    }

    @Test func prepaidGetsBalanceUniversalAndLastPurchaseInHungarian() throws {
        let store = try makeStore()
        let outcome = try ask(prepaid, store)
        #expect(outcome.status == .ok)
        #expect(outcome.reply == "Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. Utolsó vásárlás: 2026.11.18., 300 Ft.")
    }

    @Test func postpaidInEnglishGetsUnbilledAndLastBill() throws {
        let outcome = try ask(postpaid, try makeStore())
        #expect(outcome.status == .ok)
        #expect(outcome.reply == "Unbilled this month: 3 450 Ft. Last bill (October 2026): 8 990 Ft.")
    }

    @Test func postpaidWithoutBillSaysSo() throws {
        let store = try makeStore()
        let fresh = MSISDN(canonical: "36307777777")
        try store.write { tx in try tx.addSubscriber(Subscriber(msisdn: fresh, product: .postpaid), pin: PINRecord(hash: nil)) }
        let outcome = try ask(fresh, store)
        #expect(outcome.reply == "Aktuális számlaállás: 0 Ft. Lezárt számla még nincs.")
    }

    @Test func mixGetsWhatIsLeftOfTheAllowance() throws {
        let outcome = try ask(mix, try makeStore())
        #expect(outcome.reply == "Mix keretből még felhasználható: 2 600 Ft. Egyenleg: 1 500 Ft, univerzális egyenleg: 0 Ft.")
    }

    @Test func anyTextWorksAndNothingButTheAuditChanges() throws {
        let store = try makeStore()
        let before = store.state
        let outcome = try ask(prepaid, store, text: "  mennyi a pénzem?? ")
        #expect(outcome.status == .ok)
        #expect(store.state.subscribers == before.subscribers)
        #expect(store.state.ledger == before.ledger)
        #expect(store.state.audit.count == before.audit.count + 1)
        let audit = try #require(store.state.audit.last)
        #expect(audit.msisdn == prepaid.digits)
        #expect(audit.outcome == "ok: balance")
    }

    @Test func unknownSubscriberIsRefusedAndAudited() throws {
        let store = try makeStore()
        let before = store.state
        let outcome = try ask(stranger, store)
        #expect(outcome.status == .unknownSubscriber)
        #expect(outcome.reply == "A(z) 36309999999 hívószám nem szerepel az előfizetők között.")
        #expect(store.state.subscribers == before.subscribers)
        #expect(store.state.ledger == before.ledger)
        #expect(store.state.audit.last?.outcome == "unknown subscriber")
    }

    @Test func otherDestinationsAreRefusedWithAReason() throws {
        let store = try makeStore()
        let engine = try makeEngine()
        let outcome = try store.write { tx in
            try engine.execute(.sms(from: postpaid, to: .shortCode("9999"), text: "X"), context("SMS"), in: tx)
        }
        #expect(outcome.status == .refused)
        #expect(outcome.reply == "There is no service at 9999.")
    }
}

@Suite("Forints and dates")
struct FormattingTests {
    @Test(arguments: [(0, "0 Ft"), (999, "999 Ft"), (1_250, "1 250 Ft"), (100_000, "100 000 Ft"),
                      (1_234_567, "1 234 567 Ft"), (-300, "-300 Ft"), (-1_000, "-1 000 Ft")])
    func money(amount: Int64, text: String) {
        #expect(Money.format(amount) == text)
    }

    @Test func int64ExtremesDoNotCrash() {
        #expect(Money.format(.min) == "-9 223 372 036 854 775 808 Ft")
        #expect(Money.format(.max) == "9 223 372 036 854 775 807 Ft")
    }

    @Test func budapestDatesFollowSummerTime() {
        // 2026-03-29 00:30 UTC is 01:30 CET, still the 29th; 2026-06-30 22:30 UTC is 07-01 in CEST.
        #expect(CivilTime.budapestDate(1_774_744_200) == CalendarDate(year: 2026, month: 3, day: 29))
        #expect(CivilTime.budapestDate(1_782_858_600) == CalendarDate(year: 2026, month: 7, day: 1))
        // 2026-12-31 23:30 UTC is already 2027-01-01 in Budapest.
        #expect(CivilTime.budapestDate(1_798_759_800) == CalendarDate(year: 2027, month: 1, day: 1))
        #expect(CivilTime.date(days: 0) == CalendarDate(year: 1970, month: 1, day: 1))
        #expect(CivilTime.days(year: 2000, month: 2, day: 29) == 11_016)
    }
}
