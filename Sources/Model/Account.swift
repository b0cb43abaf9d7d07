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
    public var outcome: String {
        get { outcomeHead.isEmpty ? outcomeTail : String(concatenating: outcomeHead, outcomeTail) }
        set { (outcomeHead, outcomeTail) = ("", newValue) }
    }
    /// ``outcome`` as its two pieces, `ok: ` and `balance`: every command is audited, and
    /// a store copies the pieces where it keeps the row without joining them first.
    public private(set) var outcomeHead: String
    public private(set) var outcomeTail: String

    public init(at: Int64, account: String?, channel: String, msisdn: String?, request: String, outcome: String) {
        self.init(at: at, account: account, channel: channel, msisdn: msisdn, request: request,
                  outcomeHead: "", outcomeTail: outcome)
    }

    /// An entry whose ``outcome`` is `outcomeHead` followed by `outcomeTail`.
    public init(at: Int64, account: String?, channel: String, msisdn: String?, request: String,
                outcomeHead: String, outcomeTail: String) {
        self.at = at
        self.account = account
        self.channel = channel
        self.msisdn = msisdn
        self.request = request
        self.outcomeHead = outcomeHead
        self.outcomeTail = outcomeTail
    }

    // Equal by what the row says, however its outcome was split.
    public static func == (a: AuditEntry, b: AuditEntry) -> Bool {
        a.at == b.at && a.account == b.account && a.channel == b.channel && a.msisdn == b.msisdn
            && a.request == b.request && a.outcome == b.outcome
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(at)
        hasher.combine(account)
        hasher.combine(channel)
        hasher.combine(msisdn)
        hasher.combine(request)
        hasher.combine(outcome)
    }
}
