import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// What a ``Connection`` tells its owner. All calls come on the loop thread.
public protocol ConnectionHandler: AnyObject {
    /// Bytes arrived; read them with ``Connection/consumeInput(_:)``.
    func connectionReadable(_ connection: Connection)
    /// The peer closed its side (EOF); what was read is still to be answered.
    func connectionEnded(_ connection: Connection)
    /// A socket error, or the idle timeout when `idle` is true.
    func connectionFailed(_ connection: Connection, idle: Bool)
    /// The output buffer drained below the low-water mark (see ``Connection/watchDrain()``).
    func connectionDrained(_ connection: Connection)
}

/// A TCP connection as a libevent bufferevent: input and output buffers owned by
/// libevent, callbacks on the loop.
public final class Connection {
    private var bev: OpaquePointer?
    public weak var handler: (any ConnectionHandler)?
    /// Small integer id, unique in this process; for logs.
    public let id: UInt64
    public let peer: String
    /// The peer's address without its port (`127.0.0.1`, `::1`): who failed to log in.
    public var peerHost: String { Connection.host(of: peer) }

    /// `192.0.2.7:5555` → `192.0.2.7`, `[::1]:5555` → `::1`.
    public static func host(of peer: String) -> String {
        var host = Substring(peer)
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return String(host)
    }

    nonisolated(unsafe) private static var nextID: UInt64 = 0
    /// A TLS session's server side.
    public private(set) var isTLS = false

    /// `tls`: the connection is the server side of a TLS session (the handshake runs on
    /// the loop first; what is written meanwhile waits for it).
    public init(loop: EventLoop, fd: Int32, tls: TLSContext? = nil) throws {
        Connection.nextID &+= 1
        id = Connection.nextID
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        peer = Connection.peerAddress(of: fd)
        let options = Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)
        var made: OpaquePointer?
        if let tls {
            if let ssl = tls.session() {
                made = bufferevent_openssl_socket_new(loop.base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, options)
                if made == nil { SSL_free(ssl) } else {
                    isTLS = true
                    // A client that closes the socket without close_notify has ended, not failed.
                    bufferevent_openssl_set_allow_dirty_shutdown(made, 1)
                }
            }
        } else {
            made = bufferevent_socket_new(loop.base, fd, options)
        }
        guard let bev = made else {
            Glibc.close(fd)
            throw EventLoopError.libevent("bufferevent_socket_new failed")
        }
        self.bev = bev
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, readTrampoline, writeTrampoline, eventTrampoline, ctx)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
    }

    // The owner that would be told is going away too (it held this connection).
    deinit { close(notifying: false) }

    /// Closes the socket now; unsent output is dropped, and unread input makes the kernel
    /// answer with a reset. For errors only: ``closeGracefully(within:loop:then:)`` is the
    /// close that delivers what was written. A graceful close under way ends here, and
    /// its `done` runs unless `notifying` is false (an owner that is going away).
    public func close(notifying: Bool = true) {
        if !notifying { onClosed = nil }
        lingerTimer?.cancel()
        lingerTimer = nil
        ackPoll?.cancel()
        if let bev {
            bufferevent_setcb(bev, nil, nil, nil, nil)
            bufferevent_free(bev)
        }
        bev = nil
        if let done = onClosed {
            onClosed = nil
            done()
        }
    }

    // MARK: Closing without a reset

    /// Where a graceful close is.
    private enum Lingering { case no, flushing, halfClosed }
    private var lingering = Lingering.no
    private var lingerTimer: LoopTimer?
    private var onClosed: (() -> Void)?

    /// Whether ``closeGracefully(within:loop:then:)`` is under way.
    public var isClosing: Bool { lingering != .no }

    /// Closes so that every byte written reaches the peer: closing a socket that still
    /// has unread input makes the kernel send a reset, which throws away what the peer
    /// had not read yet (answers of committed commands). So: stop handing input to the
    /// handler, send what is buffered, half-close (`shutdown(SHUT_WR)`: the peer reads
    /// the answers, then EOF), read and discard what the peer still sends until its EOF,
    /// then close. `seconds` bounds the whole; past it the socket is closed as it is.
    /// `done` runs once, when the socket is closed; the handler hears nothing more.
    public func closeGracefully(within seconds: Double, loop: EventLoop, then done: @escaping () -> Void) {
        guard let bev, lingering == .no else { return }
        onClosed = done
        lingerLoop = loop
        lingering = .flushing
        handler = nil
        bufferevent_set_timeouts(bev, nil, nil)
        let timer = LoopTimer(loop: loop) { [unowned self] in self.close() }
        timer.schedule(after: seconds)
        lingerTimer = timer
        // Read on (and discard), so that the kernel's receive buffer never holds unread
        // bytes at close.
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        discardInput()
        if outputLength == 0 { halfClose() } else { bufferevent_setwatermark(bev, Int16(EV_WRITE), 0, 0) }
    }

    private func halfClose() {
        guard let bev else { return }
        lingering = .halfClosed
        // TLS: the close_notify alert first, so the peer sees a clean end of the session
        // rather than a truncation (written straight to the socket, which is empty now).
        if isTLS, let ssl = bufferevent_openssl_get_ssl(bev) { _ = SSL_shutdown(ssl) }
        Glibc.shutdown(bufferevent_getfd(bev), Int32(SHUT_WR))
        if peerEnded { return close() }
        // A peer that keeps the connection open need not hold it for the whole linger:
        // once it has acknowledged every byte we sent, and we hold none of its input, a
        // close loses nothing (what it acknowledged is in its kernel, readable).
        ackPoll = LoopTimer(loop: lingerLoop!) { [unowned self] in self.closeIfAcknowledged() }
        ackPoll?.schedule(after: 0.05, repeating: true)
    }

    private var ackPoll: LoopTimer?
    private var lingerLoop: EventLoop?

    private func closeIfAcknowledged() {
        guard let bev else { return }
        let fd = bufferevent_getfd(bev)
        var unsent: Int32 = 0
        // SIOCOUTQ (TIOCOUTQ on Linux): bytes the peer has not acknowledged yet.
        guard ioctl(fd, UInt(TIOCOUTQ), &unsent) == 0, unsent == 0 else { return }
        var byte: UInt8 = 0
        let pending = Glibc.recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        guard pending < 0, errno == EAGAIN || errno == EWOULDBLOCK else {
            // Input waiting (read and dropped by the read callback) or EOF (closes there).
            return
        }
        close()
    }

    /// The peer sent EOF while we were still flushing.
    private var peerEnded = false

    private func discardInput() {
        guard let bev, let input = bufferevent_get_input(bev) else { return }
        evbuffer_drain(input, evbuffer_get_length(input))
    }

    /// Hands the buffered input to `body` as one contiguous region; `body` returns how
    /// many bytes it consumed, which are removed from the buffer.
    public func consumeInput(_ body: (UnsafeRawBufferPointer) -> Int) {
        guard let bev, let input = bufferevent_get_input(bev) else { return }
        let length = evbuffer_get_length(input)
        guard length > 0, let base = evbuffer_pullup(input, -1) else { return }
        let used = body(UnsafeRawBufferPointer(start: base, count: length))
        if used > 0 { evbuffer_drain(input, used) }
    }

    /// Bytes waiting in the input buffer.
    public var inputLength: Int {
        guard let bev, let input = bufferevent_get_input(bev) else { return 0 }
        return evbuffer_get_length(input)
    }

    /// Queues bytes for sending (copied into libevent's buffer).
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let bev, bytes.count > 0 else { return }
        bufferevent_write(bev, bytes.baseAddress, bytes.count)
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Bytes queued and not yet handed to the kernel.
    public var outputLength: Int {
        guard let bev, let output = bufferevent_get_output(bev) else { return 0 }
        return evbuffer_get_length(output)
    }

    /// Stop or resume reading the socket (back-pressure, shutdown).
    public func setReading(_ on: Bool) {
        guard let bev else { return }
        if on { bufferevent_enable(bev, Int16(EV_READ)) } else { bufferevent_disable(bev, Int16(EV_READ)) }
    }

    /// Closes the connection when no byte arrives for `seconds` (0 = never).
    public func setIdleTimeout(_ seconds: Double) {
        guard let bev else { return }
        if seconds > 0 {
            var tv = timeval(seconds: seconds)
            bufferevent_set_timeouts(bev, &tv, nil)
        } else {
            bufferevent_set_timeouts(bev, nil, nil)
        }
    }

    /// Asks for ``ConnectionHandler/connectionDrained(_:)`` once the output buffer falls
    /// to `lowWater` bytes (0: fully sent to the kernel).
    public func watchDrain(lowWater: Int = 0) {
        guard let bev else { return }
        bufferevent_setwatermark(bev, Int16(EV_WRITE), lowWater, 0)
        drainWatched = true
    }

    private var drainWatched = false

    fileprivate func readable() {
        guard lingering == .no else { return discardInput() }
        handler?.connectionReadable(self)
    }

    fileprivate func written() {
        if lingering == .flushing {
            if outputLength == 0 { halfClose() }
            return
        }
        guard drainWatched else { return }
        drainWatched = false
        handler?.connectionDrained(self)
    }

    fileprivate func event(_ what: Int16) {
        let flags = Int32(what)
        if lingering != .no {
            // The peer's EOF ends a half-closed socket; while flushing, the peer may still
            // read what we send, so only an error ends it early.
            if flags & BEV_EVENT_ERROR != 0 || lingering == .halfClosed {
                close()
            } else if flags & BEV_EVENT_EOF != 0 {
                peerEnded = true
            }
            return
        }
        if flags & BEV_EVENT_TIMEOUT != 0 {
            handler?.connectionFailed(self, idle: true)
        } else if flags & BEV_EVENT_EOF != 0 {
            handler?.connectionEnded(self)
        } else if flags & BEV_EVENT_ERROR != 0 {
            handler?.connectionFailed(self, idle: false)
        }
    }

    static func peerAddress(of fd: Int32) -> String {
        SocketAddress.describe(fd, getpeername)?.0 ?? "?"
    }
}

// Each callback holds its connection for the call: closing one (and its owner dropping
// it) from inside its own callback must not free it under our feet.
private func readTrampoline(_ bev: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let connection = Unmanaged<Connection>.fromOpaque(ctx).retain()
    defer { connection.release() }
    connection.takeUnretainedValue().readable()
}

private func writeTrampoline(_ bev: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let connection = Unmanaged<Connection>.fromOpaque(ctx).retain()
    defer { connection.release() }
    connection.takeUnretainedValue().written()
}

private func eventTrampoline(_ bev: OpaquePointer?, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let connection = Unmanaged<Connection>.fromOpaque(ctx).retain()
    defer { connection.release() }
    connection.takeUnretainedValue().event(what)
}

