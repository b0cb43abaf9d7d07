import Model

extension Command {
    /// The command as its audit row shows it, whichever transport it came by: the words
    /// of the line protocol's verb, numbers in canonical form (`SMS 36301111111 1730
    /// EGYENLEG`, `TOPUP 36301111111 500`, `SUB ADD 36301234567 prepaid pin=***** lang=hu`).
    /// Secrets are masked by field: a new subscriber's PIN is never written; an SMS text
    /// or USSD string is audited as the engine masked it (``auditText(text:)``).
    public var auditText: String { auditText(text: nil) }

    /// ``auditText`` with `text` in place of the SMS text or USSD string (the grammar's
    /// masked text: `PIN *****`).
    func auditText(text masked: String?) -> String {
        switch self {
        case .sms(let from, let to, let text):
            return String(concatenating: "SMS ", from.digits, " ", to.digits, " ", masked ?? text)
        case .mt(let from, let to, let text):
            return String(concatenating: "MT ", from.digits, " ", to.digits, " ", text)
        case .topUp(let msisdn, let amount):
            return "TOPUP \(msisdn.digits) \(amount)"
        case .ussd(let from, let input, _):
            return String(concatenating: "USSD ", from.digits, " ", masked ?? input)
        case .outbox(let recipient, _):
            return recipient.map { "OUTBOX \($0.digits)" } ?? "OUTBOX"
        case .setRate(let r):
            let flag = r.adult.map { $0 ? " adult" : " noadult" } ?? ""
            return "RATE SET \(r.prefix) \(r.price) \(r.kind.rawValue)\(flag)"
        case .deleteRates(let prefix, let kind):
            return "RATE DEL \(prefix)\(kind.map { " " + $0.rawValue } ?? "")"
        case .listRates(let prefix):
            return "RATE LIST\(prefix.map { " " + $0 } ?? "")"
        case .addSubscriber(let s, let pin):
            var text = "SUB ADD \(s.msisdn.digits) \(s.product.rawValue)"
            if let birth = s.birthDate { text += " birth=\(birth.iso)" }
            if pin != nil { text += " pin=*****" }
            return text + " lang=\(s.language.rawValue)"
        case .showSubscriber(let msisdn):
            return "SUB SHOW \(msisdn.digits)"
        case .listSubscribers(let q):
            return "SUB LIST" + q.words.map { " " + $0 }.joined()
        case .pin(let msisdn, let change):
            // A PIN set by an operator is never written; a reset one is never known here.
            if case .set = change { return "PIN SET \(msisdn.digits) *****" }
            return "PIN \(change.word) \(msisdn.digits)"
        case .updateSubscriber(let msisdn, let change):
            return "SUB SET \(msisdn.digits) \(change.options)"
        case .endSubscriber(let msisdn):
            return "SUB END \(msisdn.digits)"
        case .closeBills(let run):
            return "BILL CLOSE " + run.words.joined(separator: " ")
        }
    }
}
