import Model
import Numbering

/// Operator commands: top-ups, the rate table, subscribers, and the network's outbox
/// collection. Their answers are for the requester (`lines`), not subscriber SMS.
extension Engine {
    /// Setting holding the Unix time the subscriber was added by `SUB ADD`.
    static let sinceSetting = "since"

    /// Adds forints to a prepaid (or Mix top-up) balance, with its ledger row.
    func topUp(_ msisdn: MSISDN, amount: Int64, _ context: RequestContext, _ tx: any StoreTransaction) throws -> Outcome {
        let lang = messages(.en)
        guard amount > 0 else { return .invalid("amount must be positive") }
        guard let subscriber = try tx.subscriber(msisdn) else {
            return .unknownSubscriber(lang.render("subscriber.unknown", ["msisdn": msisdn.digits]))
        }
        guard subscriber.status != .terminated else { return .refused(nil, reason: "terminated") }
        guard subscriber.product != .postpaid else {
            return .refused(lang.render("topup.postpaid", ["msisdn": msisdn.digits]), reason: "postpaid")
        }
        guard !subscriber.balance.addingReportingOverflow(amount).overflow else {
            return .refused(lang.render("topup.overflow"), reason: "overflow")
        }
        let balance = try tx.post(LedgerEntry(
            msisdn: msisdn, bucket: .balance, amount: amount, kind: .topup,
            reference: context.account.map { "TOPUP by \($0)" } ?? "TOPUP", at: context.now))
        return .ok(nil, result: "balance \(balance)")
    }

    // MARK: Rates

    /// Sets a rate; the audit row (written by ``execute(_:_:in:)``) carries the old and
    /// the new price through the result.
    /// The answer states the resulting rate, flags included.
    func setRate(_ change: RateChange, _ tx: any StoreTransaction) throws -> Outcome {
        guard !change.prefix.isEmpty, change.prefix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .invalid("malformed prefix")
        }
        guard change.price >= 0 else { return .invalid("price must not be negative") }
        let stored = try tx.rates(prefix: change.prefix).first { $0.prefix == change.prefix && $0.kind == change.kind }
        let rate = change.applied(to: stored)
        let previous = try tx.setRate(rate)
        let adult = rate.adult ? " adult" : ""
        if let previous {
            let was = previous.adult ? " adult" : ""
            return .ok(nil, result: "rate \(rate.prefix) \(rate.kind.rawValue) \(previous.price)\(was) -> \(rate.price)\(adult)")
        }
        return .ok(nil, result: "rate \(rate.prefix) \(rate.kind.rawValue) new \(rate.price)\(adult)")
    }

    func deleteRates(prefix: String, kind: RateKind?, _ tx: any StoreTransaction) throws -> Outcome {
        let deleted = try tx.deleteRates(prefix: prefix, kind: kind)
        guard !deleted.isEmpty else {
            return .refused(nil, reason: "no rate for \(prefix)\(kind.map { " " + $0.rawValue } ?? "")")
        }
        let what = deleted.map { "\($0.kind.rawValue) \($0.price)" }.joined(separator: ", ")
        return .ok(nil, result: "deleted \(prefix): \(what)", lines: deleted.map(Engine.describe))
    }

    func listRates(prefix: String?, _ tx: any StoreTransaction) throws -> Outcome {
        let rates = try tx.rates(prefix: prefix)
        return .ok(nil, result: "\(rates.count) rates", lines: rates.map(Engine.describe))
    }

    /// `3690 premium 300`, `3691 premium 500 adult`: the words of `RATE SET`.
    static func describe(_ rate: Rate) -> String {
        "\(rate.prefix) \(rate.kind.rawValue) \(rate.price)\(rate.adult ? " adult" : "")"
    }

    // MARK: Subscribers

    /// Why a birth date cannot be a subscriber's: the one check of `SUB ADD`, `POST` and
    /// `PATCH /api/subscribers` (the age rule of §3.9 reads it).
    static func birthDateProblem(_ birth: CalendarDate?, now: Int64) -> String? {
        guard let birth else { return nil }
        if birth > CivilTime.budapestDate(now) { return "birth date \(birth.iso) is in the future" }
        if birth < CalendarDate(year: 1900, month: 1, day: 1) { return "birth date \(birth.iso) is before 1900" }
        return nil
    }

    func addSubscriber(_ subscriber: Subscriber, pin: String?, _ context: RequestContext,
                       _ tx: any StoreTransaction) throws -> Outcome {
        if let problem = Engine.birthDateProblem(subscriber.birthDate, now: context.now) { return .invalid(problem) }
        if let pin, pin.utf8.count != 5 || !pin.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return .invalid("the PIN must be 5 digits")
        }
        if let existing = try tx.subscriber(subscriber.msisdn) {
            guard existing.status == .terminated else {
                return .refused(nil, reason: "subscriber \(subscriber.msisdn.digits) exists")
            }
            return try reuseNumber(of: existing, for: subscriber, pin: pin, context, tx)
        }
        var fresh = subscriber
        fresh.balance = 0
        fresh.universalBalance = 0
        fresh.unbilled = 0
        fresh.allowance = 0
        try tx.addSubscriber(fresh, pin: PINRecord(hash: pin.map { PasswordHash.make($0) }))
        // The activation time, in the engine's clock: S13 limits new postpaid subscribers.
        try tx.setSetting(Engine.sinceSetting, to: String(context.now), of: subscriber.msisdn)
        return .ok(nil, result: "subscriber \(subscriber.msisdn.digits) added")
    }

    /// Everything the store holds of a subscriber except secrets, one `name value` line each.
    func showSubscriber(_ msisdn: MSISDN, _ tx: any StoreTransaction) throws -> Outcome {
        guard let record = try subscriberRecord(msisdn, in: tx) else {
            return .unknownSubscriber(messages(.en).render("subscriber.unknown", ["msisdn": msisdn.digits]))
        }
        let s = record.subscriber
        var lines = [
            "msisdn \(s.msisdn.digits)", "product \(s.product.rawValue)", "status \(s.status.rawValue)",
            "language \(s.language.rawValue)", "birth \(s.birthDate?.iso ?? "unknown")",
            "balance \(s.balance)", "universal \(s.universalBalance)", "unbilled \(s.unbilled)", "allowance \(s.allowance)",
        ]
        if !record.pin.isSet {
            lines.append("pin not set")
        } else if let until = record.pin.lockedUntil {
            lines.append("pin set, locked until \(messages(.en).time(until))")
        } else {
            lines.append("pin set, \(record.pin.failures) wrong in a row")
        }
        for sub in record.subscriptions {
            lines.append("subscription \(sub.service) fee \(sub.fee) since \(CivilTime.budapestDate(sub.startedAt).iso)"
                + (sub.detail.map { " (\($0))" } ?? ""))
        }
        for (key, value) in record.settings {
            guard let value else {
                lines.append("setting \(key) (set)")
                continue
            }
            // Times are stored as Unix seconds; operators read Budapest local time.
            if Engine.timeSettings.contains(key), let at = Int64(value) {
                lines.append("setting \(key) \(messages(.en).time(at))")
            } else {
                lines.append("setting \(key) \(value)")
            }
        }
        if let bill = try tx.lastBill(of: msisdn) { lines.append("bill \(bill.period) \(bill.amount)") }
        for row in try tx.recentLedger(of: msisdn, limit: Engine.shownLedgerRows) {
            lines.append("ledger \(messages(.en).time(row.at)) \(row.bucket.rawValue) \(row.amount > 0 ? "+" : "")\(row.amount) "
                + "\(row.kind.rawValue)" + (row.reference.map { " (\($0))" } ?? ""))
        }
        return .ok(nil, result: "subscriber \(s.msisdn.digits)", lines: lines)
    }

    /// What ``showSubscriber(_:_:)`` shows, as data (the JSON of `GET /api/subscribers/…`):
    /// `nil` for a number that is not a subscriber. Secrets stay out: the PIN is only
    /// "set" or not, and a secret setting's value is `nil`.
    public func subscriberRecord(_ msisdn: MSISDN, in tx: any StoreTransaction) throws -> SubscriberRecord? {
        guard let s = try tx.subscriber(msisdn) else { return nil }
        let pin = try tx.pin(of: msisdn)
        let lock = pin?.lockedUntil.flatMap { $0 > 0 ? $0 : nil }
        let settings = try tx.settings(of: msisdn).sorted { $0.key < $1.key }.map { (key, value) in
            (key: key, value: Engine.secretSettings.contains(key) ? nil : Optional(value))
        }
        return SubscriberRecord(
            subscriber: s, pin: .init(isSet: pin?.hash != nil, failures: pin?.failures ?? 0, lockedUntil: lock),
            subscriptions: try tx.subscriptions(of: msisdn), settings: settings)
    }

    /// A page of subscribers, one line each; the result says how many and, when the page
    /// is full and more follow, the `after=` of the next page.
    func listSubscribers(_ query: SubscriberQuery, _ tx: any StoreTransaction) throws -> Outcome {
        guard (1...SubscriberQuery.maximumLimit).contains(query.limit) else {
            return .invalid("limit: 1 to \(SubscriberQuery.maximumLimit)")
        }
        var probe = query
        probe.limit += 1
        var page = try tx.subscribers(matching: probe)
        let more = page.count > query.limit
        if more { page.removeLast() }
        let lines = page.map { s in
            "\(s.msisdn.digits) \(s.product.rawValue) \(s.status.rawValue) lang=\(s.language.rawValue) balance=\(s.balance) "
                + "universal=\(s.universalBalance) unbilled=\(s.unbilled) allowance=\(s.allowance)"
        }
        var result = page.count == 1 ? "1 subscriber" : "\(page.count) subscribers"
        if more, let last = page.last { result += ", more: after=\(last.msisdn.digits)" }
        return .ok(nil, result: result, lines: lines)
    }

    /// Settings whose value is nobody's business, not even hashed: the purchase code and
    /// the barring password.
    static let secretSettings: Set<String> = [Engine.purchaseCodeSetting, Engine.barringPasswordSetting]

    /// Settings holding a Unix time, shown as Budapest local time.
    static let timeSettings: Set<String> = [Engine.sinceSetting, Engine.barringLockedSetting, Engine.terminatedSetting]

    /// Ledger rows `SUB SHOW` lists, newest first.
    static let shownLedgerRows = 10

    /// Changes language, status, birth date, product or Mix allowance (`SUB SET`,
    /// `PATCH /api/subscribers/…`); the result names each old and new value, and the
    /// money a product change moved, for the audit row. Money moves only through the
    /// ledger (``changeProduct(_:to:_:_:)``, ``setAllowance(_:to:_:_:)``).
    func updateSubscriber(_ msisdn: MSISDN, _ change: ProfileChange, _ context: RequestContext,
                          _ tx: any StoreTransaction) throws -> Outcome {
        guard !change.isEmpty else { return .invalid("nothing to change") }
        if let problem = Engine.birthDateProblem(change.birthDate, now: context.now) { return .invalid(problem) }
        if change.status == .terminated { return .invalid("a subscriber is ended with SUB END, not a status") }
        if let allowance = change.allowance, !(0...Engine.maximumAllowance).contains(allowance) {
            return .invalid("allowance: 0 to \(Engine.maximumAllowance)")
        }
        guard var s = try tx.subscriber(msisdn) else {
            return .unknownSubscriber(messages(.en).render("subscriber.unknown", ["msisdn": msisdn.digits]))
        }
        guard s.status != .terminated else {
            return .refused(nil, reason: "subscriber \(msisdn.digits) is terminated: SUB ADD gives the number to someone new")
        }
        if change.allowance != nil, (change.product ?? s.product) != .mix {
            return .refused(nil, reason: "an allowance is Mix's: subscriber \(msisdn.digits) is \((change.product ?? s.product).rawValue)")
        }
        var changed: [String] = []
        if let product = change.product {
            guard let moved = try changeProduct(&s, to: product, context, tx) else {
                return .refused(nil, reason: "the universal balance would overflow")
            }
            changed += moved
        }
        if let allowance = change.allowance { changed += try setAllowance(&s, to: allowance, context, tx) }
        if let language = change.language, language != s.language {
            changed.append("lang \(s.language.rawValue) -> \(language.rawValue)")
            s.language = language
        }
        if let status = change.status, status != s.status {
            changed.append("status \(s.status.rawValue) -> \(status.rawValue)")
            s.status = status
        }
        if let birth = change.birthDate, birth != s.birthDate {
            changed.append("birth \(s.birthDate?.iso ?? "unknown") -> \(birth.iso)")
            s.birthDate = birth
        }
        guard !changed.isEmpty else { return .ok(nil, result: "subscriber \(msisdn.digits) unchanged") }
        try tx.updateProfile(s)
        return .ok(nil, result: "subscriber \(msisdn.digits) \(changed.joined(separator: ", "))")
    }

    // MARK: Outbox

    /// Hands the pending outgoing SMS to the network and marks them delivered, in the
    /// same transaction: a failed commit leaves them pending.
    func outbox(_ recipient: MSISDN?, limit: Int, _ context: RequestContext, _ tx: any StoreTransaction) throws -> Outcome {
        let messages = try tx.pendingOutbox(recipient: recipient, limit: limit)
        if !messages.isEmpty { try tx.markDelivered(messages.map(\.id), at: context.now) }
        return .ok(nil, result: messages.count == 1 ? "1 message" : "\(messages.count) messages",
                   lines: messages.map { "\($0.id) \($0.sender) \($0.recipient) \($0.text)" })
    }
}

/// A subscriber as an operator sees it (``Engine/subscriberRecord(_:in:)``), secrets left out.
public struct SubscriberRecord: Sendable, Equatable {
    public struct PIN: Sendable, Equatable {
        public var isSet: Bool
        /// Wrong PINs in a row.
        public var failures: Int
        /// Unix time the lock-out ends, when one was set.
        public var lockedUntil: Int64?

        public init(isSet: Bool, failures: Int, lockedUntil: Int64?) {
            self.isSet = isSet
            self.failures = failures
            self.lockedUntil = lockedUntil
        }
    }

    public var subscriber: Subscriber
    public var pin: PIN
    public var subscriptions: [Subscription]
    /// Every setting by key, in key order; the value is `nil` for a secret one.
    public var settings: [(key: String, value: String?)]

    public static func == (a: SubscriberRecord, b: SubscriberRecord) -> Bool {
        a.subscriber == b.subscriber && a.pin == b.pin && a.subscriptions == b.subscriptions
            && a.settings.elementsEqual(b.settings) { $0.key == $1.key && $0.value == $1.value }
    }
}
