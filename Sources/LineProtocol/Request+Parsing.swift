#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
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

        switch verb {
        case .auth: return parseAuth(&arguments)
        case .sms: return parseSMS(&arguments)
        case .topup: return parseTopUp(&arguments)
        case .ping: return noArguments(&arguments, verb, .ping)
        case .help: return noArguments(&arguments, verb, .help)
        case .quit: return noArguments(&arguments, verb, .quit)
        }
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
        return MSISDN(parsing: string(token))
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
