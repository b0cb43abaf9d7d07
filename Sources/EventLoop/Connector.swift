import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// Opens an outgoing TCP connection without blocking the loop: a non-blocking `connect`,
/// then a libevent write event (with a timeout) says when it is done. The completion runs
/// on the loop, once, never before ``connect(loop:host:port:timeout:completion:)`` returns.
///
/// ```swift
/// let pending = Connector.connect(loop: loop, host: "10.0.0.5", port: 2775, timeout: 10) { result in
///     switch result {
///     case .success(let connection): connection.handler = link
///     case .failure(let error): print(error)   // connect to 10.0.0.5:2775: Connection refused
///     }
/// }
/// ```
///
/// The host is resolved with the system resolver (which may block the loop briefly, as
/// ``HTTPClient``'s does): give an address or a name in `/etc/hosts`.
public final class Connector {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let target: String
        public let reason: String
        public var description: String { "connect to \(target): \(reason)" }
    }

    private var event: OpaquePointer?
    private var fd: Int32 = -1
    private let loop: EventLoop
    private let target: String
    private var completion: ((Result<Connection, Failure>) -> Void)?
    /// Keeps itself alive until libevent calls back (or it is cancelled).
    private var selfReference: Connector?

    private init(loop: EventLoop, target: String, completion: @escaping (Result<Connection, Failure>) -> Void) {
        self.loop = loop
        self.target = target
        self.completion = completion
    }

    @discardableResult
    public static func connect(loop: EventLoop, host: String, port: UInt16, timeout: Double,
                               completion: @escaping (Result<Connection, Failure>) -> Void) -> Connector {
        let target = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let connector = Connector(loop: loop, target: target, completion: completion)
        connector.selfReference = connector
        connector.start(host: host, port: port, timeout: timeout)
        return connector
    }

    /// Gives up: the completion never runs.
    public func cancel() {
        completion = nil
        finish()
    }

    private func start(host: String, port: UInt16, timeout: Double) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let info = list else {
            return fail(rc == 0 ? "no address" : String(cString: gai_strerror(rc)), at: 0)
        }
        defer { freeaddrinfo(list) }
        fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return fail(String(cString: strerror(errno)), at: 0) }
        if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0, errno != EINPROGRESS {
            return fail(String(cString: strerror(errno)), at: 0)
        }
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(loop.base, fd, Int16(EV_WRITE), connectTrampoline, ctx)
        var tv = timeval(seconds: timeout)
        event_add(event, &tv)
    }

    /// A failure found before any event: reported from a zero timer, so the completion
    /// never runs inside `connect`.
    private func fail(_ reason: String, at: Double) {
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        event = event_new(loop.base, -1, 0, failTrampoline, ctx)
        pendingReason = reason
        var tv = timeval(seconds: at)
        event_add(event, &tv)
    }

    private var pendingReason = ""

    fileprivate func failed() { report(.failure(Failure(target: target, reason: pendingReason))) }

    fileprivate func ready(_ what: Int16) {
        guard what & Int16(EV_TIMEOUT) == 0 else {
            return report(.failure(Failure(target: target, reason: "timed out")))
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { return report(.failure(Failure(target: target, reason: String(cString: strerror(error))))) }
        let socket = fd
        fd = -1   // the connection owns it now
        do {
            report(.success(try Connection(loop: loop, fd: socket)))
        } catch {
            report(.failure(Failure(target: target, reason: "\(error)")))
        }
    }

    private func report(_ result: Result<Connection, Failure>) {
        let completion = self.completion
        self.completion = nil
        finish()
        completion?(result)
    }

    private func finish() {
        if let event { event_free(event) }
        event = nil
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        selfReference = nil
    }
}

private func connectTrampoline(_ fd: Int32, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let connector = Unmanaged<Connector>.fromOpaque(ctx).retain()
    defer { connector.release() }
    connector.takeUnretainedValue().ready(what)
}

private func failTrampoline(_ fd: Int32, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let connector = Unmanaged<Connector>.fromOpaque(ctx).retain()
    defer { connector.release() }
    connector.takeUnretainedValue().failed()
}
