#if canImport(Glibc)
import Glibc
#endif

/// An ``HTTPResponse`` as HTTP/1.1 bytes: status line, the response's headers, a default
/// `Content-Type`, `Content-Length`, `Date` and, when asked, `Connection: close`.
///
/// ```swift
/// let bytes = HTTPResponseEncoder.encode(.text(200, "ok\n"), headOnly: false, close: false)
/// // "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nDate: …\r\n\r\nok\n"
/// ```
public enum HTTPResponseEncoder {
    /// - Parameters:
    ///   - headOnly: the answer to a `HEAD`: the headers of the body, no body.
    ///   - close: the connection closes after this answer.
    ///   - http10: the request was HTTP/1.0: a connection kept open says so.
    public static func encode(_ response: HTTPResponse, headOnly: Bool, close: Bool, http10: Bool = false,
                              date: String = HTTPDate.now()) -> [UInt8] {
        // Bytes appended to one buffer: every answer is encoded here, and building the
        // head as an interpolated String (with a lower-cased copy of each header name)
        // cost ~15k instructions an answer (callgrind).
        var out: [UInt8] = []
        out.reserveCapacity(160 + (headOnly ? 0 : response.body.count))
        func add(_ text: String) { out.append(contentsOf: text.utf8) }
        func add(_ number: Int) {
            var digits: [UInt8] = []
            var n = number
            repeat { digits.append(UInt8(ascii: "0") + UInt8(n % 10)); n /= 10 } while n > 0
            out.append(contentsOf: digits.reversed())
        }
        add("HTTP/1.1 ")
        add(response.status)
        out.append(0x20)
        add(HTTPResponse.reason(response.status))
        add("\r\n")
        var hasType = false
        for (name, value) in response.headers {
            // Framing is ours to say.
            if equalsIgnoringCase(name, "content-length") || equalsIgnoringCase(name, "connection")
                || equalsIgnoringCase(name, "transfer-encoding") { continue }
            if equalsIgnoringCase(name, "content-type") { hasType = true }
            add(name)
            add(": ")
            add(value)
            add("\r\n")
        }
        if !hasType { add("Content-Type: text/plain; charset=utf-8\r\n") }
        add("Content-Length: ")
        add(response.body.count)
        add("\r\nDate: ")
        add(date)
        add("\r\n")
        if close {
            add("Connection: close\r\n")
        } else if http10 {
            add("Connection: keep-alive\r\n")
        }
        add("\r\n")
        if !headOnly { out.append(contentsOf: response.body) }
        return out
    }

    /// ASCII case-insensitive equality of a header name with a lower-case literal.
    static func equalsIgnoringCase(_ name: String, _ lower: StaticString) -> Bool {
        let want = UnsafeBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        guard name.utf8.count == want.count else { return false }
        return name.utf8.elementsEqual(want) { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
    }
}

/// The `Date` header's IMF-fixdate, computed at most once a second.
public enum HTTPDate {
    nonisolated(unsafe) private static var cachedSecond = 0
    nonisolated(unsafe) private static var cachedText = ""

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for now (called on the loop thread only).
    public static func now() -> String {
        let second = time(nil)
        if second != cachedSecond || cachedText.isEmpty {
            cachedSecond = second
            cachedText = format(second)
        }
        return cachedText
    }

    public static func format(_ seconds: Int) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
