import Foundation
import Store
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A raw TCP socket to 127.0.0.1 for tests that open hundreds of connections and send
/// what a hostile client sends (half a request, a body a byte at a time).
final class RawSocket {
    private(set) var fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let rc = withLoopbackAddress(port: port) { connect(fd, $0, $1) }
        guard rc == 0 else { Glibc.close(fd); return nil }
        // Reads wait up to 10 s: under the full suite an answer has been seen to take ~3 s
        // (see the stop note of 2026-12-03); EOF and resets still end a read at once.
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends all of `bytes` (a busy server may take a while to read them: partial sends
    /// are continued for up to 10 s); false when the peer is gone or that time ran out.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        let deadline = Date().addingTimeInterval(10)
        while sent < bytes.count, Date() < deadline {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n } else if n < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR { return false }
        }
        return sent == bytes.count
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until `text` has been seen `count` times (or EOF, reset, a 3 s silence);
    /// how many times it was seen.
    func count(_ text: String, upTo count: Int) -> Int {
        let needle = Array(text.utf8)
        var data: [UInt8] = []
        var seen = 0
        var chunk = [UInt8](repeating: 0, count: 65536)
        var searched = 0
        while seen < count {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { break }
            data += chunk[0..<n]
            while searched + needle.count <= data.count {
                if Array(data[searched..<searched + needle.count]) == needle { seen += 1; searched += needle.count } else { searched += 1 }
            }
        }
        return seen
    }

    /// One HTTP response: its status line and headers, and its body (by Content-Length).
    func readHTTPResponse() -> (lines: [String], body: String)? {
        var data = pending
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill(_ done: ([UInt8]) -> Int?) -> Int? {
            while true {
                if let n = done(data) { return n }
                let n = recv(fd, &chunk, chunk.count, 0)
                guard n > 0 else { return nil }
                data += chunk[0..<n]
            }
        }
        let crlf2: [UInt8] = [13, 10, 13, 10]
        guard let end = fill({ d in d.count < 4 ? nil : (0...(d.count - 4)).first { Array(d[$0..<$0 + 4]) == crlf2 } }) else { return nil }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let length = lines.first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        guard fill({ $0.count >= end + 4 + length ? 0 : nil }) != nil else { return nil }
        let body = String(decoding: data[(end + 4)..<(end + 4 + length)], as: UTF8.self)
        pending = Array(data[(end + 4 + length)...])
        return (lines, body)
    }

    /// Bytes read past the last response.
    private var pending: [UInt8] = []

    /// The first line the server sent (waits up to 10 s); nil on EOF, reset or time-out.
    func firstLine() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 512 {
            let n = recv(fd, &byte, 1, 0)
            if n != 1 { break }
            if byte == 0x0A { break }
            if byte != 0x0D { bytes.append(byte) }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

/// Issue 12.3 and 12.4: what one machine's clients can do to the server's descriptors and
/// memory. Each test failed on the main of 2026-12-03.
@Suite("Hostile clients: descriptors and memory", .serialized)
struct HostileClientTests {
    /// Failed before: with the soft limit of 1 024 not raised and --max-connections
    /// 10 000, ~1 100 sockets made accept spin at 100% CPU writing "Too many open files"
    /// to the log, and nobody new was served.
    @Test func moreSocketsThanDescriptorsCostNoCPUAndTheServerServesAgainAfterwards() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, openFileLimit: 256)
        var line: [RawSocket] = [], http: [RawSocket] = []
        for _ in 0..<300 { if let s = RawSocket(port: server.port) { line.append(s) } }
        for _ in 0..<100 { if let s = RawSocket(port: server.httpPort) { http.append(s) } }
        Thread.sleep(forTimeInterval: 0.5)
        let before = server.cpuSeconds
        Thread.sleep(forTimeInterval: 1)
        #expect(server.cpuSeconds - before < 0.3, "the server spins")
        // The budget was fitted to 256 descriptors and said so: 144 line, 48 http; of the
        // line's, a tenth (at least 16) for connections not logged in yet.
        #expect(server.log.contains("do not fit the open-file limit 256"))
        #expect(server.log.contains("up to 144 line and 48 http connections"))
        let answers = line.map { $0.firstLine() }
        #expect(answers.filter { $0 == "220 Selfcare gateway ready" }.count == 16)
        #expect(answers.filter { $0 == "421 Too many connections waiting to log in, try again later" }.count == 284)
        for s in http { s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") }
        let statuses = http.map { $0.firstLine() }
        #expect(statuses.filter { $0 == "HTTP/1.1 200 OK" }.count == 48)
        #expect(statuses.filter { $0 == "HTTP/1.1 503 Service Unavailable" }.count == 52)
        line.forEach { $0.close() }
        http.forEach { $0.close() }
        Thread.sleep(forTimeInterval: 0.5)
        let again = try server.network()
        #expect(try again.send("SMS 36301111111 1730 x").last == "250 OK balance")
        let h = try #require(RawSocket(port: server.httpPort))
        h.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(h.firstLine() == "HTTP/1.1 200 OK")
        #expect(server.log.utf8.count < 20_000)
    }

    /// Failed before: 400 connections each trickling a 1 MB body took the process from
    /// 27 MB to 431 MB, never given back.
    @Test func unfinishedBodiesDoNotBloatTheServer() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let start = server.residentMB
        for (size, expected) in [(1_000_000, "HTTP/1.1 413 Content Too Large"), (60_000, "HTTP/1.1 401 Unauthorized")] {
            var sockets: [RawSocket] = []
            for _ in 0..<400 {
                guard let s = RawSocket(port: server.httpPort) else { continue }
                s.send("POST /kannel/sms HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(size)\r\n\r\n")
                sockets.append(s)
            }
            #expect(sockets.count == 400)
            // Over the limit, the answer comes on the head: read it before the body is
            // sent (the server reads and drops a refused body for 5 s at most, then closes).
            let early = size > 65_536 ? sockets.map { $0.firstLine() } : nil
            let piece = [UInt8](repeating: UInt8(ascii: "a"), count: size / 10)
            for _ in 0..<10 {
                for s in sockets { s.send(piece) }
            }
            #expect(server.residentMB < 100, "\(server.residentMB) MB with 400 bodies of \(size) bytes under way")
            let answers = early ?? sockets.map { $0.firstLine() }
            #expect(answers.filter { $0 == expected }.count == 400, "\(size): \(answers.enumerated().filter { $0.1 != expected }.map { "#\($0.0) \($0.1 ?? "nil")" })")
            sockets.forEach { $0.close() }
        }
        #expect(server.residentMB < max(100, start + 70))
    }

    /// Issue 12.5. Failed before: every failed AUTH wrote an audit row of the name as sent;
    /// 4 000-byte names added 48 304 rows and 395 MB in 10 s, unauthenticated.
    @Test func failedLoginsWithHugeNamesCannotFillTheStore() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let huge = String(repeating: "A", count: 4_000)
        let basic = "Basic " + Data((huge + "\u{07}:x").utf8).base64EncodedString()
        var http: [RawSocket] = []
        for _ in 0..<10 { if let s = RawSocket(port: server.httpPort) { http.append(s) } }
        for s in http {
            // 100 pipelined requests a connection, each with a wrong 4 KB user name.
            s.send(String(repeating: "GET /api/rates HTTP/1.1\r\nHost: x\r\nAuthorization: \(basic)\r\n\r\n", count: 100))
        }
        var line: [RawSocket] = []
        for _ in 0..<100 {
            guard let s = RawSocket(port: server.port) else { continue }
            s.send("AUTH \(huge)\u{1B}[2J secret\r\n")
            line.append(s)
        }
        let lineAnswers = line.map { _ = $0.firstLine(); return $0.firstLine() }
        // Failed, or (past 10 failures from this address) refused while locked (issue 17).
        #expect(lineAnswers.allSatisfy { $0 == "535 Authentication failed" || $0 == "535 Too many failures, wait before trying again" },
                "\(Set(lineAnswers.map { $0 ?? "nil" }))")
        #expect(http.map { $0.count("HTTP/1.1 4", upTo: 100) } == Array(repeating: 100, count: 10))
        #expect(server.stop() == 0)

        let failed = try store.open().auditEntries(msisdn: nil).filter { $0.outcome.hasPrefix("refused: authentication failed") }
        let attempts = failed.reduce(0) { total, entry in
            let words = entry.outcome.split(separator: " ")
            return total + (words.count > 4 ? Int(words[3]) ?? 0 : 1)
        }  // "refused: authentication failed, N attempts from …"
        #expect(attempts == 1_100, "\(failed.map(\.outcome))")
        // One row per source (127.0.0.1) and second: a handful, not 1 100.
        #expect(failed.count <= 10, "\(failed.count) rows")
        let bytes = failed.reduce(0) { $0 + $1.request.utf8.count + $1.outcome.utf8.count + ($1.account?.utf8.count ?? 0) }
        #expect(bytes < 10_000)
        for entry in failed {
            #expect(entry.request.hasPrefix("AUTH AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA… ****"), "\(entry.request)")
        }
    }

    /// Issue 17. Before: guessing was limited per connection only (426–552 guesses/s by
    /// reconnecting). Now failures count per address across connections and transports,
    /// and past the free ones the address is locked everywhere, the right password too.
    @Test func guessingAcrossConnectionsAndTransportsIsLocked() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, arguments: ["--lock-address-after", "5"])
        func auth(_ password: String) -> String? {
            guard let c = RawSocket(port: server.port) else { return nil }
            _ = c.firstLine()
            c.send("AUTH simulator \(password)\r\n")
            return c.firstLine()
        }
        // Six guesses on six connections: each a failure; the sixth locks the address.
        for i in 0..<6 { #expect(auth("guess\(i)") == "535 Authentication failed") }
        // The right password, on a fresh connection, is refused without a look ...
        #expect(auth("simulator") == "535 Too many failures, wait before trying again")
        // ... and so is HTTP from the same address, with when to come back.
        let ops = "Basic " + Data("ops:ops".utf8).base64EncodedString()
        let locked = try HTTPTestClient(port: server.httpPort, timeout: 5).request("GET", "/api/rates", headers: [("Authorization", ops)])
        #expect(locked.status == 429, "\(locked.status) \(locked.text)")
        #expect(locked.header("Retry-After").flatMap { Int($0) }.map { (1...4).contains($0) } == true)
        #expect(locked.text.contains("too_many_failures"))
        // Each refusal lengthened the lock (1 s, 2 s, 4 s): once it is over, both work.
        Thread.sleep(forTimeInterval: 4.3)
        #expect(auth("simulator") == "235 Authenticated as simulator (network)")
        let metrics = try HTTPTestClient(port: server.httpPort, timeout: 5).request("GET", "/metrics", headers: [("Authorization", ops)]).text
        #expect(metrics.contains("selfcare_login_locks_total{scope=\"address\"} 1\n"), "\(metrics)")
        #expect(metrics.contains("selfcare_login_refused_locked_total 2\n"))
        #expect(server.stop() == 0)
        // Every attempt is in the audit, the refused ones too: 6 + 2.
        let failed = try store.open().auditEntries(msisdn: nil).filter { $0.outcome.hasPrefix("refused: authentication failed") }
        let attempts = failed.reduce(0) { total, entry in
            let words = entry.outcome.split(separator: " ")
            return total + (words.count > 4 ? Int(words[3]) ?? 0 : 1)
        }
        #expect(attempts == 8, "\(failed.map(\.outcome))")
    }

    @Test func twoDifferentContentLengthsAre400() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let s = try #require(RawSocket(port: server.httpPort))
        s.send("POST /kannel/sms HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nfrom=")
        #expect(s.firstLine() == "HTTP/1.1 400 Bad Request")
    }

    // MARK: Issue 17: deadlines a trickle cannot reset

    @Test func aConnectionThatDoesNotLogInIsClosedAndALoggedInOneStays() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, arguments: ["--auth-timeout", "1"], http: false)
        let member = try server.network()
        let stranger = try #require(RawSocket(port: server.port))
        #expect(stranger.firstLine() == "220 Selfcare gateway ready")
        // Bytes that are no AUTH keep the idle timer going, not the log-in deadline.
        stranger.send("PING\r\n")
        #expect(stranger.firstLine() == "250 PONG")
        #expect(stranger.firstLine() == "421 Not logged in within 1 s, closing")
        #expect(stranger.firstLine() == nil)
        #expect(try member.send("PING") == ["250 PONG"])
    }

    @Test func aLineTrickledByteByByteIsCutOffButStreamingLinesAreNot() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, arguments: ["--line-timeout", "1"], http: false)
        // Every read ends half-way through a new line, for longer than the deadline: each
        // line is complete in 0.4 s, so nothing is cut.
        let streamer = try #require(RawSocket(port: server.port))
        _ = streamer.firstLine()
        streamer.send("PI")
        for _ in 0..<6 {
            Thread.sleep(forTimeInterval: 0.4)
            streamer.send("NG\r\nPI")
        }
        streamer.send("NG\r\n")
        #expect(streamer.count("250 PONG", upTo: 7) == 7)
        // One line that never ends, a byte every 0.2 s: closed after the deadline.
        let trickler = try #require(RawSocket(port: server.port))
        _ = trickler.firstLine()
        for byte in Array("AUTH simulator simulat".utf8) {
            guard trickler.send([byte]) else { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(trickler.firstLine() == "421 Line not completed within 1 s, closing")
    }

    @Test func strangersGetASmallShareOfTheConnections() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, arguments: ["--max-connections", "200"], http: false)
        let member = try server.network()
        var strangers: [RawSocket] = []
        for _ in 0..<30 { if let s = RawSocket(port: server.port) { strangers.append(s) } }
        let answers = strangers.map { $0.firstLine() }
        #expect(answers.filter { $0 == "220 Selfcare gateway ready" }.count == 20)
        #expect(answers.filter { $0 == "421 Too many connections waiting to log in, try again later" }.count == 10)
        #expect(try member.send("SMS 36301111111 1730 x").last == "250 OK balance")
    }

    @Test func anHTTPRequestTrickledInIsAnswered408() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, arguments: ["--line-timeout", "1"])
        let s = try #require(RawSocket(port: server.httpPort))
        for byte in Array("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) {
            guard s.send([byte]) else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(s.firstLine() == "HTTP/1.1 408 Request Timeout")
    }
}
