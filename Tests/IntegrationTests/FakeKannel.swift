import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for Kannel's `/cgi-bin/sendsms` in tests: a socket on 127.0.0.1 that
/// answers each HTTP GET as `answer` says (by the request's number, from 1) and keeps
/// what it received. HTTP/1.1 with keep-alive, one thread per connection.
final class FakeKannel: @unchecked Sendable {
    struct Received: Sendable {
        var path: String
        /// Percent-decoded query parameters.
        var query: [String: String]
    }

    typealias Answer = @Sendable (_ number: Int, _ request: Received) -> (status: Int, body: String)

    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var received: [Received] = []
    private var closed = false
    private let answer: Answer

    /// Listens on `port` (0: any free port).
    init(port: Int = 0, answer: @escaping Answer) throws {
        self.answer = answer
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(sock, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(sock)
            throw ServerError(description: "fake Kannel cannot listen: \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &length) }
        }
        fd = sock
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { close() }

    /// What it received so far, in order.
    var requests: [Received] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

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

    func close() {
        lock.lock()
        let wasClosed = closed
        closed = true
        lock.unlock()
        guard !wasClosed else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { Glibc.close(client) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // One request head (GETs carry no body).
            var end: Int?
            while end == nil {
                if buffer.count >= 4 {
                    end = (0...(buffer.count - 4)).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }
                }
                if end != nil { break }
                let n = recv(client, &chunk, chunk.count, 0)
                guard n > 0 else { return }
                buffer += chunk[0..<n]
            }
            let head = String(decoding: buffer[..<end!], as: UTF8.self)
            buffer.removeFirst(end! + 4)
            let parts = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
            guard parts.count == 3 else { return }
            let components = URLComponents(string: "http://kannel" + parts[1])
            var query: [String: String] = [:]
            for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            let request = Received(path: components?.path ?? "", query: query)
            lock.lock()
            received.append(request)
            let number = received.count
            lock.unlock()
            let (status, body) = answer(number, request)
            let bytes = Array(body.utf8)
            let response = "HTTP/1.1 \(status) Fake\r\nContent-Type: text/html\r\nContent-Length: \(bytes.count)\r\n\r\n"
            let all = Array(response.utf8) + bytes
            guard all.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == all.count else { return }
        }
    }
}
