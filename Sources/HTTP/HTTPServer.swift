import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on the event loop: our ``Listener`` and ``Connection`` with the
/// ``HTTPRequestDecoder``, so that it shares the line protocol's limits and its close
/// without a reset.
///
/// The handler gets each complete request and answers it when it likes, with
/// ``respond(to:with:)`` — in the same callback, or later in the pass once the store
/// transaction it needed has committed (deferred replies). Pipelined requests are
/// answered in the order they came.
///
/// ```swift
/// var waiting: [UInt64] = []
/// let http = try HTTPServer(loop: loop, address: "127.0.0.1:0") { request in
///     waiting.append(request.id)
/// }
/// loop.runOnce()
/// for id in waiting { http.respond(to: id, with: .text(200, "ok")) }
/// ```
///
/// What it refuses by itself, each answered and then closed gracefully:
/// - a connection beyond `maxConnections`: `503` with `Retry-After`, before reading it;
/// - a head ``headCheck`` refuses (no credentials, unknown path …): its answer; the body
///   is never kept (a small one is read and dropped and the connection goes on, a large
///   or chunked one is not read: the connection closes after the answer);
/// - a malformed request or one whose body is over `maxBodySize`: `400`, `413`, `431`,
///   `501`, `505` (see ``HTTPRequestDecoder``); methods other than the seven below: `501`.
///
/// A client that goes away before its answer costs nothing: the answer is dropped, and
/// what the connection held is freed.
public final class HTTPServer {
    public typealias Handler = (HTTPRequest) -> Void

    /// Looks at a request's head before its body is read; an answer refuses the request
    /// (and closes the connection after it), `nil` reads on.
    public var headCheck: ((HTTPRequestHead) -> HTTPResponse?)?
    /// Every answer from now on carries `Connection: close` (shutdown).
    public var closeAfterReply = false
    /// The address actually bound, e.g. `127.0.0.1:8080`.
    public private(set) var boundAddress = ""
    public private(set) var port = 0
    /// Told of failed accepts (no descriptor left …), at most once a second.
    public var onAcceptShortage: ((Int32, Int) -> Void)? {
        get { listener?.onShortage }
        set { listener?.onShortage = newValue }
    }

    /// Told of each connection refused for want of room (the count of open ones).
    public var onRefused: ((Int) -> Void)?

    public static let methods: Set<String> = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]

    let loop: EventLoop
    private let handler: Handler
    let maxBodySize: Int
    let idleTimeout: Double
    let maxConnections: Int
    /// Seconds a closing connection is kept to deliver its last answer.
    let closeLinger: Double = 5
    private var listener: Listener?
    private var connections: [UInt64: HTTPConnection] = [:]
    /// Closing connections (flushing, half-closed): they still hold a descriptor.
    private var lingering: [UInt64: Connection] = [:]
    /// Requests handed to the handler and not answered yet, by id.
    private var pending: [UInt64: HTTPConnection] = [:]
    nonisolated(unsafe) private static var nextID: UInt64 = 0
    /// Connections refused for being over ``maxConnections``.
    public private(set) var refusedConnections = 0
    /// Seconds a request has, from its first byte, to arrive whole (0 = no limit).
    public var requestTimeout: Double = 30 {
        didSet { scheduleSweep() }
    }
    private var sweep: LoopTimer?
    /// Requests answered `408` because they did not arrive whole in time.
    public private(set) var timedOutRequests = 0

    /// - Parameters:
    ///   - address: `HOST:PORT`, `[::1]:PORT`; port 0 picks a free port (see ``port``).
    ///   - maxBodySize: larger request bodies get `413`, before they are read.
    ///   - idleTimeout: seconds a keep-alive connection may stay silent.
    ///   - maxConnections: connections beyond this get `503` and are closed.
    /// Set: every connection is HTTPS (TLS first, then HTTP/1.1 inside).
    public var tls: TLSContext?

    public init(loop: EventLoop, address: String, maxBodySize: Int = 64 << 10, idleTimeout: Double = 60,
                maxConnections: Int = 1_000, handler: @escaping Handler) throws {
        self.loop = loop
        self.handler = handler
        self.maxBodySize = maxBodySize
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        guard HTTPServer.split(address) != nil else { throw EventLoopError.address(address) }
        let listener = try Listener(loop: loop, address: address) { [unowned self] fd in self.accept(fd) }
        self.listener = listener
        boundAddress = listener.boundAddress
        port = listener.port
        scheduleSweep()
    }

    private func scheduleSweep() {
        sweep?.cancel()
        guard requestTimeout > 0 else { return }
        if sweep == nil { sweep = LoopTimer(loop: loop) { [unowned self] in self.enforceRequestDeadline() } }
        sweep?.schedule(after: min(1, requestTimeout / 2), repeating: true)
    }

    /// A request trickled a byte at a time resets no deadline: one not whole within
    /// ``requestTimeout`` of its first byte gets `408` and the connection closes.
    private func enforceRequestDeadline() {
        let now = loop.now
        for http in Array(connections.values) {
            guard let since = http.requestStartedAt, now - since > requestTimeout else { continue }
            timedOutRequests += 1
            http.timeOut(after: requestTimeout)
        }
    }

    deinit {
        // Nothing can be told any more: the sockets close as they are.
        sweep?.cancel()
        listener?.close()
        for http in connections.values { http.connection.close(notifying: false) }
        for connection in lingering.values { connection.close(notifying: false) }
    }

    /// Requests received and not answered yet.
    public var inFlight: Int { pending.count }
    /// Open connections (closing ones not counted).
    public var openConnections: Int { connections.count }
    /// Connections closing gracefully.
    public var closingConnections: Int { lingering.count }
    /// Something is unanswered or an answer is still being written.
    public var isBusy: Bool { !pending.isEmpty || connections.values.contains { $0.connection.outputLength > 0 } }

    /// Sends the answer to request `id`. Nothing happens when it was answered already or
    /// its client has gone.
    public func respond(to id: UInt64, with response: HTTPResponse) {
        guard let connection = pending.removeValue(forKey: id) else { return }
        connection.answer(id, response)
    }

    /// Stops accepting connections; open ones are still served.
    public func stopAccepting() {
        listener?.close()
        listener = nil
    }

    /// Closes every connection, gracefully (what was written is delivered, within a few
    /// seconds). Requests not answered are dropped: answer first, then run the loop
    /// until ``isBusy`` is false, then close, then run it until ``closingConnections`` is 0.
    public func close() {
        stopAccepting()
        pending.removeAll()
        for connection in Array(connections.values) { finish(connection) }
    }

    /// Closes every connection at once (the loop is going away).
    public func closeNow() {
        close()
        for connection in Array(lingering.values) { connection.close() }
        lingering.removeAll()
    }

    /// Seconds of a monotonic clock, for latencies (the loop's cached clock is per pass).
    public static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `HOST:PORT` or `[V6]:PORT` as host and port.
    static func split(_ address: String) -> (String, UInt16)? {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...])
        else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    // MARK: Connections

    /// Serves a connected socket as if the listener had accepted it (in-process tests).
    public func adopt(_ fd: Int32) { accept(fd) }

    private func accept(_ fd: Int32) {
        guard connections.count + lingering.count < maxConnections else {
            refusedConnections += 1
            onRefused?(connections.count)
            let busy = HTTPResponseEncoder.encode(
                .text(503, "too many connections, try again later\n", headers: [("Retry-After", "1")]),
                headOnly: false, close: true)
            Listener.refuse(fd, with: busy)
            return
        }
        do {
            let connection = try Connection(loop: loop, fd: fd, tls: tls)
            let http = HTTPConnection(connection: connection, server: self)
            connection.handler = http
            connection.setIdleTimeout(idleTimeout)
            connections[connection.id] = http
        } catch {
            // The descriptor is closed by Connection's init; nothing else to undo.
        }
    }

    func nextRequestID() -> UInt64 {
        HTTPServer.nextID &+= 1
        return HTTPServer.nextID
    }

    /// A complete request from `connection`, already in its queue: to the handler.
    func dispatch(_ id: UInt64, _ head: HTTPRequestHead, body: [UInt8], on connection: HTTPConnection) {
        pending[id] = connection
        handler(HTTPRequest(id: id, method: head.method, uri: head.uri, headers: head.headers, body: body,
                            peer: connection.connection.peer, receivedAt: HTTPServer.monotonicNow()))
    }

    /// Closes gracefully: sends what it holds, half-closes, reads the peer out.
    func finish(_ http: HTTPConnection) {
        let connection = http.connection
        forget(http)
        guard !connection.isClosing else { return }
        let id = connection.id
        lingering[id] = connection
        connection.closeGracefully(within: closeLinger, loop: loop) { [unowned self] in
            self.lingering[id] = nil
        }
    }

    /// The connection failed: nothing more can be delivered.
    func drop(_ http: HTTPConnection) {
        http.connection.close()
        forget(http)
    }

    private func forget(_ http: HTTPConnection) {
        for id in http.unanswered { pending[id] = nil }
        http.unanswered.removeAll()
        connections[http.connection.id] = nil
    }
}

/// One HTTP connection: its decoder and its answers, kept in request order.
final class HTTPConnection: ConnectionHandler {
    let connection: Connection
    unowned let server: HTTPServer
    var decoder: HTTPRequestDecoder
    /// Requests in the order they came, with their answer once there is one.
    private var queue: [(id: UInt64, head: HTTPRequestHead, response: HTTPResponse?)] = []
    /// Ids of requests the handler has not answered.
    var unanswered: Set<UInt64> = []
    /// No more requests are read: the last one asked to close, one was refused, EOF.
    private var stopped = false
    /// An answer that ends the connection, written after every answer before it.
    private var finalAnswer: HTTPResponse?
    /// Inside ``read()``: answers given meanwhile are written when it returns.
    private var reading = false
    /// Since when a request has been arriving (loop clock); nil between requests.
    var requestStartedAt: Double?
    /// A request was completed by the read in progress.
    private var completedInRead = false
    /// At most this many requests of one connection wait for answers; then it is not
    /// read until they are answered (a pipelining client cannot queue without bound).
    static let maxQueued = 64
    /// A connection whose unsent output passes this is not read until it drains.
    static let pauseOutputBytes = 1 << 20

    init(connection: Connection, server: HTTPServer) {
        self.connection = connection
        self.server = server
        decoder = HTTPRequestDecoder(maxBodyBytes: server.maxBodySize)
    }

    func connectionReadable(_ connection: Connection) { read() }

    func connectionEnded(_ connection: Connection) {
        // The client sent all it will: answer what it asked, then close.
        stopped = true
        flush()
    }

    func connectionFailed(_ connection: Connection, idle: Bool) {
        guard idle else { return server.drop(self) }
        // Idle with answers still owed: they are on their way, keep waiting for them.
        guard queue.isEmpty else { return }
        stopped = true
        flush()
    }

    func connectionDrained(_ connection: Connection) {
        if !stopped, queue.count < Self.maxQueued {
            connection.setReading(true)
            read()
        }
    }

    private var wantsInput: Bool { !stopped && finalAnswer == nil && queue.count < Self.maxQueued }

    /// Decoding stopped at a full queue with input left: read again once answers go out.
    private var stalled = false

    /// Decodes what arrived, then writes what is ready.
    private func read() {
        guard !reading else { return }
        reading = true
        stalled = false
        if wantsInput {
            connection.consumeInput { bytes in
                decoder.decode(bytes) { event in handle(event) }
            }
            stalled = !wantsInput && !stopped && connection.inputLength > 0
            // Part of a request read (or waiting in the buffer): its deadline runs from
            // its first byte; a request completed in this read starts it again.
            if decoder.isMidRequest || (connection.inputLength > 0 && !stalled) {
                if requestStartedAt == nil || completedInRead { requestStartedAt = server.loop.now }
            } else {
                requestStartedAt = nil
            }
            completedInRead = false
        }
        reading = false
        flush()
    }

    /// The answer to the request whose body is being read and dropped.
    private var refusal: HTTPResponse?

    /// One decoder event; what the decoder does next.
    private func handle(_ event: HTTPRequestDecoder.Event) -> HTTPRequestDecoder.Next {
        switch event {
        case .head(let head):
            if !HTTPServer.methods.contains(head.method) {
                return refuse(.text(501, "method \(head.method) is not served\n"))
            }
            if let answer = server.headCheck?(head) {
                // A small announced body is read and dropped, so the connection stays
                // usable; anything else (chunked, over the limit) ends it.
                guard case .length(let n) = head.body, n <= server.maxBodySize else { return refuse(answer) }
                refusal = answer
                return .discardBody
            }
            if head.expectsContinue, queue.isEmpty {
                connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            }
            return .read
        case .request(let head, let body):
            completedInRead = true
            if !head.keepAlive { stopped = true }
            if let answer = refusal {
                refusal = nil
                queue.append((id: 0, head: head, response: answer))
                return wantsInput ? .read : .stop
            }
            let id = server.nextRequestID()
            queue.append((id: id, head: head, response: nil))
            unanswered.insert(id)
            server.dispatch(id, head, body: body, on: self)
            return wantsInput ? .read : .stop
        case .failure(let error):
            return refuse(.text(error.status, error.message + "\n"))
        }
    }

    /// The request being read did not arrive whole in time: `408` after the answers owed,
    /// then the connection closes.
    func timeOut(after seconds: Double) {
        requestStartedAt = nil
        let whole = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        _ = refuse(.text(408, "request not complete within \(whole) s\n"))
        if !reading { flush() }
    }

    /// Refuses the request being read: its answer comes after the ones owed, then the
    /// connection closes; nothing more is read.
    private func refuse(_ response: HTTPResponse) -> HTTPRequestDecoder.Next {
        stopped = true
        finalAnswer = response
        return .stop
    }

    func answer(_ id: UInt64, _ response: HTTPResponse) {
        guard unanswered.remove(id) != nil, let index = queue.firstIndex(where: { $0.id == id }) else { return }
        queue[index].response = response
        if !reading { flush() }
    }

    /// Writes the answers at the front of the queue that are ready, in order; closes
    /// once the last one owed went out; reads on when there is room.
    private func flush() {
        guard !connection.isClosing else { return }
        var closing = false
        while let first = queue.first, let response = first.response {
            queue.removeFirst()
            closing = !first.head.keepAlive || server.closeAfterReply
            connection.write(HTTPResponseEncoder.encode(response, headOnly: first.head.method == "HEAD",
                                                        close: closing, http10: first.head.minorVersion == 0))
            if closing { break }
        }
        if !closing, queue.isEmpty, let last = finalAnswer {
            connection.write(HTTPResponseEncoder.encode(last, headOnly: false, close: true))
            finalAnswer = nil
            closing = true
        }
        if closing || (stopped && queue.isEmpty && finalAnswer == nil) {
            stopped = true
            queue.removeAll()
            server.finish(self)
            return
        }
        if connection.outputLength > Self.pauseOutputBytes {
            connection.setReading(false)
            connection.watchDrain(lowWater: Self.pauseOutputBytes / 4)
        } else if wantsInput {
            connection.setReading(true)
            if stalled, !reading { read() }
        } else {
            connection.setReading(false)
        }
    }
}
