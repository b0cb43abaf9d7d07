/// Why a line is not a valid request: the response code and a short English text,
/// written back as `NNN text`.
///
/// ```swift
/// RequestError(.syntaxError, "malformed number: from", verb: .sms)  // 501 malformed number: from
/// ```
public struct RequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The response code (`500`, `501`, `530` …).
    public var code: ResponseCode
    /// The text after the code, without line end.
    public var text: String
    /// The verb when it was recognised (its arguments were wrong): lets the server answer
    /// `530` rather than `501` to a connection that may not use the verb at all.
    public var verb: Request.Verb?

    public init(_ code: ResponseCode, _ text: String, verb: Request.Verb? = nil) {
        self.code = code
        self.text = text
        self.verb = verb
    }

    /// `NNN text`, as written on the wire without the line end.
    public var description: String { "\(code.rawValue) \(text)" }

    /// `500 unknown command`.
    public static let unknownCommand = RequestError(.unknownCommand, "unknown command")
    /// `500 line too long`: the answer to ``LineEvent/tooLong``.
    public static let lineTooLong = RequestError(.unknownCommand, "line too long")
    /// `501 invalid UTF-8`.
    public static let invalidUTF8 = RequestError(.syntaxError, "invalid UTF-8")
    /// `501 NUL byte in line`.
    public static let nulByte = RequestError(.syntaxError, "NUL byte in line")
    /// `530 authentication required`: a verb needing a role before `AUTH`.
    public static let authenticationRequired = RequestError(.authenticationRequired, "authentication required")

    /// `501 Usage: <usage of the verb>`: wrong number of arguments.
    public static func usage(_ verb: Request.Verb) -> RequestError {
        RequestError(.syntaxError, "Usage: " + verb.usage, verb: verb)
    }
}
