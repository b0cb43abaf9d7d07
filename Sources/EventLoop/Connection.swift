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

    nonisolated(unsafe) private static var nextID: UInt64 = 0

    public init(loop: EventLoop, fd: Int32) throws {
        Connection.nextID &+= 1
        id = Connection.nextID
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        peer = Connection.peerAddress(of: fd)
        guard let bev = bufferevent_socket_new(loop.base, fd, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)) else {
            Glibc.close(fd)
            throw EventLoopError.libevent("bufferevent_socket_new failed")
        }
        self.bev = bev
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        bufferevent_setcb(bev, readTrampoline, writeTrampoline, eventTrampoline, ctx)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
    }

    deinit { close() }

    /// Closes the socket now; unsent output is dropped. Use ``outputLength`` and
    /// ``watchDrain()`` to close after the answers went out.
    public func close() {
        if let bev {
            bufferevent_setcb(bev, nil, nil, nil, nil)
            bufferevent_free(bev)
        }
        bev = nil
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

    fileprivate func readable() { handler?.connectionReadable(self) }

    fileprivate func written() {
        guard drainWatched else { return }
        drainWatched = false
        handler?.connectionDrained(self)
    }

    fileprivate func event(_ what: Int16) {
        let flags = Int32(what)
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

private func readTrampoline(_ bev: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    Unmanaged<Connection>.fromOpaque(ctx).takeUnretainedValue().readable()
}

private func writeTrampoline(_ bev: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    Unmanaged<Connection>.fromOpaque(ctx).takeUnretainedValue().written()
}

private func eventTrampoline(_ bev: OpaquePointer?, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    Unmanaged<Connection>.fromOpaque(ctx).takeUnretainedValue().event(what)
}

