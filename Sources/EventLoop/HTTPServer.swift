import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// libevent's HTTP server (evhttp) on the same `event_base` as everything else.
///
/// The handler gets each complete request, copied out of libevent, and answers it when
/// it likes, with ``respond(to:with:)`` — in the same callback, or later in the pass
/// once the store transaction it needed has committed (deferred replies):
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
/// A client that goes away before its answer costs nothing: the answer is dropped.
/// Bodies larger than `maxBodySize` are refused by libevent with `413` before the
/// handler sees them; methods other than the seven below get `501`.
public final class HTTPServer {
    public typealias Handler = (HTTPRequest) -> Void

    private var http: OpaquePointer?
    private var bound: OpaquePointer?
    private let handler: Handler
    /// Requests handed to the handler and not answered yet.
    private var pending: [UInt64: Held] = [:]
    /// Every connection that sent a request and is not closed: answers being written.
    private var connections: [OpaquePointer: ConnectionState] = [:]
    nonisolated(unsafe) private static var nextID: UInt64 = 0

    /// Every answer from now on carries `Connection: close` (shutdown).
    public var closeAfterReply = false
    /// The address actually bound, e.g. `127.0.0.1:8080`.
    public private(set) var boundAddress = ""
    public private(set) var port = 0

    struct Held {
        let request: OpaquePointer
        let connection: OpaquePointer
    }

    final class ConnectionState {
        var pending: Set<UInt64> = []
        /// Answers handed to libevent and not yet fully written.
        var writing = 0
    }

    /// - Parameters:
    ///   - address: `HOST:PORT`, `[::1]:PORT`; port 0 picks a free port (see ``port``).
    ///   - maxBodySize: larger request bodies get `413` from libevent.
    ///   - idleTimeout: seconds a keep-alive connection may stay silent.
    public init(loop: EventLoop, address: String, maxBodySize: Int = 64 << 10, idleTimeout: Double = 60,
                handler: @escaping Handler) throws {
        self.handler = handler
        guard let (host, port) = HTTPServer.split(address) else { throw EventLoopError.address(address) }
        guard let http = evhttp_new(loop.base) else { throw EventLoopError.libevent("evhttp_new failed") }
        self.http = http
        evhttp_set_max_body_size(http, maxBodySize)
        evhttp_set_max_headers_size(http, 16 << 10)
        evhttp_set_timeout(http, Int32(max(1, idleTimeout.rounded())))
        // Read (and drop) the rest of a refused body, so the 413 is not lost in a reset.
        evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE)
        evhttp_set_default_content_type(http, "text/plain; charset=utf-8")
        let methods = [EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_PUT, EVHTTP_REQ_DELETE,
                       EVHTTP_REQ_PATCH, EVHTTP_REQ_HEAD, EVHTTP_REQ_OPTIONS]
        evhttp_set_allowed_methods(http, UInt16(methods.reduce(0) { $0 | $1.rawValue }))
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        evhttp_set_gencb(http, requestTrampoline, ctx)
        guard let bound = evhttp_bind_socket_with_handle(http, host, port) else {
            let reason = String(cString: strerror(errno))
            evhttp_free(http)
            self.http = nil
            throw EventLoopError.bind("cannot listen on \(address): \(reason)")
        }
        self.bound = bound
        (boundAddress, self.port) = Listener.localAddress(of: evhttp_bound_socket_get_fd(bound))
    }

    deinit { close() }

    /// Requests received and not answered yet.
    public var inFlight: Int { pending.count }
    /// Connections that sent at least one request and are still open.
    public var openConnections: Int { connections.count }
    /// Something is unanswered or an answer is still being written.
    public var isBusy: Bool { !pending.isEmpty || connections.values.contains { $0.writing > 0 } }

    /// Sends the answer to request `id`. Nothing happens when it was answered already or
    /// its client has gone.
    public func respond(to id: UInt64, with response: HTTPResponse) {
        guard let held = pending.removeValue(forKey: id) else { return }
        let state = connections[held.connection]
        state?.pending.remove(id)
        let request = held.request
        if let headers = evhttp_request_get_output_headers(request) {
            for (name, value) in response.headers { evhttp_add_header(headers, name, value) }
            if closeAfterReply { evhttp_add_header(headers, "Connection", "close") }
        }
        let buffer = evbuffer_new()
        response.body.withUnsafeBytes { bytes in
            if bytes.count > 0 { _ = evbuffer_add(buffer, bytes.baseAddress, bytes.count) }
        }
        state?.writing += 1
        evhttp_request_set_on_complete_cb(request, completeTrampoline, Unmanaged.passUnretained(self).toOpaque())
        evhttp_send_reply(request, Int32(response.status), HTTPResponse.reason(response.status), buffer)
        evbuffer_free(buffer)
    }

    /// Stops accepting connections; open ones are still served.
    public func stopAccepting() {
        if let http, let bound { evhttp_del_accept_socket(http, bound) }
        bound = nil
    }

    /// Closes every connection at once. Requests not answered are dropped with their
    /// connections, and answers not yet written are lost: answer first, then run the
    /// loop until ``isBusy`` is false.
    public func close() {
        // Freeing the server frees its connections and their requests: no callback into
        // us from there.
        for connection in connections.keys { evhttp_connection_set_closecb(connection, nil, nil) }
        for held in pending.values where evhttp_request_get_connection(held.request) == nil {
            evhttp_request_free(held.request)
        }
        if let http { evhttp_free(http) }
        http = nil
        bound = nil
        pending.removeAll()
        connections.removeAll()
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

    // MARK: From libevent

    fileprivate func received(_ request: OpaquePointer) {
        guard let connection = evhttp_request_get_connection(request) else { return }
        HTTPServer.nextID &+= 1
        let id = HTTPServer.nextID
        let state: ConnectionState
        if let known = connections[connection] {
            state = known
        } else {
            state = ConnectionState()
            connections[connection] = state
            evhttp_connection_set_closecb(connection, closeTrampoline, Unmanaged.passUnretained(self).toOpaque())
            HTTPServer.disableNagle(connection)
        }
        state.pending.insert(id)
        pending[id] = Held(request: request, connection: connection)
        handler(HTTPRequest(
            id: id, method: HTTPServer.method(evhttp_request_get_command(request)),
            uri: evhttp_request_get_uri(request).map { String(cString: $0) } ?? "/",
            headers: HTTPServer.headers(evhttp_request_get_input_headers(request)),
            body: HTTPServer.body(evhttp_request_get_input_buffer(request)),
            peer: HTTPServer.peer(connection), receivedAt: HTTPServer.monotonicNow()))
    }

    fileprivate func completed(_ request: OpaquePointer) {
        guard let connection = evhttp_request_get_connection(request), let state = connections[connection] else { return }
        state.writing = max(0, state.writing - 1)
    }

    /// The connection is being freed. libevent frees the requests still attached to it;
    /// one it detached earlier (its client went away) is ours to free.
    fileprivate func closed(_ connection: OpaquePointer) {
        guard let state = connections.removeValue(forKey: connection) else { return }
        for id in state.pending {
            guard let held = pending.removeValue(forKey: id) else { continue }
            if evhttp_request_get_connection(held.request) == nil {
                evhttp_request_free(held.request)
            }
        }
    }

    /// evhttp leaves Nagle's algorithm on. Then a second answer on a keep-alive connection
    /// (pipelined requests) waits until the client acknowledges the first, and a client
    /// that is waiting for answers delays that ACK by 40 ms (Linux): every pipelined batch
    /// stalled 40 ms. The line protocol's ``Connection`` does the same for its sockets.
    static func disableNagle(_ connection: OpaquePointer) {
        guard let bev = evhttp_connection_get_bufferevent(connection) else { return }
        var one: Int32 = 1
        setsockopt(bufferevent_getfd(bev), Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func method(_ command: evhttp_cmd_type) -> String {
        switch command {
        case EVHTTP_REQ_GET: return "GET"
        case EVHTTP_REQ_POST: return "POST"
        case EVHTTP_REQ_PUT: return "PUT"
        case EVHTTP_REQ_DELETE: return "DELETE"
        case EVHTTP_REQ_PATCH: return "PATCH"
        case EVHTTP_REQ_HEAD: return "HEAD"
        case EVHTTP_REQ_OPTIONS: return "OPTIONS"
        default: return "OTHER"
        }
    }

    static func headers(_ list: UnsafeMutablePointer<evkeyvalq>?) -> HTTPHeaders {
        var fields: [(String, String)] = []
        var entry = list?.pointee.tqh_first
        while let kv = entry {
            fields.append((String(cString: kv.pointee.key), String(cString: kv.pointee.value)))
            entry = kv.pointee.next.tqe_next
        }
        return HTTPHeaders(fields)
    }

    static func body(_ buffer: OpaquePointer?) -> [UInt8] {
        guard let buffer else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { storage, count in
            count = max(0, evbuffer_copyout(buffer, storage.baseAddress, length))
        }
    }

    static func peer(_ connection: OpaquePointer) -> String {
        var address: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &address, &port)
        guard let address else { return "?" }
        let host = String(cString: address)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

private func requestTrampoline(_ request: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let request, let ctx else { return }
    Unmanaged<HTTPServer>.fromOpaque(ctx).takeUnretainedValue().received(request)
}

private func completeTrampoline(_ request: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let request, let ctx else { return }
    Unmanaged<HTTPServer>.fromOpaque(ctx).takeUnretainedValue().completed(request)
}

private func closeTrampoline(_ connection: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let connection, let ctx else { return }
    Unmanaged<HTTPServer>.fromOpaque(ctx).takeUnretainedValue().closed(connection)
}
