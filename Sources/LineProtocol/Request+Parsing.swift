#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Model
import Numbering

extension Request {
    /// Parses one line (as delivered by ``LineDecoder``: no LF, no CR of a CRLF).
    /// The same as ``RequestParser/parse(_:)``.
    public static func parse(_ line: UnsafeRawBufferPointer) -> Result<Request, RequestError> {
        RequestParser.parse(line)
    }
}

/// Turns a line into a ``Request`` or a ``RequestError``, reading the bytes in place.
///
/// - The line must be UTF-8 without NUL bytes: otherwise `501 NUL byte in line` (checked
///   first) or `501 invalid UTF-8`.
/// - An empty line, or spaces and tabs only, is ``Request/empty``.
/// - The verb (any case) and the arguments are separated by runs of spaces and tabs;
///   leading and trailing runs are ignored, except that the text of `SMS` is the rest of
///   the line as typed. An unknown verb is `500 unknown command`.
/// - A wrong number of arguments is `501 Usage: <usage of the verb>`; a malformed argument
///   is `501` with a reason naming it (`malformed number: from`, `invalid amount: …`).
///
/// Only the parts that must be strings become `String`s (the account and password, the
/// SMS text, the numbers handed to `Numbering`); numbers and amounts are short enough to be
/// stored inline, so a typical request allocates just its SMS text.
public enum RequestParser {
    /// Longest token considered as a phone number: anything longer is malformed without
    /// being looked at (E.164 numbers have at most 15 digits, plus a few separators).
    static let maximumNumberToken = 32

    public static func parse(_ line: UnsafeRawBufferPointer) -> Result<Request, RequestError> {
        guard let base = line.baseAddress, line.count > 0 else { return .success(.empty) }
        if memchr(base, 0, line.count) != nil { return .failure(.nulByte) }
        guard UTF8Validation.isValid(line) else { return .failure(.invalidUTF8) }

        var arguments = ArgumentScanner(line)
        guard let verbToken = arguments.next() else { return .success(.empty) }
        guard let verb = Request.Verb(token: verbToken) else { return .failure(.unknownCommand) }

        return verb.entry.parse(&arguments)
    }

    /// Longest idempotency key (`id=<token>`), in bytes.
    public static let maximumKey = 64

    /// The verbs that take an idempotency key: those that move money or queue SMS.
    public static let keyedVerbs: Set<Request.Verb> = [.sms, .topup, .mt, .ussd, .rate, .sub, .pin]

    /// ``parse(_:)``, with an optional idempotency key as the first argument of a verb
    /// that changes state: `TOPUP id=bill-77 36301111111 1000`. The key is 1 to 64
    /// printable ASCII characters without spaces; a repeat of it is answered with the
    /// first answer and changes nothing (the server's business).
    public static func parseKeyed(_ line: UnsafeRawBufferPointer) -> Result<(request: Request, key: String?), RequestError> {
        guard let base = line.baseAddress, line.count > 0 else { return .success((.empty, nil)) }
        if memchr(base, 0, line.count) != nil { return .failure(.nulByte) }
        guard UTF8Validation.isValid(line) else { return .failure(.invalidUTF8) }

        var arguments = ArgumentScanner(line)
        guard let verbToken = arguments.next() else { return .success((.empty, nil)) }
        guard let verb = Request.Verb(token: verbToken) else { return .failure(.unknownCommand) }
        var key: String?
        var probe = arguments
        if let token = probe.next(), token.count >= 3,
           token[0] | 0x20 == UInt8(ascii: "i"), token[1] | 0x20 == UInt8(ascii: "d"), token[2] == UInt8(ascii: "=") {
            guard keyedVerbs.contains(verb) else {
                return .failure(RequestError(.syntaxError, "id= is taken by SMS, TOPUP, MT, USSD, RATE, SUB and PIN only", verb: verb))
            }
            let value = UnsafeRawBufferPointer(rebasing: token[3...])
            guard (1...maximumKey).contains(value.count), value.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                return .failure(RequestError(.syntaxError, "invalid id: 1 to \(maximumKey) printable ASCII characters", verb: verb))
            }
            key = string(value)
            arguments = probe
        }
        return verb.entry.parse(&arguments).map { ($0, key) }
    }

    // MARK: Verbs

    /// `AUTH <account> <password>`
    static func parseAuth(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let account = arguments.next(), let password = arguments.next(), arguments.isAtEnd() else {
            return .failure(.usage(.auth))
        }
        return .success(.auth(account: string(account), password: string(password)))
    }

    /// `SMS <from-msisdn> <to-number> <text…>`
    static func parseSMS(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let fromToken = arguments.next(), let toToken = arguments.next() else {
            return .failure(.usage(.sms))
        }
        let text = arguments.rest()
        guard text.count > 0 else { return .failure(.usage(.sms)) }
        guard let from = msisdn(fromToken) else {
            return .failure(RequestError(.syntaxError, "malformed number: from", verb: .sms))
        }
        guard toToken.count <= maximumNumberToken, let to = Destination(parsing: string(toToken)) else {
            return .failure(RequestError(.syntaxError, "malformed number: to", verb: .sms))
        }
        return .success(.sms(from: from, to: to, text: string(text)))
    }

    /// `TOPUP <msisdn> <amount>`
    static func parseTopUp(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let msisdnToken = arguments.next(), let amountToken = arguments.next(), arguments.isAtEnd() else {
            return .failure(.usage(.topup))
        }
        guard let msisdn = msisdn(msisdnToken) else {
            return .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .topup))
        }
        switch amount(amountToken) {
        case .success(let amount): return .success(.topup(msisdn: msisdn, amount: amount))
        case .failure(let error): return .failure(error)
        }
    }

    /// `MT <from-number> <to-msisdn> <text…>`
    static func parseMT(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let fromToken = arguments.next(), let toToken = arguments.next() else {
            return .failure(.usage(.mt))
        }
        let text = arguments.rest()
        guard text.count > 0 else { return .failure(.usage(.mt)) }
        guard fromToken.count <= maximumNumberToken, let from = Destination(parsing: string(fromToken)) else {
            return .failure(RequestError(.syntaxError, "malformed number: from", verb: .mt))
        }
        guard let to = msisdn(toToken) else {
            return .failure(RequestError(.syntaxError, "malformed number: to", verb: .mt))
        }
        return .success(.mt(from: from, to: to, text: string(text)))
    }

    /// `OUTBOX [<msisdn>]`
    static func parseOutbox(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let token = arguments.next() else { return .success(.outbox(recipient: nil)) }
        guard arguments.isAtEnd() else { return .failure(.usage(.outbox)) }
        guard let recipient = msisdn(token) else {
            return .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .outbox))
        }
        return .success(.outbox(recipient: recipient))
    }

    /// `USSD <msisdn> <string…>`: the string is the rest of the line, trailing spaces and
    /// tabs dropped (a number may be typed with spaces).
    static func parseUSSD(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let token = arguments.next() else { return .failure(.usage(.ussd)) }
        var rest = arguments.rest()[...]
        while let last = rest.last, ArgumentScanner.isSeparator(last) { rest = rest.dropLast() }
        guard !rest.isEmpty else { return .failure(.usage(.ussd)) }
        guard let msisdn = msisdn(token) else {
            return .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .ussd))
        }
        let text = string(UnsafeRawBufferPointer(rebasing: rest))
        guard text.count <= Request.maximumUSSD else {
            return .failure(RequestError(.syntaxError, "USSD string longer than \(Request.maximumUSSD) characters", verb: .ussd))
        }
        return .success(.ussd(msisdn: msisdn, text: text))
    }

    /// `RELEASE <msisdn>`
    static func parseRelease(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let token = arguments.next(), arguments.isAtEnd() else { return .failure(.usage(.release)) }
        guard let msisdn = msisdn(token) else {
            return .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .release))
        }
        return .success(.release(msisdn))
    }

    /// `RATE SET <prefix> <price> <kind> [adult|noadult]`, `RATE DEL <prefix> [<kind>]`, `RATE LIST [<prefix>]`
    static func parseRate(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let sub = arguments.next() else { return .failure(.usage(.rate)) }
        func prefix(_ token: UnsafeRawBufferPointer) -> String? {
            token.count <= maximumNumberToken ? PhoneNumber.normalisedPrefix(string(token)) : nil
        }
        let badPrefix = RequestError(.syntaxError, "malformed prefix: digits as dialled (0690, 1690, 777) or international (3690)", verb: .rate)
        func kind(_ token: UnsafeRawBufferPointer) -> RateKind? { RateKind(rawValue: string(token).lowercased()) }
        let badKind = RequestError(.syntaxError, "unknown kind: premium, premium-mt, subscription or donation", verb: .rate)
        switch string(sub).uppercased() {
        case "SET":
            guard let prefixToken = arguments.next(), let priceToken = arguments.next(),
                  let kindToken = arguments.next() else { return .failure(.usage(.rate)) }
            // No flag keeps the stored one: a price change must not unmark an adult range.
            var adult: Bool?
            if let flag = arguments.next() {
                switch string(flag).lowercased() {
                case "adult": adult = true
                case "noadult": adult = false
                default: return .failure(.usage(.rate))
                }
                guard arguments.isAtEnd() else { return .failure(.usage(.rate)) }
            }
            guard let p = prefix(prefixToken) else { return .failure(badPrefix) }
            guard let k = kind(kindToken) else { return .failure(badKind) }
            switch number(priceToken, allowZero: true, maximum: Request.maximumPrice, what: "price", verb: .rate) {
            case .success(let price): return .success(.rateSet(RateChange(prefix: p, price: price, kind: k, adult: adult)))
            case .failure(let error): return .failure(error)
            }
        case "DEL":
            guard let prefixToken = arguments.next() else { return .failure(.usage(.rate)) }
            guard let p = prefix(prefixToken) else { return .failure(badPrefix) }
            guard let kindToken = arguments.next() else { return .success(.rateDelete(prefix: p, kind: nil)) }
            guard arguments.isAtEnd() else { return .failure(.usage(.rate)) }
            guard let k = kind(kindToken) else { return .failure(badKind) }
            return .success(.rateDelete(prefix: p, kind: k))
        case "LIST":
            guard let prefixToken = arguments.next() else { return .success(.rateList(prefix: nil)) }
            guard arguments.isAtEnd() else { return .failure(.usage(.rate)) }
            guard let p = prefix(prefixToken) else { return .failure(badPrefix) }
            return .success(.rateList(prefix: p))
        default:
            return .failure(.usage(.rate))
        }
    }

    /// `SUB ADD <msisdn> <product> [birth=…] [pin=…] [lang=…]`, `SUB SHOW <msisdn>`
    /// `PIN SET <msisdn> <pin>`, `PIN RESET <msisdn>`, `PIN UNLOCK <msisdn>`.
    static func parsePIN(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        guard let word = arguments.next(), let msisdnToken = arguments.next() else { return .failure(.usage(.pin)) }
        guard let msisdn = msisdn(msisdnToken) else {
            return .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .pin))
        }
        let change: PINChange
        switch string(word).uppercased() {
        case "SET":
            guard let pinToken = arguments.next() else { return .failure(.usage(.pin)) }
            let pin = string(pinToken)
            guard pin.utf8.count == 5, pin.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return .failure(RequestError(.syntaxError, "invalid PIN: 5 digits", verb: .pin))
            }
            change = .set(pin)
        case "RESET": change = .reset
        case "UNLOCK": change = .unlock
        default: return .failure(.usage(.pin))
        }
        guard arguments.isAtEnd() else { return .failure(.usage(.pin)) }
        return .success(.pin(msisdn, change))
    }

    /// `SUB LIST [<prefix>] [product=…] [status=…] [after=<msisdn>] [limit=N]`.
    static func parseSubList(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        Result { () throws(RequestError) -> Request in
            let malformed = RequestError(.syntaxError, "malformed prefix: digits, as 0630 or +3630", verb: .sub)
            let words = try optionWords(&arguments, verb: .sub, positional: true, notAnOption: malformed)
            var query = SubscriberQuery()
            if let first = words.positional {
                guard let prefix = PhoneNumber.normalisedPrefix(first) else { throw malformed }
                query.prefix = prefix
            }
            for (name, value) in words.options {
                switch name {
                case "product": query.product = try option(value, of: Product.self, .sub, "unknown product: prepaid, postpaid or mix")
                case "status":
                    query.status = try option(value, of: SubscriberStatus.self, .sub, "unknown status: active, suspended or terminated")
                case "after": query.after = try afterOption(value, .sub)
                case "limit": query.limit = try limitOption(value, SubscriberQuery.maximumLimit, .sub)
                default: throw .usage(.sub)
                }
            }
            return .subList(query)
        }
    }

    /// `SUB SET <msisdn> [product=…] [allowance=N] [lang=…] [status=active|suspended] [birth=…]`
    static func parseSubSet(_ msisdn: MSISDN, _ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        Result { () throws(RequestError) -> Request in
            var change = ProfileChange()
            for (name, value) in try optionWords(&arguments, verb: .sub, positional: false, notAnOption: .usage(.sub)).options {
                switch name {
                case "product": change.product = try option(value, of: Product.self, .sub, "unknown product: prepaid, postpaid or mix")
                case "allowance":
                    guard value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let amount = Int64(value) else {
                        throw RequestError(.syntaxError, "invalid allowance: forints, digits only", verb: .sub)
                    }
                    change.allowance = amount
                case "lang": change.language = try option(value, of: Language.self, .sub, "unknown language: hu or en")
                case "status":
                    let status = try option(value, of: SubscriberStatus.self, .sub, "unknown status: active or suspended (SUB END terminates)")
                    guard status != .terminated else {
                        throw RequestError(.syntaxError, "unknown status: active or suspended (SUB END terminates)", verb: .sub)
                    }
                    change.status = status
                case "birth": change.birthDate = try birthOption(value)
                default:
                    throw RequestError(.syntaxError, "unknown option \(name)=: product, allowance, lang, status or birth", verb: .sub)
                }
            }
            guard !change.isEmpty else { throw .usage(.sub) }
            return .subSet(msisdn, change)
        }
    }

    /// `BILL CLOSE <YYYY-MM|last> [<msisdn>] [after=<msisdn>] [limit=N]`
    static func parseBill(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        Result { () throws(RequestError) -> Request in
            guard let sub = arguments.next(), string(sub).uppercased() == "CLOSE", let periodToken = arguments.next() else {
                throw .usage(.bill)
            }
            guard let period = BillRun.period(string(periodToken)) else {
                throw RequestError(.syntaxError, "malformed month: YYYY-MM (2026-10) or last", verb: .bill)
            }
            var run = BillRun(period: period)
            let malformed = RequestError(.syntaxError, "malformed number: msisdn", verb: .bill)
            let words = try optionWords(&arguments, verb: .bill, positional: true, notAnOption: malformed)
            if let number = words.positional {
                guard number.utf8.count <= maximumNumberToken, let msisdn = MSISDN(parsing: number) else { throw malformed }
                run.msisdn = msisdn
            }
            for (name, value) in words.options {
                switch name {
                case "after": run.after = try afterOption(value, .bill)
                case "limit": run.limit = try limitOption(value, BillRun.maximumLimit, .bill)
                default: throw .usage(.bill)
                }
            }
            if run.msisdn != nil, run.after != nil || run.limit != BillRun.defaultLimit {
                throw RequestError(.syntaxError, "after= and limit= page a run over all subscribers, not one", verb: .bill)
            }
            return .billClose(run)
        }
    }

    static func parseSub(_ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        var probe = arguments
        if let word = probe.next(), string(word).uppercased() == "LIST" {
            return parseSubList(&probe)
        }
        guard let sub = arguments.next(), let msisdnToken = arguments.next() else { return .failure(.usage(.sub)) }
        guard let msisdn = msisdn(msisdnToken) else {
            return .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .sub))
        }
        switch string(sub).uppercased() {
        case "SHOW":
            guard arguments.isAtEnd() else { return .failure(.usage(.sub)) }
            return .success(.subShow(msisdn))
        case "END":
            guard arguments.isAtEnd() else { return .failure(.usage(.sub)) }
            return .success(.subEnd(msisdn))
        case "SET":
            return parseSubSet(msisdn, &arguments)
        case "ADD":
            return parseSubAdd(msisdn, &arguments)
        default:
            return .failure(.usage(.sub))
        }
    }

    /// `SUB ADD <msisdn> <product> [birth=…] [pin=NNNNN] [lang=…]`
    static func parseSubAdd(_ msisdn: MSISDN, _ arguments: inout ArgumentScanner) -> Result<Request, RequestError> {
        Result { () throws(RequestError) -> Request in
            guard let productToken = arguments.next() else { throw .usage(.sub) }
            let product = try option(string(productToken), of: Product.self, .sub, "unknown product: prepaid, postpaid or mix")
            var subscriber = Subscriber(msisdn: msisdn, product: product)
            var pin: String?
            for (name, value) in try optionWords(&arguments, verb: .sub, positional: false, notAnOption: .usage(.sub)).options {
                switch name {
                case "birth": subscriber.birthDate = try birthOption(value)
                case "pin":
                    guard value.utf8.count == 5, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                        throw RequestError(.syntaxError, "invalid PIN: 5 digits", verb: .sub)
                    }
                    pin = value
                case "lang": subscriber.language = try option(value, of: Language.self, .sub, "unknown language: hu or en")
                default: throw RequestError(.syntaxError, "unknown option \(name)=: birth, pin or lang", verb: .sub)
                }
            }
            return .subAdd(subscriber, pin: pin)
        }
    }

    /// `PING`, `HELP`, `QUIT`
    static func noArguments(_ arguments: inout ArgumentScanner, _ verb: Request.Verb, _ request: Request)
        -> Result<Request, RequestError>
    {
        arguments.isAtEnd() ? .success(request) : .failure(.usage(verb))
    }

    // MARK: Arguments

    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func msisdn(_ token: UnsafeRawBufferPointer) -> MSISDN? {
        guard token.count <= maximumNumberToken else { return nil }
        return MSISDN(parsingUTF8: token)
    }

    /// A plain decimal number of forints, 0 or 1 … `maximum`, digits only.
    static func number(_ token: UnsafeRawBufferPointer, allowZero: Bool, maximum: Int64, what: String,
                       verb: Request.Verb) -> Result<Int64, RequestError> {
        guard !token.isEmpty, token.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(RequestError(.syntaxError, "invalid \(what): not a whole number of forints", verb: verb))
        }
        var value: Int64 = 0
        for byte in token where value <= maximum { value = value * 10 + Int64(byte - 0x30) }
        guard value <= maximum else {
            return .failure(RequestError(.syntaxError, "invalid \(what): more than \(maximum) Ft", verb: verb))
        }
        guard allowZero || value > 0 else {
            return .failure(RequestError(.syntaxError, "invalid \(what): must be positive", verb: verb))
        }
        return .success(value)
    }

    /// A plain decimal amount of forints, 1 … ``Request/maximumTopUp``: digits only (leading
    /// zeros allowed), no sign, no separators, no decimals. Any length is safe: the value
    /// stops growing once it passes the maximum, so nothing overflows.
    static func amount(_ token: UnsafeRawBufferPointer) -> Result<Int64, RequestError> {
        let notANumber = RequestError(.syntaxError, "invalid amount: not a whole number of forints", verb: .topup)
        let notPositive = RequestError(.syntaxError, "invalid amount: must be positive", verb: .topup)
        var digits = token[...]
        var negative = false
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return .failure(notANumber) }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= 0x30, byte <= 0x39 else { return .failure(notANumber) }
            if value <= Request.maximumTopUp {
                value = value * 10 + Int64(byte - 0x30)
            }
        }
        if negative || value == 0 { return .failure(notPositive) }
        guard value <= Request.maximumTopUp else {
            return .failure(RequestError(
                .syntaxError, "invalid amount: more than \(Request.maximumTopUp) Ft", verb: .topup))
        }
        return .success(value)
    }
}
