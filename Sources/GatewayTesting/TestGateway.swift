import Engine
import Foundation
import EventLoop
import Gateway
import Grammar
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// The whole gateway in the test's process, without a port: the real pipeline, engine,
/// store executor and a temporary SQLite store with the demo data, built by
/// ``Gateway/buildGateway(loop:store:engine:line:http:sendSMS:logger:)`` as `selfcare
/// serve` builds it. Clients are connected socket pairs handed to the transports as if
/// accepted; the test's thread runs the loop while it waits for an answer. Hummingbird's
/// `app.test(.router)` is the model: most transport behaviour is tested in milliseconds,
/// and the tests against the real process stay for signals, kill -9 and Kannel.
///
/// ```swift
/// let app = try TestGateway()
/// let c = try app.lineClient()
/// try c.send("AUTH simulator simulator")      // ["235 Authenticated as simulator (network)"]
/// let r = try app.http("GET", "/healthz")     // r.status == 200
/// ```
public final class TestGateway {
    public let loop: EventLoop
    public let gateway: Gateway
    /// The SQLite file (read it with ``openStore()`` once the gateway is stopped, or at any
    /// time through a second connection: WAL lets readers in).
    public let storePath: String
    private let directory: String
    private var stopped = false
    /// The gateway this one restarted (kept alive: its folder holds the store).
    private var restarted: TestGateway?

    /// - Parameters:
    ///   - demo: the demo accounts and subscribers (README), else an empty store with the
    ///     accounts `simulator`/`simulator` (network) and `ops`/`ops` (operator).
    ///   - failEveryNthCommit: the store's test hook (every Nth transaction fails).
    ///   - configure: changes to the line and HTTP settings (the listeners bind port 0).
    ///   - smsc: SMPP links to open (to a ``TestSMSC`` of the test).
    ///   - smpp: whether to run the SMPP server (``smppClient()`` connects to it).
    ///   - restarting: another test gateway, stopped, whose store this one opens as it
    ///     is (a restart); `demo` is then ignored.
    public init(demo: Bool = true, failEveryNthCommit: Int? = nil, smsc: [SMPPLinkConfig] = [], smpp: Bool = false,
                restarting previous: TestGateway? = nil,
                configure: (inout GatewayConfig, inout HTTPConfig) -> Void = { _, _ in }) throws {
        if let previous {
            // The files stay the previous gateway's (it removes them when it goes).
            directory = "/nonexistent"
            storePath = previous.storePath
            restarted = previous
        } else {
            var template = Array("/tmp/selfcare-gw-XXXXXX".utf8CString)
            guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw TestGatewayError("mkdtemp failed")
            }
            directory = String(cString: dir)
            storePath = directory + "/selfcare.sqlite"
        }
        let now = Int64(time(nil))
        if previous == nil {
            let setup = try SQLiteStore(path: storePath)
            if demo {
                try DemoData.install(into: setup, now: now)
            }
            try setup.close()
        }
        let store = try SQLiteStore(path: storePath, opening: .existingOnly, failEveryNthCommit: failEveryNthCommit)
        let folder = TestGateway.grammarFolder
        let engine = try Engine(validating: try Grammar.load(from: folder), folder: folder)
        var line = GatewayConfig()
        line.listen = "127.0.0.1:0"
        line.grammarFolder = folder
        var http = HTTPConfig()
        http.listen = "127.0.0.1:0"
        configure(&line, &http)
        loop = try EventLoop()
        var logger = Logger(label: "test-gateway")
        logger.logLevel = .critical
        gateway = try buildGateway(loop: loop, store: store, engine: engine, line: line, http: http,
                                   sendSMS: nil, smsc: smsc, smpp: smpp ? SMPPServerConfig(listen: "127.0.0.1:0") : nil,
                                   logger: logger)
    }

    /// The repository's Grammars folder (found from this file).
    public static let grammarFolder: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // GatewayTesting/TestGateway.swift, Sources
        return parts.joined(separator: "/") + "/Grammars"
    }()

    /// Runs loop passes until `done` says so; false after `timeout` seconds.
    @discardableResult
    public func run(until done: () -> Bool, timeout: Double = 5) -> Bool {
        let tick = LoopTimer(loop: loop) {}
        tick.schedule(after: 0.005, repeating: true)
        defer { tick.cancel() }
        let deadline = loop.now + timeout
        while !done() {
            if loop.now > deadline { return false }
            gateway.runPass()
        }
        return true
    }

    /// A connected socket pair: our end, and the end given to `adopt`.
    func socketPair(_ adopt: (Int32) -> Void) throws -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw TestGatewayError("socketpair failed: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        adopt(fds[1])
        return fds[0]
    }

    /// A line-protocol client whose greeting has been read.
    public func lineClient() throws -> TestLineClient {
        let fd = try socketPair { gateway.line.adopt($0) }
        let client = TestLineClient(fd: fd, app: self)
        client.greeting = try client.readLine() ?? ""
        return client
    }

    /// An SMPP connection to the gateway's SMPP server (built with `smpp: true`): the test
    /// plays the ESME, PDU by PDU.
    public func smppClient() throws -> TestSMSCConnection {
        guard let server = gateway.smppServer else { throw TestGatewayError("the gateway has no SMPP server (smpp: true)") }
        let fd = try socketPair { server.adopt($0) }
        return TestSMSCConnection(fd: fd, app: self)
    }

    /// An HTTP client: one keep-alive connection.
    public func httpClient() throws -> TestHTTPClient {
        guard let front = gateway.http else { throw TestGatewayError("no HTTP front") }
        return TestHTTPClient(fd: try socketPair { front.adopt($0) }, app: self)
    }

    /// One request on a connection of its own.
    public func http(_ method: String, _ target: String, headers: [(String, String)] = [],
                     body: String = "") throws -> TestHTTPResponse {
        try httpClient().request(method, target, headers: headers, body: body)
    }

    /// A second connection to the store (WAL: it reads what is committed).
    public func openStore() throws -> SQLiteStore {
        try SQLiteStore(path: storePath, opening: .existingOnly)
    }

    /// SIGTERM's path: everything read is answered, connections are closed, the store
    /// executor stops.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        gateway.shutdown()
    }

    deinit {
        stop()
        for name in ["selfcare.sqlite", "selfcare.sqlite-wal", "selfcare.sqlite-shm"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }
}

public struct TestGatewayError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Our end of a socket pair: bytes in and out, the loop run while waiting.
public class TestSocket {
    let fd: Int32
    unowned let app: TestGateway
    var input: [UInt8] = []
    /// The server closed its end.
    public private(set) var ended = false

    init(fd: Int32, app: TestGateway) {
        self.fd = fd
        self.app = app
    }

    deinit { close(fd) }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 { sent += n; continue }
            guard errno == EAGAIN else { throw TestGatewayError("write failed: \(String(cString: strerror(errno)))") }
            // The server has not read yet: let it.
            app.gateway.runPass()
        }
    }

    /// Our side is done sending (the server sees EOF).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads what is there without waiting.
    func pull() {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n > 0 { input += chunk[0..<n]; continue }
            if n == 0 { ended = true }
            return
        }
    }

    /// Runs the loop until `parse` finds something in the input (it consumes it), the
    /// server closes, or the timeout.
    func waitFor<T>(timeout: Double = 5, _ parse: (inout [UInt8]) -> T?) -> T? {
        var found: T?
        app.run(until: {
            pull()
            found = parse(&input)
            return found != nil || ended
        }, timeout: timeout)
        return found ?? parse(&input)
    }
}

/// A line-protocol client of a ``TestGateway``.
public final class TestLineClient: TestSocket {
    /// The `220` line.
    public internal(set) var greeting = ""
    /// Bytes of ``TestSocket/input`` already returned as lines.
    private var consumed = 0

    /// Sends one line and returns its answer's lines (the last one is `DDD text`).
    public func send(_ line: String) throws -> [String] {
        try write(line + "\r\n")
        return try readResponse()
    }

    /// One line without its CRLF; nil at EOF.
    public func readLine(timeout: Double = 5) throws -> String? {
        waitFor(timeout: timeout) { input -> String? in
            guard let lf = input[consumed...].firstIndex(of: 0x0A) else { return nil }
            var end = lf
            if end > consumed, input[end - 1] == 0x0D { end -= 1 }
            let line = String(decoding: input[consumed..<end], as: UTF8.self)
            consumed = lf + 1
            // Dropped from the front now and then, not per line (that was quadratic).
            if consumed > 1 << 16 {
                input.removeSubrange(..<consumed)
                consumed = 0
            }
            return line
        }
    }

    /// The lines of one answer, up to its final `DDD ` line.
    public func readResponse(timeout: Double = 5) throws -> [String] {
        var lines: [String] = []
        while let line = try readLine(timeout: timeout) {
            lines.append(line)
            let bytes = Array(line.utf8)
            if bytes.count < 4 || bytes[3] != UInt8(ascii: "-") { return lines }
        }
        throw TestGatewayError("connection closed after \(lines)")
    }

    /// Every line until the server closes.
    public func readToEnd(timeout: Double = 5) throws -> [String] {
        var lines: [String] = []
        while let line = try readLine(timeout: timeout) { lines.append(line) }
        return lines
    }
}

/// An answer of the HTTP front.
public struct TestHTTPResponse {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// An HTTP/1.1 keep-alive client of a ``TestGateway``.
public final class TestHTTPClient: TestSocket {
    public func request(_ method: String, _ target: String, headers: [(String, String)] = [],
                        body: String = "") throws -> TestHTTPResponse {
        try send(method, target, headers: headers, body: body)
        return try receive()
    }

    public func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "") throws {
        try send(method, target, headers: headers, body: Array(body.utf8))
    }

    public func send(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]) throws {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: test\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH" { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try write(Array(text.utf8) + body)
    }

    public func request(_ method: String, _ target: String, headers: [(String, String)] = [],
                        body: [UInt8]) throws -> TestHTTPResponse {
        try send(method, target, headers: headers, body: body)
        return try receive()
    }

    /// One response (Content-Length bodies: what the front sends).
    public func receive(timeout: Double = 5) throws -> TestHTTPResponse {
        let response = waitFor(timeout: timeout) { input -> TestHTTPResponse? in
            let crlf2: [UInt8] = [13, 10, 13, 10]
            guard input.count >= 4, let end = (0...(input.count - 4)).first(where: { Array(input[$0..<($0 + 4)]) == crlf2 }) else {
                return nil
            }
            let head = String(decoding: input[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(head[0].split(separator: " ")[1]) ?? 0
            let headers = head.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
            guard input.count >= end + 4 + length else { return nil }
            let body = Array(input[(end + 4)..<(end + 4 + length)])
            input.removeSubrange(..<(end + 4 + length))
            return TestHTTPResponse(status: status, headers: headers, body: body)
        }
        guard let response else { throw TestGatewayError("no HTTP response") }
        return response
    }
}

extension TestGateway {
    /// A client logged in as the demo network account.
    public func network() throws -> TestLineClient {
        let c = try lineClient()
        _ = try c.send("AUTH simulator simulator")
        return c
    }

    /// A client logged in as the demo operator account.
    public func operatorClient() throws -> TestLineClient {
        let c = try lineClient()
        _ = try c.send("AUTH ops ops")
        return c
    }

    /// Runs the loop for `seconds` (the server reads what came meanwhile).
    public func pause(_ seconds: Double) {
        run(until: { false }, timeout: seconds)
    }
}
