@testable import EventLoop
import Foundation
import LineClient
import Testing
import TestSupport

/// An echo handler: what arrives goes back, EOF closes.
final class Echo: ConnectionHandler {
    var ended = false
    var idle = false
    var connections: [Connection] = []

    func connectionReadable(_ connection: Connection) {
        connection.consumeInput { bytes in
            connection.write(bytes)
            return bytes.count
        }
    }
    func connectionEnded(_ connection: Connection) { ended = true; connection.close() }
    func connectionFailed(_ connection: Connection, idle: Bool) { self.idle = idle; connection.close() }
    func connectionDrained(_ connection: Connection) {}
}


@Suite("The event loop", .serialized)
struct EventLoopTests {
    @Test func aOneShotTimerFiresOnceAndARepeatingOneKeepsFiring() throws {
        let loop = try EventLoop()
        var once = 0, repeated = 0
        let a = LoopTimer(loop: loop) { once += 1 }
        let b = LoopTimer(loop: loop) { repeated += 1 }
        a.schedule(after: 0.01)
        b.schedule(after: 0.01, repeating: true)
        run(loop) { repeated >= 5 }
        #expect(once == 1)
        #expect(repeated >= 5)
        b.cancel()
        #expect(!b.isPending)
    }

    @Test func aCancelledTimerNeverFires() throws {
        let loop = try EventLoop()
        var fired = false
        let t = LoopTimer(loop: loop) { fired = true }
        t.schedule(after: 0.02)
        t.cancel()
        var waited = false
        let w = LoopTimer(loop: loop) { waited = true }
        w.schedule(after: 0.1)
        run(loop) { waited }
        #expect(!fired)
    }

    @Test func aListenerOnPortZeroGetsAPortAndConnectionsEcho() throws {
        let loop = try EventLoop()
        let echo = Echo()
        let listener = try Listener(loop: loop, address: "127.0.0.1:0") { fd in
            if let c = try? Connection(loop: loop, fd: fd) {
                c.handler = echo
                echo.connections.append(c)
            }
        }
        #expect(listener.port > 0)
        #expect(listener.boundAddress == "127.0.0.1:\(listener.port)")

        // The client blocks, so it runs on another thread while the loop runs here.
        let port = listener.port
        let result = ClientResult()
        let thread = Thread {
            do {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = UInt16(port).bigEndian
                addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                let rc = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                guard rc == 0 else { throw LineClientError.closed }
                _ = "héllo\n".withCString { send(fd, $0, strlen($0), 0) }
                var buffer = [UInt8](repeating: 0, count: 64)
                let n = recv(fd, &buffer, 64, 0)
                result.set(String(decoding: buffer[0..<max(0, n)], as: UTF8.self))
                close(fd)
            } catch {
                result.set("error")
            }
        }
        thread.start()
        run(loop) { echo.ended }
        #expect(result.get() == "héllo\n")
        #expect(echo.ended)
    }

    @Test func anIdleConnectionReportsTheTimeout() throws {
        let loop = try EventLoop()
        let echo = Echo()
        let listener = try Listener(loop: loop, address: "127.0.0.1:0") { fd in
            if let c = try? Connection(loop: loop, fd: fd) {
                c.handler = echo
                c.setIdleTimeout(0.1)
                echo.connections.append(c)
            }
        }
        let port = listener.port
        let client = Thread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            var buffer = [UInt8](repeating: 0, count: 8)
            _ = recv(fd, &buffer, 8, 0)  // returns when the server closes
            close(fd)
        }
        client.start()
        run(loop) { echo.idle }
        #expect(echo.idle)
    }

    @Test func aSignalRunsItsHandlerOnTheLoop() throws {
        let loop = try EventLoop()
        var got = false
        try loop.onSignal(SIGUSR2) { got = true }
        kill(getpid(), SIGUSR2)
        run(loop) { got }
        #expect(got)
    }

    @Test func aBadListenAddressIsAClearError() throws {
        let loop = try EventLoop()
        #expect(throws: EventLoopError.self) { try Listener(loop: loop, address: "nonsense") { _ in } }
        #expect(throws: EventLoopError.self) { try Listener(loop: loop, address: "127.0.0.1:99999") { _ in } }
    }
}

/// A value handed from the client thread to the test.
final class ClientResult: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
    func get() -> String? { lock.lock(); defer { lock.unlock() }; return value }
}

@Suite("The listener when descriptors run out", .serialized)
struct ListenerShortageTests {
    /// libevent retries a failed accept at once; on EMFILE the socket stays readable and
    /// the loop spun at 100% CPU. The listener pauses instead and reports once a second.
    @Test func aShortagePausesAcceptingAndIsReportedOncePerSecond() throws {
        let loop = try EventLoop()
        var accepted = 0
        let listener = try Listener(loop: loop, address: "127.0.0.1:0") { fd in accepted += 1; close(fd) }
        var reports: [(Int32, Int)] = []
        listener.onShortage = { reports.append(($0, $1)) }
        listener.pauseOnShortage = 0.3
        for _ in 0..<5 { listener.acceptFailed(EMFILE) }
        #expect(reports.count == 1)
        #expect(reports.first?.0 == EMFILE)
        // Paused: a client waits in the backlog …
        let client = try HTTPTestClient(port: listener.port)
        run(loop, seconds: 0.15) { false }
        #expect(accepted == 0)
        // … and is accepted once the pause is over.
        run(loop, seconds: 1) { accepted == 1 }
        #expect(accepted == 1)
        _ = client
    }
}
