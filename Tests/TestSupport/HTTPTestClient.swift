#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 client over a raw socket, for tests: it sends exactly the
/// bytes it is given and reads exactly one response, so what a test sees is what the
/// server wrote (no client library retrying, pooling or adding headers).
///
/// ```swift
/// let c = try HTTPTestClient(port: 8080)
/// let r = try c.request("GET", "/healthz")
/// r.status   // 200
/// r.text     // "ok\n"
/// ```
public final class HTTPTestClient {
    private var fd: Int32
    private var buffer: [UInt8] = []

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects to 127.0.0.1:`port`; every read waits at most `timeout` seconds.
    public init(port: Int, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        let rc = withLoopbackAddress(port: port) { connect(fd, $0, $1) }
        guard rc == 0 else {
            Glibc.close(fd)
            throw Failure(description: "cannot connect to 127.0.0.1:\(port)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends a request with `Host`, `Content-Length` when there is a body, and `headers`;
    /// returns the response.
    public func request(_ method: String, _ target: String, headers: [(String, String)] = [],
                        body: [UInt8] = []) throws -> Response {
        try send(method, target, headers: headers, body: body)
        return try receive(head: method == "HEAD")
    }

    /// Only sends (the answer is read by ``receive(head:)``).
    public func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try write(Array(head.utf8) + body)
    }

    /// Writes raw bytes.
    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads one response (a `HEAD` response has no body whatever its Content-Length).
    public func receive(head: Bool = false) throws -> Response {
        let end: Int = try fill { bytes in
            guard bytes.count >= 4 else { return nil }
            for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                return i
            }
            return nil
        }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).components(separatedByCRLF: ())
        buffer.removeFirst(end + 4)
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
        }
        var response = Response(status: status, headers: headers, body: [])
        if head { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            _ = try fill { $0.count >= length ? length : nil }
            response.body = Array(buffer.prefix(length))
            buffer.removeFirst(length)
        } else {
            // No length: the body runs to the end of the connection.
            while try readMore() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// True when the server closed the connection (reads EOF within the timeout).
    public func isClosedByServer() -> Bool {
        guard buffer.isEmpty else { return false }
        return (try? readMore()) == false
    }

    /// Reads until `found` returns a value.
    private func fill<T>(_ found: ([UInt8]) -> T?) throws -> T {
        while true {
            if let value = found(buffer) { return value }
            guard try readMore() else { throw Failure(description: "connection closed after \(buffer.count) bytes") }
        }
    }

    /// One read; false at EOF.
    private func readMore() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0 { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
        if n == 0 { return false }
        buffer += chunk[0..<n]
        return true
    }
}

extension String {
    fileprivate func components(separatedByCRLF: Void) -> [String] {
        var out: [String] = []
        var current = ""
        var previousCR = false
        for c in self.unicodeScalars {
            if c == "\n" && previousCR {
                out.append(current)
                current = ""
                previousCR = false
                continue
            }
            if previousCR { current.unicodeScalars.append("\r") }
            previousCR = c == "\r"
            if !previousCR { current.unicodeScalars.append(c) }
        }
        if previousCR { current.unicodeScalars.append("\r") }
        out.append(current)
        return out
    }
}
