import Grammar
import Menus
import MMI
import Model
import Numbering
import SMSText

/// The domain logic of Selfcare, transport-agnostic: a command and its context in, an
/// ``Outcome`` out, its changes (ledger rows, settings, outgoing SMS and the audit row)
/// written through the ``StoreTransaction`` it is given. The engine knows no sockets and
/// no SQL; the grammar tells it which action a text asks for.
///
/// ```swift
/// let store = InMemoryStore()
/// let engine = Engine(grammar: try Grammar.load(from: "Grammars"))
/// let outcome = try store.write { tx in
///     try engine.execute(.sms(from: msisdn, to: .shortCode("1730"), text: "EGYENLEG"),
///                        RequestContext(channel: "line", account: "simulator", now: now),
///                        in: tx)
/// }
/// outcome.reply   // "Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. …"
/// ```
public final class Engine: Sendable {
    public let grammar: Grammar
    /// The supplementary-service codes of `Grammars/mmi.codes` (TS 22.030).
    public let mmi: MMICodes
    /// The USSD menus of `Grammars/menus/`, by the code that opens them.
    public let menus: MenuCatalog
    /// Each language's catalog, looked up once here rather than per request.
    let hungarian: Messages
    let english: Messages
    /// The topics of the grammar as a help text lists them (`HIREK, SPORT, …`).
    let topicList: String
    /// Where one-time purchase codes come from (S12); tests may fix it.
    let codeSource: @Sendable () -> String

    /// An engine over `grammar`; without `mmi` no supplementary-service code is known
    /// (every code is USSD) and without `menus` no USSD code opens a menu.
    public init(grammar: Grammar, mmi: MMICodes = MMICodes(), menus: MenuCatalog = MenuCatalog(),
                codeSource: (@Sendable () -> String)? = nil) {
        self.grammar = grammar
        self.mmi = mmi
        self.menus = menus
        let hu = grammar.messages["hu"] ?? MessageCatalog()
        hungarian = Messages(language: .hu, catalog: hu)
        english = Messages(language: .en, catalog: grammar.messages["en"] ?? hu)
        topicList = grammar.commands.topics.map(\.canonical).joined(separator: ", ")
        self.codeSource = codeSource ?? Engine.randomCode
    }

    /// Runs one command and writes its audit row. Refusals are outcomes, not errors:
    /// an error thrown here is a store failure and the caller's transaction rolls back.
    public func execute(_ command: Command, _ context: RequestContext, in tx: any StoreTransaction) throws -> Outcome {
        var audited: String?
        var outcome: Outcome
        let msisdn: String?
        switch command {
        case .sms(let from, let to, let text):
            msisdn = from.digits
            let recognition = grammar.recognize(destination: to, text: text)
            audited = command.auditText(text: recognition.maskedText)
            outcome = try sms(from: from, to: to, recognition, context, tx)
            outcome.service = recognition.service ?? "unknown"
        case .mt(let from, let to, let text):
            msisdn = to.digits
            outcome = try receivedMT(from: from, to: to, text: text, context, tx)
        case .topUp(let target, let amount):
            msisdn = target.digits
            outcome = try topUp(target, amount: amount, context, tx)
        case .outbox(let recipient, let limit):
            msisdn = recipient?.digits
            outcome = try outbox(recipient, limit: limit, context, tx)
        case .setRate(let rate):
            msisdn = nil
            outcome = try setRate(rate, tx)
        case .deleteRates(let prefix, let kind):
            msisdn = nil
            outcome = try deleteRates(prefix: prefix, kind: kind, tx)
        case .listRates(let prefix):
            msisdn = nil
            outcome = try listRates(prefix: prefix, tx)
        case .addSubscriber(let subscriber, let pin):
            msisdn = subscriber.msisdn.digits
            outcome = try addSubscriber(subscriber, pin: pin, context, tx)
        case .showSubscriber(let target):
            msisdn = target.digits
            outcome = try showSubscriber(target, tx)
        case .updateSubscriber(let target, let change):
            msisdn = target.digits
            outcome = try updateSubscriber(target, change, context, tx)
        case .pin(let target, let change):
            msisdn = target.digits
            outcome = try changePIN(of: target, change, context, tx)
        case .listSubscribers(let query):
            msisdn = nil
            outcome = try listSubscribers(query, tx)
        case .endSubscriber(let target):
            msisdn = target.digits
            outcome = try endSubscriber(target, context, tx)
        case .closeBills(let run):
            msisdn = run.msisdn?.digits
            outcome = try closeBills(run, context, tx)
        case .ussd(let from, let input, let dialogue):
            msisdn = from.digits
            let masked = maskedUSSD(input, dialogue: dialogue)
            audited = command.auditText(text: masked)
            outcome = try ussd(from: from, input: input, dialogue: dialogue, context, tx)
        }
        if outcome.service.isEmpty { outcome.service = Engine.service(of: command) }
        let (head, tail) = outcome.auditEntryOutcome
        try tx.audit(AuditEntry(
            at: context.now, account: context.account, channel: context.channel,
            msisdn: msisdn, request: audited ?? command.auditText, outcomeHead: head, outcomeTail: tail))
        return outcome
    }

    /// The service label of a command that is no SMS: its verb family.
    static func service(of command: Command) -> String {
        switch command {
        case .sms: return "unknown"
        case .mt: return "mt"
        case .topUp: return "topup"
        case .outbox: return "outbox"
        case .setRate, .deleteRates, .listRates: return "rate"
        case .addSubscriber, .showSubscriber, .updateSubscriber, .listSubscribers, .endSubscriber: return "sub"
        case .closeBills: return "bill"
        case .pin: return "pin"
        case .ussd: return "ussd"
        }
    }

    /// Checks an account's password. A success is audited here (the password masked); a
    /// failure is not: the transport counts failures per source and second and audits them
    /// with ``auditFailedLogins(name:count:source:channel:at:in:)``, so that someone without
    /// an account cannot fill the store.
    public func authenticate(account name: String, password: String, _ context: RequestContext,
                             in tx: any StoreTransaction) throws -> Account? {
        guard name.utf8.count <= Engine.maximumAccountName else { return nil }
        guard let account = try tx.account(named: name) else {
            // The same work as a wrong password, so the time taken does not tell which
            // account names exist.
            _ = PasswordHash.verify(password, against: Engine.dummyPasswordHash)
            return nil
        }
        guard PasswordHash.verify(password, against: account.passwordHash) else { return nil }
        if PasswordHash.needsRekey(account.passwordHash) {
            // Made before the server key: made again with it, now that the password is known.
            var rekeyed = account
            rekeyed.passwordHash = PasswordHash.make(password)
            try tx.saveAccount(rekeyed)
        }
        try tx.audit(AuditEntry(
            at: context.now, account: name, channel: context.channel, msisdn: nil,
            request: "AUTH \(name) ****", outcome: "ok: authenticated"))
        return account
    }

    /// Checked against when the account does not exist (made once, default rounds).
    static let dummyPasswordHash = PasswordHash.make("no such account")

    /// Longest account name looked up at all; longer ones fail without a store read.
    public static let maximumAccountName = 64
    /// Characters of a failed name kept in the audit.
    public static let auditedNameLength = 32

    /// One audit row for the failed logins of one source in one second: the first name
    /// tried (bounded and escaped) and how many attempts there were.
    public func auditFailedLogins(name: String, count: Int, source: String, channel: String, at second: Int64,
                                  in tx: any StoreTransaction) throws {
        let shown = Engine.auditedAccountName(name)
        let outcome = count == 1 ? "refused: authentication failed"
            : "refused: authentication failed, \(count) attempts from \(source) in this second"
        try tx.audit(AuditEntry(at: second, account: shown, channel: channel, msisdn: nil,
                                request: "AUTH \(shown) ****", outcome: outcome))
    }

    /// An account name as the audit shows it: at most ``auditedNameLength`` characters,
    /// control and invisible characters as `\xNN` / `\u{…}`, a backslash doubled, a cut
    /// marked `…`.
    public static func auditedAccountName(_ name: String) -> String {
        var shown = ""
        var kept = 0
        for scalar in name.unicodeScalars {
            if kept == auditedNameLength { return shown + "…" }
            kept += 1
            switch scalar.value {
            case 0x21...0x7E where scalar != "\\": shown.unicodeScalars.append(scalar)
            case 0x5C: shown += "\\\\"
            case 0..<0xA0: shown += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default:
                // Letters and signs of any script stay (józsi); invisible ones are shown.
                switch scalar.properties.generalCategory {
                case .control, .format, .surrogate, .privateUse, .unassigned, .spaceSeparator,
                     .lineSeparator, .paragraphSeparator, .nonspacingMark, .enclosingMark:
                    shown += "\\u{" + String(scalar.value, radix: 16) + "}"
                default:
                    shown.unicodeScalars.append(scalar)
                }
            }
        }
        return shown.isEmpty ? "\"\"" : shown
    }

    /// A service's help text; `{topics}` in it is the grammar's topic list (the 777 help
    /// promises the topics, and a bad topic's answer sends the subscriber there).
    func help(_ service: String, _ lang: Messages) -> String {
        lang.render("help.\(service)", ["topics": topicList])
    }

    func messages(_ language: Language) -> Messages {
        language == .en ? english : hungarian
    }

    @Sendable static func randomCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = UInt32.random(in: 0..<1_000_000, using: &generator)
        let digits = String(value)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }
}

/// A command the engine runs.
public enum Command: Sendable, Equatable {
    /// Subscriber `from` sent `text` to `to` (an MO SMS).
    case sms(from: MSISDN, to: Destination, text: String)
    /// The network delivers an SMS from `from` (a premium range, a short code, a number)
    /// to subscriber `to`: premium ones are checked against S5 and charged.
    case mt(from: Destination, to: MSISDN, text: String)
    /// An operator adds forints to a subscriber's balance.
    case topUp(MSISDN, amount: Int64)
    /// The network collects pending outgoing SMS (all, or one recipient's); they are
    /// marked delivered in the same transaction.
    case outbox(recipient: MSISDN?, limit: Int)
    /// An operator sets a rate (insert or change); what the change does not name is kept.
    case setRate(RateChange)
    /// An operator deletes the rates of a prefix (one kind, or all).
    case deleteRates(prefix: String, kind: RateKind?)
    /// Rates whose prefix starts with `prefix` (all when `nil`).
    case listRates(prefix: String?)
    /// An operator creates a subscriber; `pin` in clear (hashed here), or `nil`.
    case addSubscriber(Subscriber, pin: String?)
    /// What the store holds of a subscriber.
    case showSubscriber(MSISDN)
    /// An operator changes a subscriber's language, status or birth date.
    case updateSubscriber(MSISDN, ProfileChange)
    /// An operator sets, resets or unlocks a subscriber's PIN.
    case pin(MSISDN, PINChange)
    /// An operator lists subscribers (a page of them).
    case listSubscribers(SubscriberQuery)
    /// An operator ends a subscriber's subscription to the network (`terminated`).
    case endSubscriber(MSISDN)
    /// An operator closes a postpaid month: one subscriber's, or a page of all.
    case closeBills(BillRun)
    /// Subscriber `from` sent `input` on USSD: a code (`**21*06301234567#`, `*1412#`) or,
    /// when `dialogue` is the dialogue the transport holds open for them, an answer to its
    /// screen. The outcome's ``Outcome/dialogue`` is what the transport keeps next.
    case ussd(from: MSISDN, input: String, dialogue: USSDDialogue?)
}

/// Who asks, how, and when.
public struct RequestContext: Sendable {
    /// `line`, `http`, `smpp`, `cli`.
    public var channel: String
    /// The authenticated account.
    public var account: String?
    /// Unix time, seconds.
    public var now: Int64

    /// The audit row's request text is the command's own (``Command/auditText``), not
    /// what the transport received: every transport audits a command alike.
    public init(channel: String, account: String?, now: Int64) {
        self.channel = channel
        self.account = account
        self.now = now
    }
}

/// What came of a command.
public struct Outcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Applied or answered.
        case ok
        /// Refused by a rule; nothing changed (but the audit row and, for a wrong PIN,
        /// the failure counter).
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
    /// Further lines for the requester (rate lists, outbox messages, a subscriber's
    /// record), each one line of text.
    public var lines: [String]
    /// USSD: the dialogue that waits for the subscriber's next answer, which the
    /// transport keeps (once the transaction commits) and hands back with that answer;
    /// `nil` when the dialogue is over (or the command was no USSD).
    public var dialogue: USSDDialogue? {
        get { dialogueBox?.value }
        set { dialogueBox = newValue.map(DialogueBox.init) }
    }
    /// Boxed: a dialogue is a few hundred bytes, and every outcome (nearly all without
    /// one) is moved several times on its way out.
    private var dialogueBox: DialogueBox?
    /// A USSD turn answered again from its idempotency record: its dialogue continued
    /// then (it is not reopened; the answer reads as it did).
    var keptContinuing = false
    /// USSD: whether the turn left the dialogue waiting for an answer (`251 CONTINUE`).
    public var continues: Bool { dialogueBox != nil || keptContinuing }
    /// What served it, for metrics: an SMS's grammar service (`infosms`, `balance` …;
    /// `unknown` for a number no service has), else the verb family (`topup`, `mt`,
    /// `ussd`, `rate`, `sub`, `outbox`). Set by ``Engine/execute(_:_:in:)``.
    public var service = ""

    public init(status: Status, reply: String?, result: String, lines: [String] = [], dialogue: USSDDialogue? = nil) {
        self.status = status
        self.reply = reply
        self.result = result
        self.lines = lines
        self.dialogueBox = dialogue.map(DialogueBox.init)
    }

    public static func ok(_ reply: String?, result: String, lines: [String] = []) -> Outcome {
        Outcome(status: .ok, reply: reply, result: result, lines: lines)
    }
    public static func refused(_ reply: String?, reason: String) -> Outcome { Outcome(status: .refused, reply: reply, result: reason) }
    public static func unknownSubscriber(_ reply: String) -> Outcome { Outcome(status: .unknownSubscriber, reply: reply, result: "unknown subscriber") }
    public static func invalid(_ reason: String, reply: String? = nil) -> Outcome { Outcome(status: .invalid, reply: reply, result: reason) }

    /// The reply as the SMS parts it goes out in: one when it fits (160 GSM 7-bit
    /// characters, or 70 UCS-2 ones when a letter like ő or ű needs it), else
    /// concatenated parts of 153 / 67.
    public var replyParts: [String] {
        guard let reply else { return [] }
        // No encoding takes more than 70 characters to one SMS; UTF-8 never has fewer
        // bytes than UCS-2 units, so a short text is one part without looking closer.
        if reply.utf8.count <= 70 { return [reply] }
        return SMSSegmenter.segments(reply)
    }

    /// The audit row's outcome, `ok: balance`, `refused: postpaid`, `unknown subscriber`,
    /// in two pieces for ``AuditEntry``: a literal head, no string built.
    var auditEntryOutcome: (String, String) {
        switch status {
        case .ok: return ("ok: ", result)
        case .refused: return ("refused: ", result)
        case .invalid: return ("invalid: ", result)
        case .unknownSubscriber: return ("", "unknown subscriber")
        }
    }
}

/// An outcome's dialogue, held by reference.
final class DialogueBox: Sendable, Equatable {
    let value: USSDDialogue
    init(_ value: USSDDialogue) { self.value = value }
    static func == (a: DialogueBox, b: DialogueBox) -> Bool { a.value == b.value }
}

