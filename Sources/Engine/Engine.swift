import Grammar
import Model
import Numbering

/// The domain logic of Selfcare, transport-agnostic: a command and its context in, an
/// ``Outcome`` out, its changes (and the audit row) written through the
/// ``StoreTransaction`` it is given. The engine knows no sockets and no SQL.
///
/// ```swift
/// let store = InMemoryStore()
/// let engine = Engine(grammar: try Grammar.load(from: "Grammars"))
/// let outcome = try store.write { tx in
///     try engine.execute(.sms(from: msisdn, to: .shortCode("1730"), text: "EGYENLEG"),
///                        RequestContext(channel: "line", account: "simulator", request: "SMS …", now: now),
///                        in: tx)
/// }
/// outcome.reply   // ["Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. …"]
/// ```
public struct Engine: Sendable {
    public let grammar: Grammar
    /// Each language's catalog, looked up once here rather than per request.
    private let hungarian: Messages
    private let english: Messages

    /// Service short codes known before the grammar issue moves routing into `Grammars/`.
    public static let balanceShortCode = "1730"

    public init(grammar: Grammar) {
        self.grammar = grammar
        let hu = grammar.messages["hu"] ?? MessageCatalog()
        hungarian = Messages(language: .hu, catalog: hu)
        english = Messages(language: .en, catalog: grammar.messages["en"] ?? hu)
    }

    /// Runs one command and writes its audit row. Refusals are outcomes, not errors:
    /// an error thrown here is a store failure and the caller's transaction rolls back.
    public func execute(_ command: Command, _ context: RequestContext, in tx: any StoreTransaction) throws -> Outcome {
        let outcome: Outcome
        let msisdn: MSISDN
        switch command {
        case .sms(let from, let to, let text):
            msisdn = from
            outcome = try sms(from: from, to: to, text: text, context, tx)
        case .topUp(let target, let amount):
            msisdn = target
            outcome = try topUp(target, amount: amount, context, tx)
        }
        try tx.audit(AuditEntry(
            at: context.now, account: context.account, channel: context.channel,
            msisdn: msisdn.digits, request: context.request, outcome: outcome.auditText))
        return outcome
    }

    /// Checks an account's password; audits the attempt either way (the password masked).
    public func authenticate(account name: String, password: String, _ context: RequestContext,
                             in tx: any StoreTransaction) throws -> Account? {
        let account = try tx.account(named: name)
        let ok = account.map { PasswordHash.verify(password, against: $0.passwordHash) } ?? false
        try tx.audit(AuditEntry(
            at: context.now, account: name, channel: context.channel, msisdn: nil,
            request: context.request, outcome: ok ? "ok: authenticated" : "refused: authentication failed"))
        return ok ? account : nil
    }

    // MARK: SMS

    func sms(from: MSISDN, to: Destination, text: String, _ context: RequestContext,
             _ tx: any StoreTransaction) throws -> Outcome {
        guard let subscriber = try tx.subscriber(from) else {
            return .unknownSubscriber(messages(.hu).render("subscriber.unknown", ["msisdn": from.digits]))
        }
        let lang = messages(subscriber.language)
        if case .shortCode(Engine.balanceShortCode) = to {
            return .ok(try balance(of: subscriber, lang, tx), result: "balance")
        }
        return .refused(lang.render("destination.unknown", ["destination": to.digits]), reason: "unknown destination")
    }

    /// S6: the 1730 answer, for the sending number only.
    func balance(of s: Subscriber, _ lang: Messages, _ tx: any StoreTransaction) throws -> String {
        var text: String
        switch s.product {
        case .prepaid:
            text = lang.render("balance.prepaid", ["balance": lang.money(s.balance), "universal": lang.money(s.universalBalance)])
        case .postpaid:
            if let bill = try tx.lastBill(of: s.msisdn) {
                text = lang.render("balance.postpaid", [
                    "unbilled": lang.money(s.unbilled), "bill": lang.money(bill.amount), "period": lang.period(bill.period)])
            } else {
                text = lang.render("balance.postpaid.nobill", ["unbilled": lang.money(s.unbilled)])
            }
        case .mix:
            text = lang.render("balance.mix", [
                "allowance": lang.money(s.allowance), "balance": lang.money(s.balance),
                "universal": lang.money(s.universalBalance)])
        }
        if let purchase = try tx.lastPurchase(of: s.msisdn) {
            text += " "
            text += lang.render("balance.lastPurchase", ["date": lang.date(purchase.at), "amount": lang.money(purchase.amount)])
        }
        return text
    }

    // MARK: Operator

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

    func messages(_ language: Language) -> Messages {
        language == .en ? english : hungarian
    }
}

/// A command the engine runs.
public enum Command: Sendable, Equatable {
    /// Subscriber `from` sent `text` to `to` (an MO SMS).
    case sms(from: MSISDN, to: Destination, text: String)
    /// An operator adds forints to a subscriber's balance.
    case topUp(MSISDN, amount: Int64)
}

/// Who asks, how, and when.
public struct RequestContext: Sendable {
    /// `line`, `http`, `smpp`, `cli`.
    public var channel: String
    /// The authenticated account.
    public var account: String?
    /// The request as received, with secrets masked: it goes to the audit row.
    public var request: String
    /// Unix time, seconds.
    public var now: Int64

    public init(channel: String, account: String?, request: String, now: Int64) {
        self.channel = channel
        self.account = account
        self.request = request
        self.now = now
    }
}

/// What came of a command.
public struct Outcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Applied or answered.
        case ok
        /// Refused by a rule; nothing changed.
        case refused
        /// The subscriber number is not in the store; nothing changed.
        case unknownSubscriber = "unknown subscriber"
        /// The command's arguments are not acceptable; nothing changed.
        case invalid
    }

    public var status: Status
    /// The text for the subscriber (the reply SMS), if any.
    public var reply: String?
    /// A short result for the requester: `balance`, `balance 5100`, `postpaid`.
    public var result: String

    public init(status: Status, reply: String?, result: String) {
        self.status = status
        self.reply = reply
        self.result = result
    }

    public static func ok(_ reply: String?, result: String) -> Outcome { Outcome(status: .ok, reply: reply, result: result) }
    public static func refused(_ reply: String, reason: String) -> Outcome { Outcome(status: .refused, reply: reply, result: reason) }
    public static func unknownSubscriber(_ reply: String) -> Outcome { Outcome(status: .unknownSubscriber, reply: reply, result: "unknown subscriber") }
    public static func invalid(_ reason: String) -> Outcome { Outcome(status: .invalid, reply: nil, result: reason) }

    /// `ok: balance`, `refused: postpaid`, `unknown subscriber`.
    var auditText: String {
        switch status {
        case .ok: return "ok: \(result)"
        case .unknownSubscriber: return status.rawValue
        default: return "\(status.rawValue): \(result)"
        }
    }
}
