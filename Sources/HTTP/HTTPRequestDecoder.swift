/// The head of an HTTP/1.x request: everything before the body.
public struct HTTPRequestHead: Sendable {
    /// `GET`, `POST` … as sent (methods are case-sensitive).
    public var method: String
    /// The request target as sent (`/kannel/sms?from=…`).
    public var uri: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var body: BodyFraming
    /// Whether the connection may carry another request after this one.
    public var keepAlive: Bool
    /// `Expect: 100-continue`: the client waits for `100 Continue` before the body.
    public var expectsContinue: Bool

    public enum BodyFraming: Sendable, Equatable {
        case none
        case length(Int)
        case chunked
    }
}

/// Why a request cannot be read: the status to answer with, after which the connection
/// is closed (what follows on it cannot be framed any more).
public struct HTTPDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }
}

/// HTTP/1.0 and 1.1 requests cut out of a byte stream: a pure state machine, fed
/// whatever arrived, in pieces of any size (tested byte by byte).
///
/// Each request is reported twice: ``Event/head(_:)`` as soon as its head is complete,
/// so that the server can refuse it (no credentials, too large, unknown path) before
/// its body is read or kept, then ``Event/request(_:body:)`` once the body is in. A
/// `Content-Length` over ``maxBodyBytes`` is a `413` failure right after the head event.
/// Malformed input is ``Event/failure(_:)``; the decoder reports nothing after one.
///
/// It is strict where laxness lets two parsers disagree about where a request ends
/// (request smuggling): two different `Content-Length`s, `Content-Length` together with
/// `Transfer-Encoding`, white space before a header's colon, folded header lines and
/// control characters are all `400`.
///
/// ```swift
/// var decoder = HTTPRequestDecoder()
/// let bytes = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
/// let used = bytes.withUnsafeBytes { decoder.decode($0) { event in print(event); return .read } }
/// // head(GET /healthz), request(GET /healthz, body: []); used == bytes.count
/// ```
public struct HTTPRequestDecoder {
    /// Longest head (request line and headers, and a chunked body's trailers).
    public var maxHeadBytes = 16 << 10
    /// Most header fields in one head.
    public var maxHeaderCount = 100
    /// Largest body; a `Content-Length` above it is refused before any of the body is read.
    public var maxBodyBytes = 64 << 10

    public enum Event {
        /// The head is complete; the body (if any) has not been read yet.
        case head(HTTPRequestHead)
        /// The whole request.
        case request(HTTPRequestHead, body: [UInt8])
        case failure(HTTPDecodingError)
    }

    private enum State {
        /// Looking for the blank line that ends the head; `scanned` bytes of the
        /// unconsumed input are known not to hold it.
        case head(scanned: Int)
        case body(HTTPRequestHead, remaining: Int)
        case chunkSize(HTTPRequestHead)
        case chunkData(HTTPRequestHead, remaining: Int)
        case chunkEnd(HTTPRequestHead)
        case trailers(HTTPRequestHead, scanned: Int)
        case failed
    }

    /// What the caller wants after an event.
    public enum Next {
        /// Go on decoding.
        case read
        /// Stop here; the rest stays unconsumed for a later call.
        case stop
        /// After a ``Event/head(_:)``: read the body but keep none of it (a refused
        /// request whose connection stays usable); the request comes with an empty body.
        case discardBody
    }

    private var state = State.head(scanned: 0)
    private var body: [UInt8] = []
    private var discarding = false

    public init(maxBodyBytes: Int = 64 << 10) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether the decoder stopped for good after a failure.
    public var hasFailed: Bool {
        if case .failed = state { return true }
        return false
    }

    /// Whether part of a request has been read (a head begun, a body under way).
    public var isMidRequest: Bool {
        if case .head(let scanned) = state { return scanned > 0 }
        return !hasFailed
    }

    /// Decodes what it can of `bytes` and returns how many it consumed; the caller keeps
    /// the rest and passes it again, with more, next time. `onEvent` says whether to go
    /// on (``Next``).
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, _ onEvent: (Event) -> Next) -> Int {
        var offset = 0
        while offset <= bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch state {
            case .failed:
                return bytes.count
            case .head(let scanned):
                guard let (length, lines) = Self.findHead(rest, from: scanned) else {
                    if rest.count > maxHeadBytes { return fail(HTTPDecodingError(431, "request head over \(maxHeadBytes) bytes"), onEvent, bytes.count) }
                    state = .head(scanned: max(0, rest.count - 3))
                    return offset
                }
                if lines.isEmpty {
                    // Empty lines before a request line are ignored (RFC 9112, 2.2).
                    offset += length
                    state = .head(scanned: 0)
                    continue
                }
                guard length <= maxHeadBytes else { return fail(HTTPDecodingError(431, "request head over \(maxHeadBytes) bytes"), onEvent, bytes.count) }
                let head: HTTPRequestHead
                switch parseHead(lines, rest) {
                case .success(let h): head = h
                case .failure(let error): return fail(error, onEvent, bytes.count)
                }
                offset += length
                body = []
                switch head.body {
                case .none: state = .body(head, remaining: 0)
                case .length(let n): state = .body(head, remaining: n)
                case .chunked: state = .chunkSize(head)
                }
                discarding = false
                switch onEvent(.head(head)) {
                case .stop: return offset
                case .discardBody: discarding = true
                case .read: break
                }
                if !discarding, case .length(let n) = head.body, n > maxBodyBytes {
                    return fail(HTTPDecodingError(413, "body over \(maxBodyBytes) bytes"), onEvent, bytes.count)
                }
            case .body(let head, let remaining):
                let n = take(rest, upTo: remaining)
                offset += n
                guard n == remaining else {
                    state = .body(head, remaining: remaining - n)
                    return offset
                }
                if !complete(head, onEvent) { return offset }
            case .chunkSize(let head):
                guard let lineEnd = Self.lineEnd(rest) else {
                    if rest.count > 1024 { return fail(HTTPDecodingError(400, "malformed chunk size"), onEvent, bytes.count) }
                    return offset
                }
                guard let size = Self.chunkSize(UnsafeRawBufferPointer(rebasing: rest[..<lineEnd.start])) else {
                    return fail(HTTPDecodingError(400, "malformed chunk size"), onEvent, bytes.count)
                }
                guard discarding || body.count + size <= maxBodyBytes else {
                    return fail(HTTPDecodingError(413, "body over \(maxBodyBytes) bytes"), onEvent, bytes.count)
                }
                offset += lineEnd.next
                state = size == 0 ? .trailers(head, scanned: 0) : .chunkData(head, remaining: size)
            case .chunkData(let head, let remaining):
                let n = take(rest, upTo: remaining)
                offset += n
                state = n == remaining ? .chunkEnd(head) : .chunkData(head, remaining: remaining - n)
                if n < remaining { return offset }
            case .chunkEnd(let head):
                guard rest.count >= 1 else { return offset }
                if rest[0] == 0x0A {
                    offset += 1
                } else if rest[0] == 0x0D {
                    guard rest.count >= 2 else { return offset }
                    guard rest[1] == 0x0A else { return fail(HTTPDecodingError(400, "malformed chunk"), onEvent, bytes.count) }
                    offset += 2
                } else {
                    return fail(HTTPDecodingError(400, "malformed chunk"), onEvent, bytes.count)
                }
                state = .chunkSize(head)
            case .trailers(let head, let scanned):
                // The trailer section ends with an empty line; its fields are dropped.
                if rest.count >= 1, rest[0] == 0x0A {
                    offset += 1
                } else if rest.count >= 2, rest[0] == 0x0D, rest[1] == 0x0A {
                    offset += 2
                } else if let (length, _) = Self.findHead(rest, from: scanned) {
                    guard length <= maxHeadBytes else { return fail(HTTPDecodingError(431, "trailers over \(maxHeadBytes) bytes"), onEvent, bytes.count) }
                    offset += length
                } else {
                    if rest.count > maxHeadBytes { return fail(HTTPDecodingError(431, "trailers over \(maxHeadBytes) bytes"), onEvent, bytes.count) }
                    if rest.count == 1, rest[0] == 0x0D { return offset }
                    state = .trailers(head, scanned: max(0, rest.count - 3))
                    return offset
                }
                if !complete(head, onEvent) { return offset }
            }
        }
        return offset
    }

    /// Takes up to `remaining` bytes of `rest` into the body (none when discarding);
    /// returns how many it took.
    private mutating func take(_ rest: UnsafeRawBufferPointer, upTo remaining: Int) -> Int {
        let n = min(remaining, rest.count)
        if n > 0, !discarding { body.append(contentsOf: rest[..<n]) }
        return n
    }

    /// Reports the request and gets ready for the next one.
    private mutating func complete(_ head: HTTPRequestHead, _ onEvent: (Event) -> Next) -> Bool {
        let done = body
        body = []
        discarding = false
        state = .head(scanned: 0)
        return onEvent(.request(head, body: done)) != .stop
    }

    /// Fails for good; all the input counts as consumed (nothing after it is read).
    private mutating func fail(_ error: HTTPDecodingError, _ onEvent: (Event) -> Next, _ consumed: Int) -> Int {
        state = .failed
        body = []
        _ = onEvent(.failure(error))
        return consumed
    }

    // MARK: Lines

    /// Where the line starting at the front of `bytes` ends: the index of its CR or LF
    /// (`start`) and of the byte after the LF (`next`). Bare LF ends a line too.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int = 0) -> (start: Int, next: Int)? {
        var i = from
        while i < bytes.count {
            if bytes[i] == 0x0A {
                let start = i > from && bytes[i - 1] == 0x0D ? i - 1 : i
                return (start, i + 1)
            }
            i += 1
        }
        return nil
    }

    /// The head at the front of `bytes`, up to and including its blank line: its length
    /// and its lines (ranges, without line ends); nil while the blank line has not come.
    /// A blank first line is returned as no lines.
    static func findHead(_ bytes: UnsafeRawBufferPointer, from scanned: Int) -> (Int, [Range<Int>])? {
        // Cheap check first: is there an LF followed by (CR)LF anywhere past `scanned`?
        var i = max(0, scanned)
        var found = false
        if let first = lineEnd(bytes), first.start == 0 { return (first.next, []) }
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { found = true; break }
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { found = true; break }
            }
            i += 1
        }
        guard found else { return nil }
        var lines: [Range<Int>] = []
        var start = 0
        while let end = lineEnd(bytes, from: start) {
            if end.start == start { return (end.next, lines) }
            lines.append(start..<end.start)
            start = end.next
        }
        return nil
    }

    // MARK: The head

    private static let tokenCharacters: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)] = true }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)] = true }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)] = true }
        for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
        return table
    }()

    static func isToken(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { tokenCharacters[Int($0)] }
    }

    private func parseHead(_ lines: [Range<Int>], _ bytes: UnsafeRawBufferPointer) -> Result<HTTPRequestHead, HTTPDecodingError> {
        let bad = { (text: String) in Result<HTTPRequestHead, HTTPDecodingError>.failure(HTTPDecodingError(400, text)) }
        // Request line: METHOD SP target SP HTTP/1.x
        let requestLine = bytes[lines[0]]
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, Self.isToken(parts[0]), !parts[1].isEmpty,
              parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return bad("malformed request line") }
        let version = Array(parts[2])
        let prefix = Array("HTTP/".utf8)
        guard version.count == 8, Array(version[0..<5]) == prefix, version[6] == UInt8(ascii: "."),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(version[5]),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(version[7]) else { return bad("malformed request line") }
        guard version[5] == UInt8(ascii: "1"), version[7] <= UInt8(ascii: "1") else {
            return .failure(HTTPDecodingError(505, "only HTTP/1.0 and HTTP/1.1 are served"))
        }
        let minor = Int(version[7] - UInt8(ascii: "0"))
        guard lines.count - 1 <= maxHeaderCount else {
            return .failure(HTTPDecodingError(431, "more than \(maxHeaderCount) header fields"))
        }

        var fields: [(String, String)] = []
        fields.reserveCapacity(lines.count - 1)
        var contentLength: Int?
        var transferEncoding: [String] = []
        var connectionTokens: [String] = []
        var expect: String?
        for range in lines.dropFirst() {
            let line = bytes[range]
            guard let first = line.first, first != 0x20, first != 0x09 else { return bad("folded header line") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return bad("malformed header line") }
            let nameBytes = bytes[range.lowerBound..<colon]
            guard Self.isToken(nameBytes) else { return bad("malformed header name") }
            var valueStart = colon + 1
            var valueEnd = range.upperBound
            while valueStart < valueEnd, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
            while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
            let valueBytes = bytes[valueStart..<valueEnd]
            guard valueBytes.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else { return bad("control character in a header") }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let value = String(decoding: valueBytes, as: UTF8.self)
            fields.append((name, value))
            switch name.lowercased() {
            case "content-length":
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let digits = item.trimmingSpaces
                    guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                        return bad("malformed Content-Length")
                    }
                    // More digits than any body we take: too large, whatever the value.
                    let n = digits.utf8.count > 15 ? Int.max : Int(digits)!
                    if let known = contentLength, known != n { return bad("two different Content-Length values") }
                    contentLength = n
                }
            case "transfer-encoding":
                transferEncoding += value.split(separator: ",").map { $0.trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
            case "connection":
                connectionTokens += value.split(separator: ",").map { $0.trimmingSpaces.lowercased() }
            case "expect":
                expect = value.lowercased()
            default:
                break
            }
        }

        var framing = HTTPRequestHead.BodyFraming.none
        if !transferEncoding.isEmpty {
            guard contentLength == nil else { return bad("Content-Length together with Transfer-Encoding") }
            guard minor == 1 else { return bad("Transfer-Encoding in an HTTP/1.0 request") }
            guard transferEncoding == ["chunked"] else {
                return .failure(HTTPDecodingError(501, "Transfer-Encoding \(transferEncoding.joined(separator: ", ")) is not supported (chunked is)"))
            }
            framing = .chunked
        } else if let contentLength, contentLength > 0 {
            // Over maxBodyBytes: refused after the head event (the caller may answer first).
            framing = .length(contentLength)
        }
        var expectsContinue = false
        if let expect {
            guard expect == "100-continue" else { return .failure(HTTPDecodingError(417, "unknown expectation: \(expect)")) }
            expectsContinue = minor == 1 && framing != .none
        }
        let keepAlive = minor == 1 ? !connectionTokens.contains("close") : connectionTokens.contains("keep-alive")
        return .success(HTTPRequestHead(
            method: String(decoding: parts[0], as: UTF8.self), uri: String(decoding: parts[1], as: UTF8.self),
            minorVersion: minor, headers: HTTPHeaders(fields), body: framing,
            keepAlive: keepAlive, expectsContinue: expectsContinue))
    }

    /// Hex digits, then an optional `;extension`; nil when malformed or over 8 digits.
    static func chunkSize(_ line: UnsafeRawBufferPointer) -> Int? {
        var size = 0
        var digits = 0
        for byte in line {
            if byte == UInt8(ascii: ";") || byte == 0x20 || byte == 0x09 { break }
            guard let value = FormDecoding.hexValue(byte), digits < 8 else { return nil }
            size = size << 4 | Int(value)
            digits += 1
        }
        return digits == 0 ? nil : size
    }
}
