import Grammar
import Model
import Numbering

/// S4 premium MO SMS, S5 received premium SMS, S15 donations, and the subscriber's own
/// premium settings (settings keys `premium.mt` and `bar.90`, `bar.91`, `bar.16`).
extension Engine {
    /// Setting that allows received premium SMS (S5: blocked unless it is `on`).
    static let premiumMTSetting = "premium.mt"

    static func barSetting(_ range: String) -> String { "bar.\(range)" }

    /// The range a premium number belongs to, as subscribers name it in `TILT`/`ENGED`
    /// (the grammar's `range` values): the two digits after the country code of a
    /// national number (`3690…` → `90`), the first two of a short code (`16123` → `16`).
    static func premiumRange(_ digits: String) -> String {
        let national = digits.hasPrefix("36") && digits.utf8.count > 6 ? digits.dropFirst(2) : Substring(digits)
        return String(national.prefix(2))
    }

    /// Whether the grammar sends SMS to `destination` to the premium action: the premium
    /// ranges are grammar data (`Grammars/sms.grammar`), not Swift.
    func isPremium(_ destination: Destination) -> Bool {
        if case .matched(let match) = grammar.recognize(destination: destination, text: "?") {
            return match.action == .premium
        }
        return false
    }

    // MARK: S4

    func premiumMO(_ turn: Turn) throws -> Outcome {
        let number = turn.destination.digits
        guard let rate = try turn.tx.rate(for: number, kind: .premium) else {
            return .refused(turn.lang.render("premium.unavailable", ["number": number]), reason: "no premium rate for \(number)")
        }
        let range = Engine.premiumRange(number)
        if try turn.tx.setting(Engine.barSetting(range), of: turn.msisdn) == "on" {
            return .refused(turn.lang.render("premium.barred", ["range": range]), reason: "range \(range) barred by the subscriber")
        }
        if rate.adult, isMinor(turn.subscriber, now: turn.now) {
            return .refused(turn.lang.render("adult.minor"), reason: "adult content, subscriber under 18")
        }
        guard try charge(rate.price, reference: "premium SMS to \(number)", turn) else {
            return insufficient(rate.price, turn)
        }
        return .ok(turn.lang.render("premium.charged", ["number": number, "price": turn.lang.money(rate.price)]),
                   result: "charged \(rate.price)")
    }

    // MARK: S15

    /// A donation: the fixed fee of the rate table, outside premium barring (and allowed
    /// to minors: it is not content).
    func donation(_ turn: Turn) throws -> Outcome {
        let number = turn.destination.digits
        guard let rate = try turn.tx.rate(for: number, kind: .donation) else {
            return .refused(turn.lang.render("donation.unavailable", ["number": number]), reason: "no donation rate for \(number)")
        }
        guard try charge(rate.price, reference: "donation to \(number)", turn) else {
            return insufficient(rate.price, turn)
        }
        return .ok(turn.lang.render("donation.thanks", ["number": number, "price": turn.lang.money(rate.price)]),
                   result: "charged \(rate.price)")
    }

    // MARK: S5

    /// The network delivers an SMS from `from` to a subscriber. A number with a
    /// `premium-mt` rate is premium: delivered and charged only when the subscriber
    /// unblocked premium SMS (and is of age for adult ranges); otherwise refused and the
    /// subscriber gets a notice. Any other MT is delivered free.
    func receivedMT(from: Destination, to: MSISDN, text: String, _ context: RequestContext,
                    _ tx: any StoreTransaction) throws -> Outcome {
        guard let subscriber = try liveSubscriber(to, tx) else {
            return .unknownSubscriber(messages(.hu).render("subscriber.unknown", ["msisdn": to.digits]))
        }
        let lang = messages(subscriber.language)
        let turn = Turn(subscriber: subscriber, lang: lang, destination: from, context: context, tx: tx)
        let number = from.digits
        guard let rate = try tx.rate(for: number, kind: .premiumMT) else {
            return .ok(nil, result: "delivered")
        }
        func refuse(_ key: String, _ reason: String) throws -> Outcome {
            try send(lang.render(key, ["number": number, "price": lang.money(rate.price)]), to: to, turn)
            return .refused(nil, reason: reason)
        }
        if subscriber.status == .suspended {
            return .refused(nil, reason: "suspended")
        }
        guard try tx.setting(Engine.premiumMTSetting, of: to) == "on" else {
            return try refuse("notice.premiumBlocked", "premium SMS blocked")
        }
        if rate.adult, isMinor(subscriber, now: context.now) {
            return try refuse("notice.premiumAdult", "adult content, subscriber under 18")
        }
        guard try charge(rate.price, reference: "premium SMS from \(number)", turn) else {
            return try refuse("notice.premiumInsufficient", "insufficient balance")
        }
        return .ok(nil, result: "delivered, charged \(rate.price)")
    }

    func unblockPremiumMT(pin: String?, _ turn: Turn) throws -> Outcome {
        guard let pin else { return missing("pin", turn) }
        if try turn.tx.setting(Engine.premiumMTSetting, of: turn.msisdn) == "on" {
            return .refused(turn.lang.render("premiummt.alreadyOn"), reason: "premium SMS already allowed")
        }
        if let refusal = try verifyPIN(pin, turn) { return refusal }
        try turn.tx.setSetting(Engine.premiumMTSetting, to: "on", of: turn.msisdn)
        try securityNotice(turn.lang.render("change.premiumOn"), turn)
        // Minors may receive premium SMS, never adult ones (§3.9): say so.
        let key = isMinor(turn.subscriber, now: turn.now) ? "premiummt.unblocked.minor" : "premiummt.unblocked"
        return .ok(turn.lang.render(key), result: "premium SMS allowed")
    }

    /// Blocking again needs no PIN (S5): it only protects the subscriber.
    func blockPremiumMT(_ turn: Turn) throws -> Outcome {
        guard try turn.tx.setting(Engine.premiumMTSetting, of: turn.msisdn) == "on" else {
            return .refused(turn.lang.render("premiummt.alreadyOff"), reason: "premium SMS already blocked")
        }
        try turn.tx.setSetting(Engine.premiumMTSetting, to: nil, of: turn.msisdn)
        return .ok(turn.lang.render("premiummt.blocked"), result: "premium SMS blocked")
    }

    func bar(range: String, _ turn: Turn) throws -> Outcome {
        let key = Engine.barSetting(range)
        if try turn.tx.setting(key, of: turn.msisdn) == "on" {
            return .refused(turn.lang.render("range.alreadyBarred", ["range": range]), reason: "range \(range) already barred")
        }
        try turn.tx.setSetting(key, to: "on", of: turn.msisdn)
        return .ok(turn.lang.render("range.barred", ["range": range]), result: "range \(range) barred")
    }

    func unbar(range: String, pin: String?, _ turn: Turn) throws -> Outcome {
        guard let pin else { return missing("pin", turn) }
        let key = Engine.barSetting(range)
        guard try turn.tx.setting(key, of: turn.msisdn) == "on" else {
            return .refused(turn.lang.render("range.notBarred", ["range": range]), reason: "range \(range) not barred")
        }
        if let refusal = try verifyPIN(pin, turn) { return refusal }
        try turn.tx.setSetting(key, to: nil, of: turn.msisdn)
        try securityNotice(turn.lang.render("change.rangeUnbarred", ["range": range]), turn)
        return .ok(turn.lang.render("range.unbarred", ["range": range]), result: "range \(range) allowed")
    }
}
