/// What an authenticated connection may do.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// The network side (SMSC, Kannel, a simulator): delivers subscribers' MO SMS and USSD.
    case network
    /// Operators and their scripts: rates, subscribers, top-ups.
    case `operator`
}

/// A login of the line protocol or the HTTP API.
public struct Account: Hashable, Sendable {
    public var name: String
    public var role: Role
    /// ``PasswordHash`` encoding.
    public var passwordHash: String

    public init(name: String, role: Role, passwordHash: String) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
    }
}

/// One audit row: every command that reaches the engine leaves one, in the same
/// transaction as its effect.
public struct AuditEntry: Hashable, Sendable {
    /// Unix time, seconds.
    public var at: Int64
    /// The authenticated account, when there is one.
    public var account: String?
    /// `line`, `http`, `smpp`, `cli` …
    public var channel: String
    /// The subscriber concerned, when there is one.
    public var msisdn: String?
    /// The request as received, with any PIN or password masked.
    public var request: String
    /// The engine's verdict: `ok: balance`, `refused: postpaid`, `unknown subscriber`.
    public var outcome: String

    public init(at: Int64, account: String?, channel: String, msisdn: String?, request: String, outcome: String) {
        self.at = at
        self.account = account
        self.channel = channel
        self.msisdn = msisdn
        self.request = request
        self.outcome = outcome
    }
}
