import CLibevent
import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 client on the loop (libevent's evhttp): `GET` requests to one server,
/// over at most `connections` keep-alive connections, each carrying one request at a
/// time. Nothing blocks and no thread is started: the completion runs on the loop, always
/// after ``get(_:headers:completion:)`` has returned.
///
/// ```swift
/// let client = try HTTPClient(loop: loop, host: "127.0.0.1", port: 13013, connections: 4)
/// client.get("/cgi-bin/sendsms?username=u&password=p&to=36301111111&text=hi") { response in
///     print(response.status, response.text)   // 202 0: Accepted for delivery
/// }
/// ```
///
/// The host is resolved when a connection opens (with the system resolver, which may
/// block the loop briefly): give an address or a name in `/etc/hosts`.
public final class HTTPClient {
    /// What came back. `status` 0: no answer (refused, reset, timed out, malformed).
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        public init(status: Int, body: [UInt8] = []) {
            self.status = status
            self.body = body
        }
    }

    public typealias Completion = (Response) -> Void

    public let host: String
    public let port: UInt16
    private let loop: EventLoop
    private var slots: [Slot] = []
    /// Answers waiting to be handed to their completions (from the next loop callback).
    private var finished: [(Completion, Response)] = []
    private var delivery: LoopTimer?

    final class Slot {
        let connection: OpaquePointer
        /// The request on it, kept alive until libevent calls back.
        var call: Call?
        init(connection: OpaquePointer) { self.connection = connection }
    }

    final class Call {
        weak var client: HTTPClient?
        let slot: Slot
        let completion: Completion
        init(client: HTTPClient, slot: Slot, completion: @escaping Completion) {
            self.client = client
            self.slot = slot
            self.completion = completion
        }
    }

    /// - Parameters:
    ///   - connections: requests in flight at most (one per connection).
    ///   - timeout: seconds to connect, and to wait for each read or write.
    public init(loop: EventLoop, host: String, port: UInt16, connections: Int = 4, timeout: Double = 10) throws {
        self.loop = loop
        self.host = host
        self.port = port
        for _ in 0..<max(1, connections) {
            guard let connection = evhttp_connection_base_new(loop.base, nil, host, port) else {
                close()
                throw EventLoopError.libevent("evhttp_connection_base_new(\(host):\(port)) failed")
            }
            evhttp_connection_set_timeout(connection, Int32(max(1, timeout.rounded())))
            // A failed request is the caller's to retry, when and if it likes.
            evhttp_connection_set_retries(connection, 0)
            slots.append(Slot(connection: connection))
        }
        delivery = LoopTimer(loop: loop) { [unowned self] in self.deliver() }
    }

    deinit { close() }

    /// Requests sent and not answered yet.
    public var inFlight: Int { slots.reduce(0) { $0 + ($1.call == nil ? 0 : 1) } }
    /// True when another request can be sent now.
    public var hasIdleConnection: Bool { slots.contains { $0.call == nil } }

    /// Sends `GET target` (`/path?query`, already percent-encoded). `false`, and no
    /// completion ever, when every connection is busy.
    @discardableResult
    public func get(_ target: String, headers: [(String, String)] = [], completion: @escaping Completion) -> Bool {
        guard let slot = slots.first(where: { $0.call == nil }) else { return false }
        let call = Call(client: self, slot: slot, completion: completion)
        slot.call = call
        let context = Unmanaged.passRetained(call).toOpaque()
        guard let request = evhttp_request_new(responseTrampoline, context) else {
            Unmanaged<Call>.fromOpaque(context).release()
            slot.call = nil
            finish(completion, Response(status: 0))
            return true
        }
        if let output = evhttp_request_get_output_headers(request) {
            evhttp_add_header(output, "Host", port == 80 ? host : "\(host):\(port)")
            for (name, value) in headers { evhttp_add_header(output, name, value) }
        }
        // On failure libevent may or may not have called back already; the call's
        // retain tells: the trampoline takes it exactly once.
        if evhttp_make_request(slot.connection, request, EVHTTP_REQ_GET, target) != 0, slot.call === call {
            Unmanaged<Call>.fromOpaque(context).release()
            slot.call = nil
            finish(completion, Response(status: 0))
        }
        return true
    }

    /// Closes every connection; requests in flight are dropped without their completions.
    public func close() {
        for slot in slots {
            evhttp_connection_free(slot.connection)
            if let call = slot.call {
                Unmanaged.passUnretained(call).release()
                slot.call = nil
            }
        }
        slots.removeAll()
        finished.removeAll()
        delivery?.cancel()
    }

    // MARK: From libevent

    static func body(_ buffer: OpaquePointer?) -> [UInt8] {
        guard let buffer else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { storage, count in
            count = max(0, evbuffer_copyout(buffer, storage.baseAddress, length))
        }
    }

    fileprivate func answered(_ call: Call, _ request: OpaquePointer?) {
        guard call.slot.call === call else { return }
        call.slot.call = nil
        var response = Response(status: 0)
        if let request {
            response.status = Int(evhttp_request_get_response_code(request))
            response.body = HTTPClient.body(evhttp_request_get_input_buffer(request))
        }
        finish(call.completion, response)
    }

    /// Queues the completion for the next loop callback, never inside a libevent call
    /// the caller is still in.
    private func finish(_ completion: @escaping Completion, _ response: Response) {
        finished.append((completion, response))
        if delivery?.isPending != true { delivery?.schedule(after: 0) }
    }

    private func deliver() {
        let ready = finished
        finished.removeAll()
        for (completion, response) in ready { completion(response) }
    }
}

private func responseTrampoline(_ request: OpaquePointer?, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let call = Unmanaged<HTTPClient.Call>.fromOpaque(ctx).takeRetainedValue()
    call.client?.answered(call, request)
}
