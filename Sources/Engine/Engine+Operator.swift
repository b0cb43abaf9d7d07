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
    func setRate(_ rate: Rate, _ tx: any StoreTransaction) throws -> Outcome {
        guard !rate.prefix.isEmpty, rate.prefix.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .invalid("malformed prefix")
        }
        guard rate.price >= 0 else { return .invalid("price must not be negative") }
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

    func addSubscriber(_ subscriber: Subscriber, pin: String?, _ context: RequestContext,
                       _ tx: any StoreTransaction) throws -> Outcome {
        if try tx.subscriber(subscriber.msisdn) != nil {
            return .refused(nil, reason: "subscriber \(subscriber.msisdn.digits) exists")
        }
        if let pin, pin.utf8.count != 5 || !pin.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return .invalid("the PIN must be 5 digits")
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
        guard let s = try tx.subscriber(msisdn) else {
            return .unknownSubscriber(messages(.en).render("subscriber.unknown", ["msisdn": msisdn.digits]))
        }
        var lines = [
            "msisdn \(s.msisdn.digits)", "product \(s.product.rawValue)", "status \(s.status.rawValue)",
            "language \(s.language.rawValue)", "birth \(s.birthDate?.iso ?? "unknown")",
            "balance \(s.balance)", "universal \(s.universalBalance)", "unbilled \(s.unbilled)", "allowance \(s.allowance)",
        ]
        let pin = try tx.pin(of: msisdn)
        if pin?.hash == nil {
            lines.append("pin not set")
        } else if let until = pin?.lockedUntil, until > 0 {
            lines.append("pin set, locked until \(messages(.en).time(until))")
        } else {
            lines.append("pin set, \(pin?.failures ?? 0) wrong in a row")
        }
        for sub in try tx.subscriptions(of: msisdn) {
            lines.append("subscription \(sub.service) fee \(sub.fee) since \(CivilTime.budapestDate(sub.startedAt).iso)"
                + (sub.detail.map { " (\($0))" } ?? ""))
        }
        for (key, value) in try tx.settings(of: msisdn).sorted(by: { $0.key < $1.key }) {
            // The purchase code and the barring password are kept hashed; even their hash
            // is nobody's business.
            switch key {
            case Engine.purchaseCodeSetting, Engine.barringPasswordSetting: lines.append("setting \(key) (set)")
            case Engine.sinceSetting: lines.append("setting \(key) \(Int64(value).map { messages(.en).time($0) } ?? value)")
            default: lines.append("setting \(key) \(value)")
            }
        }
        return .ok(nil, result: "subscriber \(s.msisdn.digits)", lines: lines)
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
