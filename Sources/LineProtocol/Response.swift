#if canImport(Glibc)
import Glibc
#endif

/// Writes response lines of the line protocol into a reusable byte buffer.
///
/// Every physical line is `NNN-text\r\n` when more lines of the same response follow and
/// `NNN text\r\n` on the last line. Lines end in CRLF: telnet and `nc -C` users see clean
/// lines, and clients that split on LF only drop a trailing CR.
///
/// Text never breaks the framing: a CR, LF or CRLF inside a text starts a new physical
/// line that carries the same code (a continuation line, `NNN-`); a single line break at
/// the very end of a text is dropped.
///
/// The writer is meant to be kept (one per connection or per loop) and cleared with
/// ``removeAll()`` once its bytes are handed to the socket: its capacity is reused, so
/// answering allocates nothing in the steady state.
///
/// ```swift
/// var out = ResponseWriter()
/// out.line(.ok, "PONG")                                    // 250 PONG\r\n
/// out.lines(.refused, ["Nincs elég egyenleg."], final: "refused")  // 554-…\r\n554 refused\r\n
/// ```
public struct ResponseWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// - Parameter capacity: bytes reserved up front.
    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written so far.
    public var count: Int { bytes.count }

    /// Whether nothing is written.
    public var isEmpty: Bool { bytes.isEmpty }

    /// Forgets what was written, keeping the capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends one line, `NNN-text` (`last: false`) or `NNN text` (`last: true`), and as
    /// many continuation lines as `text` carries line breaks.
    ///
    /// - Parameter code: a 3-digit code, 100 … 999.
    public mutating func line(_ code: Int, _ text: some StringProtocol, last: Bool = true) {
        precondition((100...999).contains(code), "response codes have 3 digits")
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            appendSplitting(code, UnsafeRawBufferPointer(utf8), last: last)
        }
        if done == nil {
            var copy = String(text)
            copy.withUTF8 { appendSplitting(code, UnsafeRawBufferPointer($0), last: last) }
        }
    }

    /// Appends `prefix` and `text` as one line (`OK balance`, `Refused: postpaid`) without
    /// joining them into a string first; line breaks in `text` split it as in
    /// ``line(_:_:last:)-(Int,_,_)``, the prefix heads the first physical line.
    public mutating func line(_ code: ResponseCode, prefix: StaticString, _ text: String, last: Bool = true) {
        var text = text
        text.withUTF8 { appendSplitting(code.rawValue, UnsafeRawBufferPointer($0), last: last, prefix: prefix) }
    }

    /// Appends one line with a documented code; see the `Int` overload.
    public mutating func line(_ code: ResponseCode, _ text: some StringProtocol, last: Bool = true) {
        line(code.rawValue, text, last: last)
    }

    /// Appends a multi-line response: each of `lines` as `NNN-line`, then `NNN final`.
    public mutating func lines<Lines: Sequence>(_ code: Int, _ lines: Lines, final: some StringProtocol)
    where Lines.Element: StringProtocol {
        for text in lines {
            line(code, text, last: false)
        }
        line(code, final, last: true)
    }

    /// Appends a multi-line response with a documented code.
    public mutating func lines<Lines: Sequence>(_ code: ResponseCode, _ lines: Lines, final: some StringProtocol)
    where Lines.Element: StringProtocol {
        self.lines(code.rawValue, lines, final: final)
    }

    /// Appends the answer to a bad request: `NNN text`.
    public mutating func error(_ error: RequestError) {
        line(error.code.rawValue, error.text, last: true)
    }

    /// Writes `text` cut at every CR, LF or CRLF, each piece on its own line; `prefix`
    /// goes before the first piece.
    private mutating func appendSplitting(_ code: Int, _ text: UnsafeRawBufferPointer, last: Bool,
                                          prefix: StaticString = "") {
        let count = text.count
        // Nearly every text is one line: two memchr calls tell, instead of a byte loop.
        if count == 0 || (memchr(text.baseAddress!, 0x0A, count) == nil && memchr(text.baseAddress!, 0x0D, count) == nil) {
            appendLine(code, text, last: last, prefix: prefix)
            return
        }
        var start = 0
        var index = 0
        var first = true
        while index < count {
            let byte = text[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            var next = index + 1
            if byte == 0x0D, next < count, text[next] == 0x0A { next += 1 }
            // A break at the very end ends the text.
            let final = next == count
            appendLine(code, UnsafeRawBufferPointer(rebasing: text[start..<index]), last: last && final,
                       prefix: first ? prefix : "")
            first = false
            if final { return }
            start = next
            index = next
        }
        appendLine(code, UnsafeRawBufferPointer(rebasing: text[start..<count]), last: last, prefix: first ? prefix : "")
    }

    private mutating func appendLine(_ code: Int, _ text: UnsafeRawBufferPointer, last: Bool, prefix: StaticString) {
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + code / 100))
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + code / 10 % 10))
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + code % 10))
        bytes.append(last ? 0x20 : 0x2D)
        if prefix.utf8CodeUnitCount > 0 {
            bytes.append(contentsOf: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        }
        bytes.append(contentsOf: text)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }
}
