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
        var head = "HTTP/1.1 \(response.status) \(HTTPResponse.reason(response.status))\r\n"
        var hasType = false
        for (name, value) in response.headers {
            let lower = name.lowercased()
            // Framing is ours to say.
            if lower == "content-length" || lower == "connection" || lower == "transfer-encoding" { continue }
            if lower == "content-type" { hasType = true }
            head += "\(name): \(value)\r\n"
        }
        if !hasType { head += "Content-Type: text/plain; charset=utf-8\r\n" }
        head += "Content-Length: \(response.body.count)\r\nDate: \(date)\r\n"
        if close {
            head += "Connection: close\r\n"
        } else if http10 {
            head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !headOnly { bytes += response.body }
        return bytes
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
