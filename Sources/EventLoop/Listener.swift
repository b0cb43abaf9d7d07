import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on the loop. Each accepted socket is handed to `onAccept`
/// as a file descriptor, already non-blocking.
///
/// When `accept` fails for want of resources (no file descriptor left, `EMFILE` or
/// `ENFILE`; no memory), the socket stays readable: retrying at once spins the CPU and
/// serves nobody. The listener then pauses for ``pauseOnShortage`` seconds and tells
/// `onShortage` at most once a second, with how many accepts failed since it last told.
public final class Listener {
    private var listener: OpaquePointer?
    private let onAccept: (Int32) -> Void
    /// Told of failed accepts: the `errno` of the last one and how many failed since the
    /// last report; called at most once a second.
    public var onShortage: ((Int32, Int) -> Void)?
    /// Seconds accepting stays paused after a failure for want of resources.
    public var pauseOnShortage: Double = 0.1
    private let loop: EventLoop
    private var resumeTimer: LoopTimer?
    private var enabled = true
    private var failures = 0
    private var lastReport = -Double.infinity
    /// The address actually bound (with the real port when port 0 was asked for).
    public private(set) var boundAddress: String = ""
    public private(set) var port: Int = 0

    /// - Parameter address: `HOST:PORT`, e.g. `127.0.0.1:7777`, `[::1]:7777`, `0.0.0.0:0`.
    public init(loop: EventLoop, address: String, backlog: Int32 = 1024, onAccept: @escaping (Int32) -> Void) throws {
        self.onAccept = onAccept
        self.loop = loop
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        // libevent refuses port 0, which asks the kernel for a free port: parse with a
        // stand-in port and zero it afterwards.
        let anyPort = address.hasSuffix(":0")
        let parsable = anyPort ? String(address.dropLast()) + "1" : address
        let parsed = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                evutil_parse_sockaddr_port(parsable, $0, &length)
            }
        }
        guard parsed == 0, address.contains(":") else { throw EventLoopError.address(address) }
        if anyPort {
            withUnsafeMutablePointer(to: &storage) {
                if $0.pointee.ss_family == sa_family_t(AF_INET6) {
                    $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = 0 }
                } else {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = 0 }
                }
            }
        }
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        let flags = UInt32(LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE)
        let made = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                evconnlistener_new_bind(loop.base, acceptTrampoline, ctx, flags, backlog, $0, length)
            }
        }
        guard let made else {
            throw EventLoopError.bind("cannot listen on \(address): \(String(cString: strerror(errno)))")
        }
        listener = made
        evconnlistener_set_error_cb(made, acceptErrorTrampoline)
        (boundAddress, port) = Listener.localAddress(of: evconnlistener_get_fd(made))
    }

    /// Stops accepting (the socket stays bound until ``close()``).
    public func disable() {
        enabled = false
        resumeTimer?.cancel()
        if let listener { evconnlistener_disable(listener) }
    }

    public func enable() {
        enabled = true
        if let listener { evconnlistener_enable(listener) }
    }

    public func close() {
        resumeTimer?.cancel()
        if let listener { evconnlistener_free(listener) }
        listener = nil
    }

    deinit { close() }

    fileprivate func accepted(_ fd: Int32) { onAccept(fd) }

    /// Answers an accepted socket that will not be served (`421`, `503`) and closes it.
    /// What the peer already sent is read first: closing with unread input would reset
    /// the connection, and the reset can overtake the answer.
    public static func refuse(_ fd: Int32, with answer: [UInt8]) {
        _ = answer.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        var scratch = [UInt8](repeating: 0, count: 4096)
        while Glibc.recv(fd, &scratch, scratch.count, Int32(MSG_DONTWAIT)) > 0 {}
        Glibc.close(fd)
    }

    func acceptFailed(_ error: Int32) {
        failures += 1
        if loop.now - lastReport >= 1 {
            lastReport = loop.now
            onShortage?(error, failures)
            failures = 0
        }
        // Any accept error that libevent does not retry itself (EMFILE, ENFILE, ENOBUFS,
        // ENOMEM …) would fire again at once: wait, then try again.
        guard let listener, enabled else { return }
        evconnlistener_disable(listener)
        if resumeTimer == nil {
            resumeTimer = LoopTimer(loop: loop) { [unowned self] in
                if self.enabled, let listener = self.listener { evconnlistener_enable(listener) }
            }
        }
        resumeTimer?.schedule(after: pauseOnShortage)
    }

    static func localAddress(of fd: Int32) -> (String, Int) {
        SocketAddress.describe(fd, getsockname) ?? ("?", 0)
    }
}

/// `HOST:PORT` text of a socket's own or peer address.
enum SocketAddress {
    typealias Query = (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32

    /// `query` is `getsockname` or `getpeername`; `nil` when it fails.
    static func describe(_ fd: Int32, _ query: Query) -> (String, Int)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        var host = [CChar](repeating: 0, count: 64)
        var port = 0
        if storage.ss_family == sa_family_t(AF_INET6) {
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &host, 64)
                    port = Int(UInt16(bigEndian: sin6.pointee.sin6_port))
                }
            }
            return ("[\(cString(host))]:\(port)", port)
        }
        withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var addr = sin.pointee.sin_addr
                _ = inet_ntop(AF_INET, &addr, &host, 64)
                port = Int(UInt16(bigEndian: sin.pointee.sin_port))
            }
        }
        return ("\(cString(host)):\(port)", port)
    }
}

private func acceptTrampoline(
    _ listener: OpaquePointer?, _ fd: Int32, _ addr: UnsafeMutablePointer<sockaddr>?,
    _ len: Int32, _ ctx: UnsafeMutableRawPointer?
) {
    guard let ctx else { return }
    Unmanaged<Listener>.fromOpaque(ctx).takeUnretainedValue().accepted(fd)
}

private func acceptErrorTrampoline(_ listener: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    let error = errno
    guard let ctx else { return }
    Unmanaged<Listener>.fromOpaque(ctx).takeUnretainedValue().acceptFailed(error)
}

/// A NUL-terminated C buffer as a String.
func cString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
