import HTTPTypes
/// An HTTP request as ``HTTPServer`` hands it over: everything already copied out of
/// the connection's buffer, so it can be queued and looked at after the callback returned.
///
/// ```swift
/// let r = HTTPRequest(id: 1, method: "GET", uri: "/kannel/sms?from=%2B36301111111&text=a+b")
/// r.path                    // "/kannel/sms"
/// r.query["from"]           // "+36301111111"
/// r.query["text"]           // "a b"
/// ```
public struct HTTPRequest: Sendable {
    /// Names the request to ``HTTPServer/respond(to:with:)``; unique in this process.
    public let id: UInt64
    /// `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `HEAD`, `OPTIONS`.
    public let method: String
    /// The request target as sent (`/kannel/sms?from=…`).
    public let uri: String
    /// The path, percent-decoded (`+` stays `+`); `nil` when its escapes are not valid UTF-8.
    public let path: String?
    /// The query string decoded as a form (`+` is a space).
    public let query: HTTPParameters
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// `HOST:PORT` of the client.
    public let peer: String
    /// Monotonic seconds when the request was complete (``HTTPServer/monotonicNow()``).
    public let receivedAt: Double

    public init(id: UInt64, method: String, uri: String, headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = [], peer: String = "", receivedAt: Double = 0) {
        self.id = id
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.peer = peer
        self.receivedAt = receivedAt
        var target = Substring(uri)
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        if let mark = target.firstIndex(of: "?") {
            path = FormDecoding.percentDecode(target[..<mark], plusIsSpace: false)
            query = HTTPParameters(decodingForm: target[target.index(after: mark)...])
        } else {
            path = FormDecoding.percentDecode(target, plusIsSpace: false)
            query = HTTPParameters()
        }
    }

    /// The media type of the body without parameters, lower-cased
    /// (`application/x-www-form-urlencoded; charset=utf-8` → `application/x-www-form-urlencoded`).
    public var mediaType: String? {
        guard let value = headers["Content-Type"] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return type.trimmingSpaces.lowercased()
    }
}

/// What goes back: status, headers, body. `Content-Length` is added by ``HTTPResponseEncoder``.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array(text.utf8))
    }

    /// The first value of a header, case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.elementsEqual(b.headers) { $0 == $1 }
    }

    /// The reason phrase of the status line.
    public static func reason(_ status: Int) -> String {
        HTTPResponse.known[status]?.reasonPhrase ?? "Status \(status)"
    }

    /// The statuses this server answers, with swift-http-types' reason phrases (RFC 9110's:
    /// `413 Content Too Large`).
    static let known: [Int: HTTPTypes.HTTPResponse.Status] = Dictionary(uniqueKeysWithValues: [
        HTTPTypes.HTTPResponse.Status.ok, .created, .accepted, .noContent, .badRequest, .unauthorized, .forbidden, .notFound,
        .methodNotAllowed, .requestTimeout, .conflict, .contentTooLarge, .unsupportedMediaType, .expectationFailed,
        .tooManyRequests, .requestHeaderFieldsTooLarge, .internalServerError, .notImplemented, .serviceUnavailable,
        .httpVersionNotSupported,
    ].map { ($0.code, $0) })
}

/// Request headers in arrival order; names compare case-insensitively.
///
/// Our own, not swift-http-types' `HTTPFields`: on the Kannel path (BENCHMARKS.md
/// "2026-12-03 (late night)") `HTTPFields` cost ~2 % of the CPU in one `Authorization`
/// lookup (unspecialised generics), where this is a scan of a few pairs.
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name` (ASCII case-insensitive, compared without copies).
    public subscript(name: String) -> String? {
        fields.first { HTTPHeaders.sameName($0.name, name) }?.value
    }

    /// How many fields are named `name`.
    public func count(of name: String) -> Int {
        fields.reduce(0) { $0 + (HTTPHeaders.sameName($1.name, name) ? 1 : 0) }
    }

    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8) { x, y in
            (x >= 0x41 && x <= 0x5A ? x | 0x20 : x) == (y >= 0x41 && y <= 0x5A ? y | 0x20 : y)
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// Decoded `name=value` pairs of a query string or a form body, in order; a name may repeat.
public struct HTTPParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []
    /// True when some pair was not valid percent-encoded UTF-8 and was left out.
    public private(set) var hadMalformedPairs = false

    public init() {}

    /// Decodes `application/x-www-form-urlencoded` text: pairs split on `&`, `+` is a
    /// space, `%XX` escapes are bytes of UTF-8. A name without `=` has an empty value.
    public init(decodingForm text: some StringProtocol) {
        // An array: indexing a String's UTF-8 view is far slower than an array's.
        self.init(decodingFormBytes: Array(text.utf8))
    }

    public init(decodingForm bytes: [UInt8]) {
        self.init(decodingFormBytes: bytes)
    }

    /// Split as bytes: every Kannel MO and USSD callback comes through here, and a
    /// `split` of a String walks Characters (callgrind: a seventh of an HTTP request).
    init<Bytes: Collection<UInt8>>(decodingFormBytes bytes: Bytes) {
        var start = bytes.startIndex
        while start != bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let piece = bytes[start..<end]
            start = end == bytes.endIndex ? end : bytes.index(after: end)
            guard !piece.isEmpty else { continue }
            let equals = piece.firstIndex(of: UInt8(ascii: "="))
            let nameBytes = piece[..<(equals ?? piece.endIndex)]
            let valueBytes = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            guard let name = FormDecoding.percentDecode(bytes: nameBytes, plusIsSpace: true),
                  let value = FormDecoding.percentDecode(bytes: valueBytes, plusIsSpace: true)
            else {
                hadMalformedPairs = true
                continue
            }
            pairs.append((name: name, value: value))
        }
    }

    /// The first value of `name` (names are case-sensitive, as in forms).
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// These pairs, then `other`'s.
    public func merging(_ other: HTTPParameters) -> HTTPParameters {
        var merged = self
        merged.pairs += other.pairs
        merged.hadMalformedPairs = hadMalformedPairs || other.hadMalformedPairs
        return merged
    }
}

/// Percent-decoding of URIs and forms.
public enum FormDecoding {
    /// `%XX` escapes to bytes, then the bytes as UTF-8; `nil` on a broken escape or bytes
    /// that are not UTF-8 (a replacement character would hide the error).
    public static func percentDecode(_ text: some StringProtocol, plusIsSpace: Bool) -> String? {
        percentDecode(bytes: text.utf8, plusIsSpace: plusIsSpace)
    }

    /// ``percentDecode(_:plusIsSpace:)`` of bytes.
    public static func percentDecode(bytes text: some Collection<UInt8>, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The value of one hex digit, either case.
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let s = Substring(self)
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return s[first...last]
    }
}
