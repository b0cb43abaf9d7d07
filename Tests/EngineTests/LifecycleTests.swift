import Engine
import Model
import Numbering
import Testing

/// Bills, product changes, the Mix allowance and the end of a subscriber (issue 18):
/// money moves only through the ledger, and a refusal changes nothing.
@Suite("Subscriber lifecycle and bills")
struct LifecycleTests {
    @discardableResult
    func run(_ desk: Desk, _ command: Command, at time: Int64 = now) throws -> Outcome {
        try desk.store.write { tx in
            try desk.engine.execute(command, RequestContext(channel: "test", account: "ops", now: time), in: tx)
        }
    }

    /// The state without the audit, which every command (a refusal too) appends to.
    func unaudited(_ desk: Desk) -> InMemoryStore.State {
        var state = desk.store.state
        state.audit = []
        return state
    }

    // MARK: Bills

    @Test func aMonthClosesOnceIntoTheBillThe1730AnswerShows() throws {
        let desk = try Desk()
        // `now` is 2026-11-21: October has a bill; a new postpaid subscriber's October closes.
        let fresh = MSISDN(canonical: "36309990002")
        // A subscriber since September: October is its to bill.
        try run(desk, .addSubscriber(Subscriber(msisdn: fresh, product: .postpaid), pin: nil), at: now - 70 * 86_400)
        #expect(try desk.sms(fresh, "06901234567", "VOTE").result == "charged 300")
        let closed = try run(desk, .closeBills(BillRun(period: BillRun.lastMonth, msisdn: fresh)))
        #expect(closed.status == .ok && closed.result == "bill 36309990002 2026-10 300")
        #expect(desk.store.state.subscribers[fresh]?.unbilled == 0)
        #expect(desk.store.state.ledger.last == LedgerEntry(msisdn: fresh, bucket: .unbilled, amount: -300, kind: .bill,
                                                             reference: "BILL 2026-10", at: now))
        #expect(desk.store.ledgerHolds)
        let balance = try desk.sms(fresh, "1730", "EGYENLEG", at: now)
        #expect(balance.reply?.contains("(2026. október): 300 Ft") == true, "\(balance.reply ?? "")")
        // Again: the same answer, nothing new.
        let before = unaudited(desk)
        let again = try run(desk, .closeBills(BillRun(period: "2026-10", msisdn: fresh)))
        #expect(again.result == "bill 36309990002 2026-10 300, closed before")
        #expect(unaudited(desk) == before)
    }

    @Test func aSubscriberSinceALaterMonthHasNoBillOfIt() throws {
        let desk = try Desk()
        let fresh = MSISDN(canonical: "36309990003")
        try run(desk, .addSubscriber(Subscriber(msisdn: fresh, product: .postpaid), pin: nil))
        let before = unaudited(desk)
        let one = try run(desk, .closeBills(BillRun(period: "2026-10", msisdn: fresh)))
        #expect(one.status == .refused && one.result == "a subscriber since 2026-11: nothing of 2026-10 to bill")
        let all = try run(desk, .closeBills(BillRun(period: "2026-10")))
        #expect(all.result == "closed 0 bills of 2026-10, 0 Ft; 1 closed before; 1 joined later; 0 skipped")
        #expect(unaudited(desk) == before)
    }

    @Test(arguments: [
        (BillRun(period: "2026-11"), Outcome.Status.invalid, "2026-11 has not ended: months before 2026-11 can be closed"),
        (BillRun(period: "2027-01"), .invalid, "2027-01 has not ended: months before 2026-11 can be closed"),
        (BillRun(period: "2026-1x"), .invalid, "the month is YYYY-MM (2026-10) or last"),
        (BillRun(period: "2026-09", msisdn: postpaid), .refused, "2026-10 is closed already"),
        (BillRun(period: "2026-10", msisdn: prepaid), .refused, "not postpaid"),
        (BillRun(period: "2026-10", msisdn: stranger), .unknownSubscriber, "unknown subscriber"),
        (BillRun(period: "2026-10", limit: 0), .invalid, "limit: 1 to 10000"),
    ])
    func refusedRunsChangeNothing(_ run: BillRun, _ status: Outcome.Status, _ result: String) throws {
        let desk = try Desk()
        let before = unaudited(desk)
        let outcome = try self.run(desk, .closeBills(run))
        #expect(outcome.status == status && outcome.result == result)
        #expect(unaudited(desk) == before)
    }

    @Test func aRunOverEveryoneGoesAPageAtATimeAndCanBeRunAgain() throws {
        let desk = try Desk()
        let numbers = (0..<25).map { MSISDN(canonical: "363077700\(String(format: "%02d", $0))") }
        try desk.store.write { tx in
            for (i, m) in numbers.enumerated() {
                try tx.addSubscriber(Subscriber(msisdn: m, product: i % 5 == 0 ? .prepaid : .postpaid), pin: PINRecord(hash: nil))
                if i % 5 != 0 {
                    try tx.post(LedgerEntry(msisdn: m, bucket: .unbilled, amount: Int64(100 + i), kind: .charge, at: now))
                }
            }
        }
        // 20 new postpaid + the fixture's (October closed before); pages of 7.
        var after: String?
        var closed = 0, pages = 0
        repeat {
            let outcome = try run(desk, .closeBills(BillRun(period: "2026-10", after: after, limit: 7)))
            #expect(outcome.status == .ok)
            pages += 1
            closed += Int(outcome.result.split(separator: " ")[1])!
            after = outcome.result.range(of: "more: after=").map { String(outcome.result[$0.upperBound...]) }
        } while after != nil && pages < 10
        #expect(closed == 20 && pages == 3)
        for (i, m) in numbers.enumerated() where i % 5 != 0 {
            #expect(desk.store.state.bills[m] == [Bill(period: "2026-10", amount: Int64(100 + i))])
            #expect(desk.store.state.subscribers[m]?.unbilled == 0)
        }
        #expect(desk.store.ledgerHolds)
        // A run stopped half-way and run again closes nothing twice.
        let before = unaudited(desk)
        let again = try run(desk, .closeBills(BillRun(period: "2026-10")))
        #expect(again.result == "closed 0 bills of 2026-10, 0 Ft; 21 closed before; 0 joined later; 0 skipped")
        #expect(unaudited(desk) == before)
    }

    // MARK: Products and the allowance

    @Test func aProductChangeMovesMoneyThroughTheLedger() throws {
        let desk = try Desk()
        // Prepaid to postpaid: the balance goes to the universal balance.
        let toPostpaid = try run(desk, .updateSubscriber(prepaid, ProfileChange(product: .postpaid)))
        #expect(toPostpaid.result == "subscriber 36301111111 product prepaid -> postpaid, balance 5000 to universal")
        let p = try #require(desk.store.state.subscribers[prepaid])
        #expect(p.product == .postpaid && p.balance == 0 && p.universalBalance == 6_000)
        // Postpaid to Mix: the unbilled amount is this month's final bill.
        let toMix = try run(desk, .updateSubscriber(postpaid, ProfileChange(product: .mix, allowance: 3_000)))
        #expect(toMix.result == "subscriber 36302222222 product postpaid -> mix, final bill 2026-11 3450, allowance 0 -> 3000")
        #expect(desk.store.state.bills[postpaid]?.contains(Bill(period: "2026-11", amount: 3_450)) == true)
        #expect(desk.store.state.subscribers[postpaid]?.unbilled == 0)
        // Mix to prepaid: the allowance left is written off, the balance stays.
        let toPrepaid = try run(desk, .updateSubscriber(mix, ProfileChange(product: .prepaid)))
        #expect(toPrepaid.result == "subscriber 36303333333 product mix -> prepaid, allowance 2600 written off")
        #expect(desk.store.state.subscribers[mix].map { ($0.balance, $0.allowance) } ?? (0, 1) == (1_500, 0))
        #expect(desk.store.ledgerHolds)
        #expect(desk.store.state.audit.last?.request == "SUB SET 36303333333 product=prepaid")
    }

    @Test(arguments: [
        (prepaid, ProfileChange(allowance: 100), Outcome.Status.refused, "an allowance is Mix's: subscriber 36301111111 is prepaid"),
        (mix, ProfileChange(product: .postpaid, allowance: 100), .refused, "an allowance is Mix's: subscriber 36303333333 is postpaid"),
        (mix, ProfileChange(allowance: 1_000_001), .invalid, "allowance: 0 to 1000000"),
        (mix, ProfileChange(allowance: -1), .invalid, "allowance: 0 to 1000000"),
        (mix, ProfileChange(status: .terminated), .invalid, "a subscriber is ended with SUB END, not a status"),
        (stranger, ProfileChange(product: .mix), .unknownSubscriber, "unknown subscriber"),
    ])
    func refusedChangesChangeNothing(_ msisdn: MSISDN, _ change: ProfileChange, _ status: Outcome.Status, _ result: String) throws {
        let desk = try Desk()
        let before = unaudited(desk)
        let outcome = try run(desk, .updateSubscriber(msisdn, change))
        #expect(outcome.status == status && outcome.result == result)
        #expect(unaudited(desk) == before)
    }

    @Test func aChangeThatWouldOverflowTheUniversalBalanceIsRefused() throws {
        let desk = try Desk()
        try desk.store.write { tx in
            try tx.post(LedgerEntry(msisdn: prepaid, bucket: .universal, amount: .max - 1_000, kind: .opening, at: now))
        }
        let before = unaudited(desk)
        let outcome = try run(desk, .updateSubscriber(prepaid, ProfileChange(product: .postpaid)))
        #expect(outcome.status == .refused && outcome.result == "the universal balance would overflow")
        #expect(unaudited(desk) == before)
    }

    // MARK: The end, and a number given again

    @Test func anEndedSubscriberIsUnknownToTheNetworkAndRefusedToOperators() throws {
        let desk = try Desk()
        try run(desk, .updateSubscriber(postpaid, ProfileChange(language: .hu)))
        #expect(try desk.sms(postpaid, "777", "SPORT").status == .ok)
        let ended = try run(desk, .endSubscriber(postpaid))
        #expect(ended.result == "subscriber 36302222222 terminated; final bill 2026-11 3950, subscriptions ended: 777:SPORT, "
                + "number reusable from 2027-05-20")
        let s = try #require(desk.store.state.subscribers[postpaid])
        #expect(s.status == .terminated && Bucket.allCases.allSatisfy { s[$0] == 0 })
        #expect(desk.store.state.subscriptions[postpaid] == nil && desk.store.state.pins[postpaid]?.hash == nil)
        #expect(desk.store.ledgerHolds)
        let before = unaudited(desk)
        #expect(try desk.sms(postpaid, "1730", "EGYENLEG").status == .unknownSubscriber)
        #expect(try desk.ussd(postpaid, "*102#").status == .unknownSubscriber)
        #expect(try run(desk, .mt(from: Destination(parsing: "0690123456")!, to: postpaid, text: "hi")).status == .unknownSubscriber)
        #expect(try desk.sms(prepaid, "1430", "UNIV 11111 06302222222 500").status == .refused)
        #expect(try run(desk, .topUp(postpaid, amount: 500)).result == "terminated")
        #expect(try run(desk, .pin(postpaid, .reset)).result == "terminated")
        #expect(try run(desk, .updateSubscriber(postpaid, ProfileChange(language: .en))).status == .refused)
        #expect(try run(desk, .endSubscriber(postpaid)).status == .refused)
        #expect(try run(desk, .closeBills(BillRun(period: "2026-10", msisdn: postpaid))).result == "terminated")
        #expect(try run(desk, .addSubscriber(Subscriber(msisdn: postpaid, product: .prepaid), pin: nil)).result
                == "number 36302222222 was terminated on 2026-11-21, in quarantine until 2027-05-20")
        var after = unaudited(desk)
        // The refused S13 transfer changed nothing of the sender either.
        after.outbox = before.outbox
        #expect(after == before)
    }

    @Test func aNumberOutOfQuarantineStartsAfresh() throws {
        let desk = try Desk()
        try run(desk, .endSubscriber(postpaid))
        let later = now + Engine.numberQuarantineDays * 86_400
        let reused = try run(desk, .addSubscriber(Subscriber(msisdn: postpaid, product: .prepaid, language: .hu), pin: "24680"), at: later)
        #expect(reused.status == .ok && reused.result == "subscriber 36302222222 added (number reused, terminated 2026-11-21)")
        let s = try #require(desk.store.state.subscribers[postpaid])
        #expect(s.status == .active && s.product == .prepaid && Bucket.allCases.allSatisfy { s[$0] == 0 })
        #expect(desk.store.state.bills[postpaid] == nil)
        #expect(desk.store.ledgerHolds)
        let balance = try desk.store.write { tx in
            try desk.engine.execute(.sms(from: postpaid, to: Destination(parsing: "1730")!, text: "EGYENLEG"),
                                    RequestContext(channel: "test", account: "simulator", now: later), in: tx)
        }
        #expect(balance.status == .ok && balance.reply?.contains("számla") == false)
    }
}
