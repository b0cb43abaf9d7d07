#if canImport(Glibc)
import Glibc
#endif

/// A blocking client of the line protocol, for `selfcare send`, examples and tests.
///
/// ```swift
/// let client = try LineClient(host: "127.0.0.1", port: 7777)
/// print(client.greeting)                      // 220 Selfcare gateway ready
/// try client.send("AUTH simulator simulator") // ["235 Authenticated as simulator (network)"]
/// try client.send("SMS 36301111111 1730 EGYENLEG")
/// ```
public final class LineClient {
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// The `220` line the server sent on connect.
    public private(set) var greeting: String = ""

    /// Connects and reads the greeting. `timeout` bounds every read, in seconds;
    /// `receiveBuffer` sets the socket's receive buffer (a slow reader, in tests).
    public init(host: String = "127.0.0.1", port: Int, timeout: Double = 10, receiveBuffer: Int? = nil) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
            throw LineClientError.connect("cannot resolve \(host)")
        }
        defer { freeaddrinfo(info) }
        fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LineClientError.connect("socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw LineClientError.connect("cannot connect to \(host):\(port): \(reason)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        greeting = try readLine() ?? ""
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends one request line and returns the lines of its response (up to and including
    /// the line whose 4th character is a space).
    @discardableResult
    public func send(_ line: String) throws -> [String] {
        try write(line + "\r\n")
        return try readResponse()
    }

    /// Writes raw bytes, as they are.
    public func write(_ text: String) throws {
        try write(Array(text.utf8))
    }

    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LineClientError.closed }
            sent += n
        }
    }

    /// Closes the sending side (the server sees EOF) but keeps reading.
    public func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads the lines of one response.
    public func readResponse() throws -> [String] {
        var lines: [String] = []
        while true {
            guard let line = try readLine() else { throw LineClientError.closed }
            lines.append(line)
            if LineClient.isFinal(line) { return lines }
        }
    }

    /// Whether a response line is the last of its response (`NNN text`).
    public static func isFinal(_ line: String) -> Bool {
        let bytes = Array(line.utf8)
        return bytes.count < 4 || bytes[3] != UInt8(ascii: "-")
    }

    /// One line without its line end; `nil` at EOF.
    public func readLine() throws -> String? {
        while true {
            if let lf = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<lf])
                buffer.removeSubrange(...lf)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 {
                if buffer.isEmpty { return nil }
                let rest = buffer
                buffer.removeAll()
                return String(decoding: rest, as: UTF8.self)
            }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw LineClientError.timeout }
                if errno == ECONNRESET { throw LineClientError.reset }
                throw LineClientError.closed
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Reads until the server closes the connection; the lines read.
    public func readToEnd() throws -> [String] {
        var lines: [String] = []
        while let line = try readLine() { lines.append(line) }
        return lines
    }
}

public enum LineClientError: Error, CustomStringConvertible {
    case connect(String)
    case closed
    /// The server's kernel reset the connection: answers not yet read are lost.
    case reset
    case timeout

    public var description: String {
        switch self {
        case .connect(let s): return s
        case .closed: return "the server closed the connection"
        case .reset: return "the connection was reset: answers not yet read are lost"
        case .timeout: return "no answer from the server in time"
        }
    }
}
