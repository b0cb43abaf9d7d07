import EventLoop
import Gateway
import SMPP
#if canImport(Glibc)
import Glibc
#endif

/// The test's side of an SMPP link: a listening socket the gateway's
/// ``SMPPClientLink`` connects to, and the connection it makes, on which the test plays
/// the operator's SMSC PDU by PDU (the gateway's loop runs while the test waits).
///
/// ```swift
/// let smsc = try TestSMSC()
/// let app = try TestGateway(smsc: [smsc.link()])
/// let link = try #require(smsc.accept(app))
/// let bind = link.receive()                // bind_transceiver
/// link.send(bind!.response())              // (with a body: see ``TestSMSCConnection/acceptBind()``)
/// ```
public final class TestSMSC {
    let fd: Int32
    public let port: UInt16

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw TestGatewayError("listen failed")
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: bound.sin_port)
    }

    deinit { close(fd) }

    /// A link's settings pointing here; `adjust` changes them (a short enquire, a window).
    public func link(systemID: String = "selfcare", password: String = "secret",
                     _ adjust: (inout SMPPLinkConfig) -> Void = { _ in }) -> SMPPLinkConfig {
        var config = SMPPLinkConfig(host: "127.0.0.1", port: port, systemID: systemID, password: password)
        config.name = "test-smsc"
        adjust(&config)
        return config
    }

    /// Runs the gateway's loop until its link connects; nil after `timeout`.
    public func accept(_ app: TestGateway, timeout: Double = 5) -> TestSMSCConnection? {
        var client: Int32 = -1
        app.run(until: {
            client = Glibc.accept(fd, nil, nil)
            return client >= 0
        }, timeout: timeout)
        guard client >= 0 else { return nil }
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        return TestSMSCConnection(fd: client, app: app)
    }
}

/// One SMPP connection seen from the test's side: the SMSC facing the gateway's link, or
/// the ESME facing the gateway's SMPP server.
public final class TestSMSCConnection: TestSocket {
    private var sequence: UInt32 = 1000

    public func send(_ pdu: PDU) { try? write(pdu.encoded()) }

    /// Sends a request with the next sequence number; returns that number.
    @discardableResult
    public func request(_ command: CommandID, _ body: PDU.Body = .empty) -> UInt32 {
        sequence += 1
        send(PDU(command: command, sequence: sequence, body: body))
        return sequence
    }

    /// The next PDU the gateway sends (the loop runs meanwhile); nil after `timeout` or
    /// when the gateway closed the connection. A PDU that does not decode fails loudly.
    public func receive(timeout: Double = 5) -> PDU? {
        waitFor(timeout: timeout) { input -> PDU? in
            let frames = FrameDecoder()
            guard case .frame(let length) = input.withUnsafeBytes({ frames.next(in: $0) }) else { return nil }
            let frame = Array(input.prefix(length))
            input.removeFirst(length)
            do {
                return try PDU.decode(frame)
            } catch {
                fatalError("the gateway sent a PDU that does not decode: \(error) \(frame)")
            }
        }
    }

    /// Reads the bind and accepts it; the bind's fields.
    public func acceptBind() -> Bind? {
        guard let pdu = receive(), case .bind(let bind) = pdu.body else { return nil }
        send(PDU(command: pdu.command.response, sequence: pdu.sequence, body: .bindResponse(systemID: "TESTSMSC", tlvs: [])))
        return bind
    }

    /// Whether the gateway closed the connection (runs the loop up to `timeout`).
    public func closedByGateway(timeout: Double = 5) -> Bool {
        _ = waitFor(timeout: timeout) { _ -> Bool? in nil }
        return ended
    }
}
