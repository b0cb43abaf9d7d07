import Model
import Numbering

/// A subscriber's life as an operator changes it (issue 18): product changes, the Mix
/// allowance, the end of a subscription to the network, and a terminated number given
/// to someone new. Money moves only through the ledger; the rules are in
/// docs/OPERATIONS.md "Subscribers".
extension Engine {
    /// How long a terminated number rests before `SUB ADD` may give it to someone new:
    /// calls and texts meant for the old subscriber die out first (Hungarian operators
    /// quarantine a number for months; six are the default here).
    public static let numberQuarantineDays: Int64 = 180

    /// Setting holding the Unix time of the termination.
    static let terminatedSetting = "terminated"

    /// The subscriber the network serves: `nil` for an unknown number and for a
    /// terminated one, which every subscriber-facing command treats as unknown.
    func liveSubscriber(_ msisdn: MSISDN, _ tx: any StoreTransaction) throws -> Subscriber? {
        guard let s = try tx.subscriber(msisdn), s.status != .terminated else { return nil }
        return s
    }

    /// The highest Mix allowance an operator may set, forints.
    public static let maximumAllowance = Limits.maximumAllowance

    /// A product change, through the ledger, described for the audit row:
    /// - to `postpaid`: the prepaid/Mix balance goes to the universal balance
    ///   (`transfer`), a Mix allowance left is written off (`writeoff`);
    /// - from `postpaid`: what is unbilled becomes the bill of the current month
    ///   (`bill`, a final bill);
    /// - Mix to prepaid: the allowance left is written off; prepaid to Mix: the balance
    ///   stays as Mix's topped-up balance and the allowance starts at 0.
    func changeProduct(_ s: inout Subscriber, to product: Product, _ context: RequestContext,
                       _ tx: any StoreTransaction) throws -> [String]? {
        guard product != s.product else { return [] }
        let reference = "SUB SET product=\(product.rawValue)"
        var moved: [String] = []
        if product == .postpaid, s.balance != 0 {
            guard !s.universalBalance.addingReportingOverflow(s.balance).overflow else { return nil }
            try tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .balance, amount: -s.balance, kind: .transfer,
                                    reference: reference, at: context.now))
            try tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .universal, amount: s.balance, kind: .transfer,
                                    reference: reference, at: context.now))
            moved.append("balance \(s.balance) to universal")
            s.universalBalance += s.balance
            s.balance = 0
        }
        if s.product == .mix, s.allowance != 0 {
            try tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .allowance, amount: -s.allowance, kind: .writeoff,
                                    reference: reference, at: context.now))
            moved.append("allowance \(s.allowance) written off")
            s.allowance = 0
        }
        if s.product == .postpaid {
            let period = String(CivilTime.budapestDate(context.now).iso.prefix(7))
            try bill(s, s.unbilled, period: period, reference: "\(reference) final bill", context, tx)
            moved.append("final bill \(period) \(s.unbilled)")
            s.unbilled = 0
        }
        defer { s.product = product }
        return ["product \(s.product.rawValue) -> \(product.rawValue)"] + moved
    }

    /// Sets what is left of a Mix subscriber's allowance this month (`allowance` row of
    /// the difference).
    func setAllowance(_ s: inout Subscriber, to amount: Int64, _ context: RequestContext,
                      _ tx: any StoreTransaction) throws -> [String] {
        guard amount != s.allowance else { return [] }
        try tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .allowance, amount: amount - s.allowance, kind: .allowance,
                                reference: "SUB SET allowance=\(amount)", at: context.now))
        defer { s.allowance = amount }
        return ["allowance \(s.allowance) -> \(amount)"]
    }

    /// `SUB END`: the subscriber leaves the network. Every bucket goes to 0 through the
    /// ledger (unbilled as the final bill of this month, the rest written off), its
    /// subscriptions, settings, PIN and counters go, and the row stays, `terminated`,
    /// for the ledger, the audit and the bills.
    func endSubscriber(_ msisdn: MSISDN, _ context: RequestContext, _ tx: any StoreTransaction) throws -> Outcome {
        guard var s = try tx.subscriber(msisdn) else {
            return .unknownSubscriber(messages(.en).render("subscriber.unknown", ["msisdn": msisdn.digits]))
        }
        guard s.status != .terminated else { return .refused(nil, reason: "subscriber \(msisdn.digits) is terminated already") }
        var moved: [String] = []
        let reference = "SUB END"
        if s.unbilled != 0 {
            let period = String(CivilTime.budapestDate(context.now).iso.prefix(7))
            try bill(s, s.unbilled, period: period, reference: "\(reference) final bill", context, tx)
            moved.append("final bill \(period) \(s.unbilled)")
        }
        for bucket in [Bucket.balance, .universal, .allowance] where s[bucket] != 0 {
            try tx.post(LedgerEntry(msisdn: msisdn, bucket: bucket, amount: -s[bucket], kind: .writeoff,
                                    reference: reference, at: context.now))
            moved.append("\(bucket.rawValue) \(s[bucket]) written off")
        }
        let subscriptions = try tx.subscriptions(of: msisdn).map(\.service)
        if !subscriptions.isEmpty { moved.append("subscriptions ended: \(subscriptions.joined(separator: " "))") }
        try tx.forgetSubscriber(msisdn, bills: false)
        s.status = .terminated
        try tx.updateProfile(s)
        try tx.setSetting(Engine.terminatedSetting, to: String(context.now), of: msisdn)
        let reusable = context.now + Engine.numberQuarantineDays * 86_400
        moved.append("number reusable from \(CivilTime.budapestDate(reusable).iso)")
        return .ok(nil, result: "subscriber \(msisdn.digits) terminated; " + moved.joined(separator: ", "))
    }

    /// `SUB ADD` over a terminated number: refused during the quarantine, else the row
    /// starts again for the new subscriber (its old ledger rows stay: they sum to 0, as
    /// the termination left every bucket).
    func reuseNumber(of old: Subscriber, for subscriber: Subscriber, pin: String?, _ context: RequestContext,
                     _ tx: any StoreTransaction) throws -> Outcome {
        let ended = try tx.setting(Engine.terminatedSetting, of: old.msisdn).flatMap { Int64($0) } ?? 0
        let reusable = ended + Engine.numberQuarantineDays * 86_400
        guard context.now >= reusable else {
            return .refused(nil, reason: "number \(old.msisdn.digits) was terminated on \(CivilTime.budapestDate(ended).iso), "
                + "in quarantine until \(CivilTime.budapestDate(reusable).iso)")
        }
        try tx.forgetSubscriber(old.msisdn, bills: true)
        var fresh = subscriber
        fresh.status = subscriber.status == .terminated ? .active : subscriber.status
        try tx.updateProfile(fresh)
        try tx.setPIN(PINRecord(hash: pin.map { PasswordHash.make($0) }), of: old.msisdn)
        try tx.setSetting(Engine.sinceSetting, to: String(context.now), of: old.msisdn)
        return .ok(nil, result: "subscriber \(old.msisdn.digits) added (number reused, terminated \(CivilTime.budapestDate(ended).iso))")
    }
}
