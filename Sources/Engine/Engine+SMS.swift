import Grammar
import Model
import Numbering

/// One SMS being served: who sent it, where to, in which language, and the transaction.
struct Turn {
    var subscriber: Subscriber
    let lang: Messages
    let destination: Destination
    let context: RequestContext
    let tx: any StoreTransaction

    var msisdn: MSISDN { subscriber.msisdn }
    var now: Int64 { context.now }
}

extension Engine {
    /// Where notices and other gateway-originated SMS appear to come from: the
    /// self-service number (1430).
    public static let noticeSender = "1430"

    /// An MO SMS: identify the sender, let the grammar say what the text asks for, run it.
    func sms(from: MSISDN, to: Destination, _ recognition: Recognition, _ context: RequestContext,
             _ tx: any StoreTransaction) throws -> Outcome {
        guard let subscriber = try liveSubscriber(from, tx) else {
            return .unknownSubscriber(messages(.hu).render("subscriber.unknown", ["msisdn": from.digits]))
        }
        let lang = messages(subscriber.language)
        let turn = Turn(subscriber: subscriber, lang: lang, destination: to, context: context, tx: tx)
        switch recognition {
        case .unknownDestination:
            return .refused(lang.render("destination.unknown", ["destination": to.digits]), reason: "unknown destination")
        case .noRule(let service, _):
            return .refused(help(service, lang), reason: "no rule for the text; help sent")
        case .badArgument(_, _, let slot, let type, _):
            return .refused(lang.render("argument.\(type)"), reason: "bad \(slot)")
        case .matched(let match):
            // §4.8: a suspended subscription may only ask its balance and reconnection.
            if subscriber.status == .suspended, match.action != .balance, match.action != .reconnect {
                return .refused(lang.render("suspended"), reason: "suspended")
            }
            return try perform(match, turn)
        }
    }

    func perform(_ match: Match, _ turn: Turn) throws -> Outcome {
        let a = match.arguments
        switch match.action {
        case .balance:
            return .ok(try balance(of: turn.subscriber, turn.lang, turn.tx), result: "balance")
        case .help:
            return .ok(help(match.service, turn.lang), result: "help")
        case .infoSubscribe:
            guard let topic = a.topic else { return missing("topic", turn) }
            return try subscribe(topic: topic, turn)
        case .infoUnsubscribe:
            guard let topic = a.topic else { return missing("topic", turn) }
            return try unsubscribe(topic: topic, turn)
        case .infoUnsubscribeAll:
            return try unsubscribeAllTopics(turn)
        case .infoList:
            return try listTopics(turn)
        case .partnerSubscribe:
            return try subscribePartner(turn)
        case .partnerUnsubscribe:
            return try unsubscribePartner(turn)
        case .horoscopeSubscribe:
            guard let date = a.date else { return missing("date", turn) }
            return try subscribeHoroscope(birth: date, turn)
        case .horoscopeUnsubscribe:
            return try unsubscribeHoroscope(turn)
        case .premium:
            return try premiumMO(turn)
        case .donation:
            return try donation(turn)
        case .premiumMTUnblock:
            return try unblockPremiumMT(pin: a.pin, turn)
        case .premiumMTBlock:
            return try blockPremiumMT(turn)
        case .rangeBar:
            guard let range = a.range else { return missing("range", turn) }
            return try bar(range: range, turn)
        case .rangeUnbar:
            guard let range = a.range else { return missing("range", turn) }
            return try unbar(range: range, pin: a.pin, turn)
        case .callMeBack:
            guard let target = a.msisdn else { return missing("msisdn", turn) }
            return try callMeBack(target, turn)
        case .favouriteAdd:
            guard let target = a.msisdn else { return missing("msisdn", turn) }
            return try addFavourite(target, turn)
        case .favouriteRemove:
            guard let target = a.msisdn else { return missing("msisdn", turn) }
            return try removeFavourite(target, turn)
        case .favouriteList:
            return try listFavourites(turn)
        case .suspend:
            return try suspend(pin: a.pin, turn)
        case .reconnect:
            return try reconnect(turn)
        case .purchaseCode:
            return try purchaseCode(pin: a.pin, turn)
        case .transfer:
            guard let target = a.msisdn, let amount = a.amount else { return missing("msisdn", turn) }
            return try transfer(amount, to: target, pin: a.pin, turn)
        case .changePIN:
            guard case .pin(let old)? = a["old"], case .pin(let new)? = a["new"], case .pin(let again)? = a["repeat"] else {
                return missing("pin", turn)
            }
            return try changePIN(old: old, new: new, repeat: again, turn)
        case .requestPIN:
            return try requestPIN(turn)
        case .language:
            guard let language = a.language else { return missing("language", turn) }
            return try setLanguage(language, turn)
        }
    }

    /// A grammar rule that does not bind the slot its action needs: a grammar mistake the
    /// loader could not see. The subscriber gets the service's help; the audit says why.
    func missing(_ slot: String, _ turn: Turn) -> Outcome {
        .refused(turn.lang.render("argument.missing"), reason: "grammar rule binds no \(slot)")
    }

    // MARK: Shared rules

    /// Under 18 on today's Budapest date (§3.9: never adult content). An unknown birth
    /// date is not a minor: the store knows the dates of the minors' subscriptions.
    func isMinor(_ s: Subscriber, now: Int64) -> Bool {
        guard let birth = s.birthDate else { return false }
        return birth.age(on: CivilTime.budapestDate(now)) < 18
    }

    /// Takes `amount` for a purchase: prepaid and Mix from the balance (refused when it is
    /// short), postpaid onto the month's unbilled amount. A zero amount moves nothing.
    /// Returns `false`, having changed nothing, when the money is not there.
    func charge(_ amount: Int64, kind: LedgerKind = .purchase, reference: String, _ turn: Turn) throws -> Bool {
        guard amount > 0 else { return true }
        let s = turn.subscriber
        switch s.product {
        case .prepaid, .mix:
            guard s.balance >= amount else { return false }
            try turn.tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .balance, amount: -amount, kind: kind,
                                         reference: reference, at: turn.now))
        case .postpaid:
            guard !s.unbilled.addingReportingOverflow(amount).overflow else { return false }
            try turn.tx.post(LedgerEntry(msisdn: s.msisdn, bucket: .unbilled, amount: amount, kind: kind,
                                         reference: reference, at: turn.now))
        }
        return true
    }

    /// The refusal for a balance that is short, naming price and balance.
    func insufficient(_ price: Int64, _ turn: Turn) -> Outcome {
        .refused(turn.lang.render("charge.insufficient", [
            "price": turn.lang.money(price), "balance": turn.lang.money(turn.subscriber.balance)]),
                 reason: "insufficient balance")
    }

    /// Queues an SMS for `recipient` in the same transaction.
    func send(_ text: String, to recipient: MSISDN, from sender: String = Engine.noticeSender, secret: Bool = false,
              _ turn: Turn) throws {
        try turn.tx.enqueue(OutgoingSMS(sender: sender, recipient: recipient, text: text, at: turn.now, secret: secret))
    }

    /// S14: the security notice after a PIN-protected change, to the subscriber.
    func securityNotice(_ change: String, _ turn: Turn) throws {
        try send(turn.lang.render("notice.security", ["change": change, "time": turn.lang.time(turn.now)]),
                 to: turn.msisdn, turn)
    }

    /// `+36 30 123 4567` style for texts people read.
    func display(_ msisdn: MSISDN) -> String { "+" + msisdn.digits }
}

extension [String: Argument] {
    var topic: String? { if case .topic(let v)? = self["topic"] { return v }; return nil }
    var date: CalendarDate? { if case .date(let v)? = self["date"] { return v }; return nil }
    var msisdn: MSISDN? { if case .msisdn(let v)? = self["msisdn"] { return v }; return nil }
    var amount: Int64? { if case .amount(let v)? = self["amount"] { return v }; return nil }
    var pin: String? { if case .pin(let v)? = self["pin"] { return v }; return nil }
    var range: String? { if case .range(let v)? = self["range"] { return v }; return nil }
    var language: Language? { if case .language(let v)? = self["language"] { return v }; return nil }
}
