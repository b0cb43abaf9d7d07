extension Request: CustomStringConvertible {
    /// The request as a line of text, secrets masked, for the audit log: `AUTH ops ****`,
    /// `SMS 36301111111 1730 EGYENLEG`, `TOPUP 36301111111 500`; empty for ``empty``.
    ///
    /// Numbers appear in canonical form. The SMS text is kept as received: texts that carry
    /// a PIN are known only to the grammar and engine, which must mask them (the grammar
    /// issue adds PIN commands; none exist yet).
    public var maskedDescription: String {
        switch self {
        case .empty: return ""
        case .auth(let account, _): return "AUTH \(account) ****"
        case .sms(let from, let to, let text): return "SMS \(from.digits) \(to.digits) \(text)"
        case .topup(let msisdn, let amount): return "TOPUP \(msisdn.digits) \(amount)"
        case .ping: return "PING"
        case .help: return "HELP"
        case .quit: return "QUIT"
        }
    }

    /// The same as ``maskedDescription``: a request printed anywhere never shows a password.
    public var description: String { maskedDescription }
}
