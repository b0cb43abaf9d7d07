import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A listening socket on 127.0.0.1 for fake servers in tests: each connection is served
/// by `serve` on a thread of its own, which closes it when `serve` returns.
final class TestListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false

    /// Listens on `port` (0: any free port).
    init(port: Int = 0, serve: @escaping @Sendable (Int32) -> Void) throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withLoopbackAddress(port: port) { bind(sock, $0, $1) }
        guard bound == 0, listen(sock, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(sock)
            throw ServerError(description: "test listener: \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) }
        }
        fd = sock
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        Thread {
            while true {
                let client = accept(sock, nil, nil)
                guard client >= 0 else { return }
                Thread {
                    serve(client)
                    Glibc.close(client)
                }.start()
            }
        }.start()
    }

    deinit { close() }

    func close() {
        lock.lock()
        let wasClosed = closed
        closed = true
        lock.unlock()
        guard !wasClosed else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}

/// Reads what a test server's client sends, up to a separator.
struct SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []

    /// The bytes before the next `separator` (which is consumed); `nil` at EOF.
    mutating func read(until separator: [UInt8]) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if buffer.count >= separator.count,
               let at = (0...(buffer.count - separator.count)).first(where: { buffer[$0..<$0 + separator.count].elementsEqual(separator) }) {
                let found = Array(buffer[..<at])
                buffer.removeFirst(at + separator.count)
                return found
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
        }
    }

    func write(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }
}

/// What a fake server received, shared with its connection threads (which may outlive it).
final class Received<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    /// Appends one; its number, from 1.
    func append(_ item: T) -> Int {
        lock.lock()
        defer { lock.unlock() }
        items.append(item)
        return items.count
    }

    var all: [T] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// A stand-in for Kannel's `/cgi-bin/sendsms` in tests: it answers each HTTP GET as
/// `answer` says (by the request's number, from 1) and keeps what it received. HTTP/1.1
/// with keep-alive.
final class FakeKannel: @unchecked Sendable {
    struct Request: Sendable {
        var path: String
        /// Percent-decoded query parameters.
        var query: [String: String]
    }

    typealias Answer = @Sendable (_ number: Int, _ request: Request) -> (status: Int, body: String)

    private let received = Received<Request>()
    private let listener: TestListener
    var port: Int { listener.port }

    init(answer: @escaping Answer) throws {
        let received = self.received
        listener = try TestListener { fd in FakeKannel.serve(fd, answer, received) }
    }

    deinit { listener.close() }

    /// What it received so far, in order.
    var requests: [Request] { received.all }

    /// Waits until at least `count` requests came, at most `timeout` seconds.
    @discardableResult
    func wait(for count: Int, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while requests.count < count {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        return true
    }

    func close() { listener.close() }

    private static func serve(_ fd: Int32, _ answer: Answer, _ received: Received<Request>) {
        var reader = SocketReader(fd: fd)
        // One request head after the other (GETs carry no body).
        while let head = reader.read(until: Array("\r\n\r\n".utf8)) {
            let parts = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first?.split(separator: " ") ?? []
            guard parts.count == 3 else { return }
            let components = URLComponents(string: "http://kannel" + parts[1])
            var query: [String: String] = [:]
            for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            let request = Request(path: components?.path ?? "", query: query)
            let (status, body) = answer(received.append(request), request)
            guard reader.write("HTTP/1.1 \(status) Fake\r\nContent-Type: text/html\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            else { return }
        }
    }
}

/// A stand-in for the gateway's line protocol: greets, then answers each line with the
/// lines `answer` gives (the last one final), and keeps the lines it received.
final class FakeLineServer: @unchecked Sendable {
    private let received = Received<String>()
    private let listener: TestListener
    var port: Int { listener.port }

    init(answer: @escaping @Sendable (String) -> [String]) throws {
        let received = self.received
        listener = try TestListener { fd in
            var reader = SocketReader(fd: fd)
            guard reader.write("220 Fake gateway ready\r\n") else { return }
            while let bytes = reader.read(until: [0x0A]) {
                let line = String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes[...], as: UTF8.self)
                _ = received.append(line)
                guard reader.write(answer(line).map { $0 + "\r\n" }.joined()) else { return }
            }
        }
    }

    deinit { listener.close() }

    func close() { listener.close() }

    /// The lines it received, in order.
    var lines: [String] { received.all }
}
