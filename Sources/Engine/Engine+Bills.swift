import Model
import Numbering

/// Closing a postpaid month (issue 18): what the month used (`unbilled`) becomes the
/// month's bill, through a `bill` ledger row, so the 1730 answer shows it as the last
/// closed bill. Rules, in docs/OPERATIONS.md "Bills":
/// - only a month that has ended (Budapest time) closes: October from November 1 on;
/// - a month closes once per subscriber: closing it again answers as before and
///   changes nothing (a billing run that stopped half-way is simply run again);
/// - a month before one already closed is refused (the months close in order);
/// - whatever is unbilled at the close goes on the bill, usage of the days since the
///   month ended included: operators close a month on its first days.
extension Engine {
    func closeBills(_ request: BillRun, _ context: RequestContext, _ tx: any StoreTransaction) throws -> Outcome {
        guard BillRun.period(request.period) != nil else { return .invalid("the month is YYYY-MM (2026-10) or last") }
        let today = CivilTime.budapestDate(context.now)
        let current = String(today.iso.prefix(7))
        var run = request
        if run.period == BillRun.lastMonth {
            let year = today.month == 1 ? today.year - 1 : today.year, month = today.month == 1 ? 12 : today.month - 1
            run.period = String(CalendarDate(year: year, month: month, day: 1).iso.prefix(7))
        }
        guard run.period < current else {
            return .invalid("\(run.period) has not ended: months before \(current) can be closed")
        }
        if let msisdn = run.msisdn {
            guard let s = try tx.subscriber(msisdn) else {
                return .unknownSubscriber(messages(.en).render("subscriber.unknown", ["msisdn": msisdn.digits]))
            }
            switch try closeBill(of: s, run.period, context, tx) {
            case .closed(let amount): return .ok(nil, result: "bill \(msisdn.digits) \(run.period) \(amount)")
            case .alreadyClosed(let amount):
                return .ok(nil, result: "bill \(msisdn.digits) \(run.period) \(amount), closed before")
            case .refused(let reason): return .refused(nil, reason: reason)
            case .joinedLater(let month): return .refused(nil, reason: "a subscriber since \(month): nothing of \(run.period) to bill")
            }
        }
        guard (1...BillRun.maximumLimit).contains(run.limit) else { return .invalid("limit: 1 to \(BillRun.maximumLimit)") }
        var query = SubscriberQuery(product: .postpaid, after: run.after, limit: run.limit + 1)
        query.limit = run.limit + 1
        var page = try tx.subscribers(matching: query)
        let more = page.count > run.limit
        if more { page.removeLast() }
        var closed = 0, before = 0, later = 0, skipped: [String] = [], total: Int64 = 0
        for s in page {
            switch try closeBill(of: s, run.period, context, tx) {
            case .closed(let amount):
                closed += 1
                total += amount
            case .alreadyClosed: before += 1
            case .joinedLater: later += 1
            case .refused(let reason): skipped.append("\(s.msisdn.digits) \(reason)")
            }
        }
        var result = "closed \(closed) bill\(closed == 1 ? "" : "s") of \(run.period), \(total) Ft; \(before) closed before; \(later) joined later; \(skipped.count) skipped"
        if more, let last = page.last { result += ", more: after=\(last.msisdn.digits)" }
        return .ok(nil, result: result, lines: skipped)
    }

    enum BillClosing: Equatable {
        case closed(Int64)
        case alreadyClosed(Int64)
        /// A subscriber since a later month: nothing of this month to bill.
        case joinedLater(String)
        case refused(String)
    }

    /// One subscriber's month: the bill row and the ledger row that empties `unbilled`.
    func closeBill(of s: Subscriber, _ period: String, _ context: RequestContext,
                   _ tx: any StoreTransaction) throws -> BillClosing {
        let last = try tx.lastBill(of: s.msisdn)
        if let last, last.period == period { return .alreadyClosed(last.amount) }
        guard s.status != .terminated else { return .refused("terminated") }
        guard s.product == .postpaid else { return .refused("not postpaid") }
        if let last, last.period > period { return .refused("\(last.period) is closed already") }
        if let since = try tx.setting(Engine.sinceSetting, of: s.msisdn).flatMap({ Int64($0) }) {
            let joined = String(CivilTime.budapestDate(since).iso.prefix(7))
            if joined > period { return .joinedLater(joined) }
        }
        try bill(s, s.unbilled, period: period, reference: "BILL \(period)", context, tx)
        return .closed(s.unbilled)
    }

    /// Moves `amount` of `unbilled` onto the bill of `period` (added to one that exists:
    /// a final bill in a month already billed), ledger row first.
    func bill(_ s: Subscriber, _ amount: Int64, period: String, reference: String,
              _ context: RequestContext, _ tx: any StoreTransaction) throws {
        if amount != 0 {
            try tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .unbilled, amount: -amount, kind: .bill,
                                    reference: reference, at: context.now))
        }
        let existing = try tx.lastBill(of: s.msisdn).flatMap { $0.period == period ? $0.amount : nil } ?? 0
        try tx.addBill(Bill(period: period, amount: existing + amount), of: s.msisdn)
    }
}
