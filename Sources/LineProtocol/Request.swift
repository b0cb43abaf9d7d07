import Model
import Numbering

/// One request of the line protocol, parsed from a line by ``parse(_:)``.
///
/// Verbs, their arguments and the role each needs are described by ``Verb``.
public enum Request: Hashable, Sendable {
    /// An empty line, or one of spaces and tabs only: the server ignores it silently
    /// (telnet users hit Enter).
    case empty
    /// `AUTH <account> <password>`: authenticates the connection.
    case auth(account: String, password: String)
    /// `SMS <from-msisdn> <to-number> <text…>`: subscriber `from` sent `text` to `to`.
    /// The text is the rest of the line as typed, inner and trailing spaces included.
    case sms(from: MSISDN, to: Destination, text: String)
    /// `TOPUP <msisdn> <amount>`: adds `amount` forints (1 … ``maximumTopUp``) to a
    /// prepaid balance.
    case topup(msisdn: MSISDN, amount: Int64)
    /// `USSD <msisdn> <string…>`: subscriber `msisdn` dialled a code (`*#21#`, `*1412#`)
    /// or answered the screen of the dialogue open for them. The string is the rest of
    /// the line, at most ``maximumUSSD`` characters, trailing spaces dropped.
    case ussd(msisdn: MSISDN, text: String)
    /// `RELEASE <msisdn>`: the subscriber cancelled the open USSD dialogue.
    case release(MSISDN)
    /// `MT <from-number> <to-msisdn> <text…>`: the network delivers an SMS from `from` to
    /// subscriber `to`; premium ones are checked (S5) and charged.
    case mt(from: Destination, to: MSISDN, text: String)
    /// `OUTBOX [<msisdn>]`: the pending outgoing SMS (all, or one recipient's), marked
    /// delivered as they are handed over.
    case outbox(recipient: MSISDN?)
    /// `RATE SET <prefix> <price> <kind> [adult|noadult]`: what it does not name is kept.
    case rateSet(RateChange)
    /// `RATE DEL <prefix> [<kind>]`.
    case rateDelete(prefix: String, kind: RateKind?)
    /// `RATE LIST [<prefix>]`.
    case rateList(prefix: String?)
    /// `SUB ADD <msisdn> <product> [birth=YYYY-MM-DD] [pin=NNNNN] [lang=hu|en]`.
    case subAdd(Subscriber, pin: String?)
    /// `SUB SHOW <msisdn>`.
    case subShow(MSISDN)
    /// `SUB LIST [<prefix>] [product=…] [status=…] [after=<msisdn>] [limit=N]`.
    case subList(SubscriberQuery)
    /// `SUB SET <msisdn> product=… allowance=… lang=… status=… birth=…`
    case subSet(MSISDN, ProfileChange)
    /// `SUB END <msisdn>`
    case subEnd(MSISDN)
    /// `BILL CLOSE <YYYY-MM> [<msisdn>] [after=] [limit=]`
    case billClose(BillRun)
    /// `PIN SET <msisdn> <pin>`, `PIN RESET <msisdn>`, `PIN UNLOCK <msisdn>`.
    case pin(MSISDN, PINChange)
    /// `RELOAD`: reads `Grammars/` again; a grammar with an error is refused and the one in
    /// force stays.
    case reload
    /// `PING`: answered `250 PONG`.
    case ping
    /// `HELP`: lists the verbs the connection may use.
    case help
    /// `QUIT`: answered `221`, then the connection closes.
    case quit

    /// The limits of ``Limits``, as the line protocol's verbs name them.
    public static let maximumTopUp = Limits.maximumTopUp
    public static let maximumPrice = Limits.maximumPrice
    public static let outboxBatch = Limits.outboxBatch
    public static let maximumUSSD = Limits.maximumUSSD

    /// The verb of the request; `nil` for ``empty``.
    public var verb: Verb? {
        switch self {
        case .empty: return nil
        case .auth: return .auth
        case .sms: return .sms
        case .topup: return .topup
        case .mt: return .mt
        case .ussd: return .ussd
        case .release: return .release
        case .outbox: return .outbox
        case .rateSet, .rateDelete, .rateList: return .rate
        case .subAdd, .subShow, .subList, .subSet, .subEnd: return .sub
        case .billClose: return .bill
        case .pin: return .pin
        case .reload: return .reload
        case .ping: return .ping
        case .help: return .help
        case .quit: return .quit
        }
    }
}
