import Engine
import EventLoop
import Logging
import Model
import SMPP
#if canImport(Glibc)
import Glibc
#endif

/// Settings of `selfcare serve --smpp HOST:PORT`.
public struct SMPPServerConfig: Sendable {
    /// `HOST:PORT`; port 0 picks a free port (tests).
    public var listen: String
    /// `deliver_sm` sent to one bind and not yet answered, at most.
    public var window = 64
    /// Binds at once; more are refused at connect.
    public var maxConnections = 200
    /// Seconds a connection has to bind.
    public var bindTimeout = 30.0
    /// Seconds a `deliver_sm` may wait for its response before the bind is closed.
    public var responseTimeout = 30.0
    /// Failed binds before the connection is closed; each doubles the wait before the
    /// refusal is sent (1, 2, 4 … s), as a failed AUTH does.
    public var maxBindFailures = 5
    /// How MOs and replies read on this port (`Grammars/smpp/standard.profile` unless set).
    public var profile: SMPPProfile?
    /// Seconds a submitted MO is remembered, so that one an ESME submits again (its
    /// `submit_sm_resp` was lost) is answered like the first and not run twice (0: off).
    public var dedupeWindow = 30.0

    public init(listen: String) { self.listen = listen }
}

/// Selfcare as the SMSC of SMPP test tools, SMS simulators and aggregators: they bind with
/// a *network* account's name and password (transceiver, transmitter or receiver); a
/// `submit_sm` (or `data_sm`) from a bound ESME is a subscriber's MO from `source_addr` to
/// `destination_addr`, run through the pipeline like every other transport's; its
/// `submit_sm_resp` leaves after the commit (`ESME_RX_T_APPN` when the commit fails) and
/// the reply comes back as `deliver_sm` — on the same bind when it can receive, else on a
/// receiver bind of the same account. USSD TLVs work as on the client link.
public final class SMPPServer {
    let loop: EventLoop
    let pipeline: Pipeline
    let config: SMPPServerConfig
    let profile: SMPPProfile
    let logger: Logger
    let authFailures: AuthFailures
    private var listener: Listener?
    private(set) var sessions: [UInt64: SMPPServerSession] = [:]
    private var sweep: LoopTimer?
    private(set) var stopping = false
    var nextMessageID: UInt64 = 0
    /// Submitted MOs of the window, all binds (the key includes the account).
    var duplicates: SMPPDuplicates
    public private(set) var stats = Stats()

    public struct Stats: Sendable, Equatable {
        public var binds = 0
        public var bindFailures = 0
        public var mo = 0
        public var moRefused = 0
        public var replies = 0
        public var repliesUndeliverable = 0
        public var pdusMalformed = 0
        public var refusedConnections = 0
        /// MOs submitted again and answered without running.
        public var duplicates = 0
    }

    /// Where the store keeps the binds' MOs for the duplicate memory.
    static let rememberScope = "smpp-server"

    /// Reloads the duplicate memory from what the store kept (at start).
    func restoreDuplicates(_ remembered: [RememberedMO]) {
        duplicates.restore(remembered.filter { $0.scope == Self.rememberScope }, now: loop.now)
    }

    public var boundAddress: String { listener?.boundAddress ?? "" }
    public var openConnections: Int { sessions.count }

    public init(loop: EventLoop, pipeline: Pipeline, config: SMPPServerConfig, profile: SMPPProfile,
                authFailures: AuthFailures, logger: Logger) throws {
        self.loop = loop
        self.pipeline = pipeline
        self.config = config
        self.profile = profile
        self.authFailures = authFailures
        self.logger = logger
        duplicates = SMPPDuplicates(window: config.dedupeWindow)
        listener = try Listener(loop: loop, address: config.listen) { [unowned self] fd in self.accept(fd) }
        let t = LoopTimer(loop: loop) { [unowned self] in self.everySecond() }
        t.schedule(after: 1, repeating: true)
        sweep = t
    }

    private func accept(_ fd: Int32) {
        guard !stopping, sessions.count < config.maxConnections else {
            stats.refusedConnections += 1
            if !stopping {
                authFailures.warnings?.warn("connection_refused", "connection refused: the SMPP server's connection limit reached",
                                            ["channel": "smpp", "connections": .stringConvertible(sessions.count)], now: loop.now)
            }
            // A generic_nack with ESME_RSYSERR, then the close: the ESME logs why.
            Listener.refuse(fd, with: PDU.genericNack(.systemError, sequence: 0).encoded())
            return
        }
        do {
            let connection = try Connection(loop: loop, fd: fd)
            let session = SMPPServerSession(connection: connection, server: self)
            connection.handler = session
            sessions[connection.id] = session
        } catch {
            logger.error("smpp accept failed: \(error)")
        }
    }

    /// Serves a connected socket as if accepted (the in-process test driver).
    public func adopt(_ fd: Int32) { accept(fd) }

    func forget(_ session: SMPPServerSession) { sessions[session.connection.id] = nil }

    /// The bind a duplicate's ticket (connection id, sequence) belongs to, if it is still there.
    func session(ofTicket ticket: UInt64) -> SMPPServerSession? { sessions[ticket >> 32] }

    func count(_ change: (inout Stats) -> Void) { change(&stats) }

    /// A bind that may take the reply for `account`: the MO's own when it can receive,
    /// else another receiving bind of the same account.
    func receiver(for account: String, preferring session: SMPPServerSession) -> SMPPServerSession? {
        if session.canReceive { return session }
        return sessions.values.first { $0.account == account && $0.canReceive }
    }

    private func everySecond() {
        for session in Array(sessions.values) { session.checkTimeouts(now: loop.now) }
    }

    /// A bind that takes outbox messages came: the pusher may look now.
    func outboxBound() { onOutboxBind?() }
    /// Set by the pusher's wiring (``buildGateway``): a nudge.
    public var onOutboxBind: (() -> Void)?

    public func beginShutdown() {
        stopping = true
        listener?.close()
        listener = nil
        // The binds go on reading (the answers to the deliver_sm sent still count); a
        // submit_sm read from now on is answered ESME_RX_T_APPN.
    }

    /// After the pipeline answered every MO: the replies still queued go out while the
    /// deadline allows, each bind gets `unbind`, a short wait for `unbind_resp`, close.
    public func finishShutdown(deadline: Double) {
        beginShutdown()
        let wake = LoopTimer(loop: loop) {}
        wake.schedule(after: 0.05, repeating: true)
        defer { wake.cancel() }
        while sessions.values.contains(where: { $0.hasRepliesToSend }), loop.now < deadline { loop.runOnce() }
        for session in sessions.values { session.unbind() }
        let until = min(deadline, loop.now + 2)
        while !sessions.isEmpty, loop.now < until { loop.runOnce() }
        for session in Array(sessions.values) { session.closeNow() }
        sweep?.cancel()
    }
}

/// The outbox's messages to numbers a bind's `address_range` takes go to that bind as
/// `deliver_sm` (the least queued of those that match), marked delivered once the ESME
/// answered every part `ESME_ROK`.
extension SMPPServer: OutboxCarrier {
    public var name: String { "smpp server" }
    public var peer: String { "the ESME" }
    public var canSend: Bool { sessions.values.contains { $0.addressRange != nil && $0.canReceive && $0.hasRoom } }

    /// Whether some bind takes messages to `recipient` (busy or not).
    public func routes(_ recipient: String) -> Bool {
        !stopping && sessions.values.contains { $0.takesOutbox(to: recipient) }
    }

    public func send(_ message: OutboxMessage, done: @escaping (OutboxCarrierVerdict) -> Void) -> Bool {
        guard !stopping,
              let bind = sessions.values.filter({ $0.takesOutbox(to: message.recipient) })
                .min(by: { $0.queuedCount < $1.queuedCount }) else { return false }
        return bind.sendOutbox(message, done: done)
    }

    public func close() {}
}

/// Where the outbox goes when the `--smpp` server runs: a message to a number some bind
/// takes goes to that bind; the others to the other carrier (Kannel's sendsms or an
/// `--smsc` link), or wait (for a bind, or `OUTBOX`) when there is none.
public final class OutboxRouter: OutboxCarrier {
    public let server: SMPPServer
    public let other: (any OutboxCarrier)?

    public init(server: SMPPServer, other: (any OutboxCarrier)?) {
        self.server = server
        self.other = other
    }

    public var name: String { other.map { "\($0.name) + smpp binds" } ?? "smpp binds" }
    public var peer: String { other.map { "\($0.peer) or the ESME" } ?? server.peer }
    public var canSend: Bool { server.canSend || other?.canSend == true }

    public func send(_ message: OutboxMessage, done: @escaping (OutboxCarrierVerdict) -> Void) -> Bool {
        if server.routes(message.recipient) { return server.send(message, done: done) }
        return other?.send(message, done: done) ?? false
    }

    public func close() { other?.close() }
}
