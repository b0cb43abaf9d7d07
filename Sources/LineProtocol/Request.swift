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
    /// `PING`: answered `250 PONG`.
    case ping
    /// `HELP`: lists the verbs the connection may use.
    case help
    /// `QUIT`: answered `221`, then the connection closes.
    case quit

    /// The largest amount one `TOPUP` may add: 10 000 000 Ft. A guard against mistyped
    /// amounts (an extra zero or two); larger amounts are refused with `501` and change
    /// nothing. Bigger credits are made in several top-ups.
    public static let maximumTopUp: Int64 = 10_000_000

    /// The verb of the request; `nil` for ``empty``.
    public var verb: Verb? {
        switch self {
        case .empty: return nil
        case .auth: return .auth
        case .sms: return .sms
        case .topup: return .topup
        case .ping: return .ping
        case .help: return .help
        case .quit: return .quit
        }
    }
}
