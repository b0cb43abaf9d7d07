import Model

extension Request: CustomStringConvertible {
    /// The request as a line of text, secrets masked, for the audit log: `AUTH ops ****`,
    /// `SMS 36301111111 1730 EGYENLEG`, `TOPUP 36301111111 500`; empty for ``empty``.
    ///
    /// Numbers appear in canonical form. The SMS text is kept as received: which words of
    /// it are a PIN only the grammar knows, so the engine masks them before auditing.
    /// `SUB ADD` shows `pin=*****`. The USSD string is kept too: whether it answers a PIN
    /// prompt only the engine knows (it masks PINs and barring passwords before auditing).
    public var maskedDescription: String {
        switch self {
        case .empty: return ""
        case .auth(let account, _): return "AUTH \(account) ****"
        case .sms(let from, let to, let text): return Self.line("SMS ", from.digits, to.digits, text)
        case .mt(let from, let to, let text): return Self.line("MT ", from.digits, to.digits, text)
        case .topup(let msisdn, let amount): return "TOPUP \(msisdn.digits) \(amount)"
        case .ussd(let msisdn, let text): return "USSD \(msisdn.digits) \(text)"
        case .release(let msisdn): return "RELEASE \(msisdn.digits)"
        case .outbox(let recipient): return recipient.map { "OUTBOX \($0.digits)" } ?? "OUTBOX"
        case .rateSet(let r):
            let flag = r.adult.map { $0 ? " adult" : " noadult" } ?? ""
            return "RATE SET \(r.prefix) \(r.price) \(r.kind.rawValue)\(flag)"
        case .rateDelete(let prefix, let kind): return "RATE DEL \(prefix)\(kind.map { " " + $0.rawValue } ?? "")"
        case .rateList(let prefix): return "RATE LIST\(prefix.map { " " + $0 } ?? "")"
        case .subAdd(let s, let pin):
            var text = "SUB ADD \(s.msisdn.digits) \(s.product.rawValue)"
            if let birth = s.birthDate { text += " birth=\(birth.iso)" }
            if pin != nil { text += " pin=*****" }
            return text + " lang=\(s.language.rawValue)"
        case .subShow(let msisdn): return "SUB SHOW \(msisdn.digits)"
        case .subList(let query): return "SUB LIST" + query.words.map { " " + $0 }.joined()
        case .subSet(let msisdn, let change): return "SUB SET \(msisdn.digits) \(change.options)"
        case .subEnd(let msisdn): return "SUB END \(msisdn.digits)"
        case .billClose(let run): return "BILL CLOSE " + run.words.joined(separator: " ")
        case .pin(let msisdn, let change):
            if case .set = change { return "PIN SET \(msisdn.digits) *****" }
            return "PIN \(change.word) \(msisdn.digits)"
        case .reload: return "RELOAD"
        case .ping: return "PING"
        case .help: return "HELP"
        case .quit: return "QUIT"
        }
    }

    /// `verb a b text` in one allocation: every SMS is audited with it.
    private static func line(_ verb: String, _ a: String, _ b: String, _ text: String) -> String {
        String(concatenating: verb, a, " ", b, " ", text)
    }

    /// The same as ``maskedDescription``: a request printed anywhere never shows a password.
    public var description: String { maskedDescription }
}
