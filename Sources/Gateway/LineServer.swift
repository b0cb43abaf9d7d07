import Engine
import Grammar
import EventLoop
import LineProtocol
import Logging
import Model
import Numbering
#if canImport(Glibc)
import Glibc
#endif

/// The line protocol on the event loop.
///
/// Read callbacks only decode and parse: every request read in one pass of the loop is
/// queued, and ``commitPass()`` runs the queue in one store transaction (group commit),
/// then hands each connection its answers in one write. Answers are released only after
/// the commit; when it fails every request of the pass that used the store gets `451`
/// and nothing of it is kept.
public final class LineServer {
    let loop: EventLoop
    let store: any SubscriberStore
    public var engine: Engine
    /// The open USSD dialogues, shared with the other transports.
    public let ussdDialogues: USSDDialogues
    /// Failed logins waiting for their audit row, shared with the HTTP front.
    public let authFailures = AuthFailures()
    /// Wakes the loop once a second, so that a second's failed logins are audited even
    /// when no request comes to run a pass.
    private var auditTick: LoopTimer?
    /// What the pass in progress did to them, applied after its commit.
    private var ussdPass = USSDDialogues.Changes()
    /// Commands the pass ran, counted into ``stats`` once it commits.
    private var passCommands = CommandCounts()
    /// The registry is this server's (it sweeps it and stops the sweep at shutdown).
    private let ownsDialogues: Bool
    let config: GatewayConfig
    let logger: Logger
    private var listener: Listener?
    private var sessions: [UInt64: LineSession] = [:]
    /// Connections closing gracefully (flushing, half-closed, draining the peer): they
    /// still hold a descriptor, so they count against ``GatewayConfig/maxConnections``.
    private var lingering: [UInt64: Connection] = [:]
    /// After the last pass of a shutdown: lines read now are answered 421, not run.
    private var refusingWork = false
    /// Open connections that are not logged in (``GatewayConfig/maxUnauthenticated``).
    public private(set) var unauthenticatedConnections = 0
    /// Checks the log-in and line deadlines once a second.
    private var deadlineSweep: LoopTimer?
    private var queue: [Pending] = []
    public private(set) var stats = GatewayStats()
    public private(set) var isStopping = false

    /// The address actually bound, e.g. `127.0.0.1:7777`.
    public var boundAddress: String { listener?.boundAddress ?? "" }

    /// - Parameter dialogues: the USSD dialogue registry to share; by default a new one
    ///   with the configured timeout, swept on `loop`.
    public init(loop: EventLoop, store: any SubscriberStore, engine: Engine, config: GatewayConfig, logger: Logger,
                dialogues: USSDDialogues? = nil) throws {
        self.loop = loop
        self.store = store
        self.engine = engine
        self.config = config
        self.logger = logger
        ownsDialogues = dialogues == nil
        if let dialogues {
            ussdDialogues = dialogues
        } else {
            ussdDialogues = USSDDialogues(timeout: config.ussdTimeout)
            ussdDialogues.startSweeping(on: loop)
        }
        queue.reserveCapacity(4096)
        auditTick = LoopTimer(loop: loop) {}
        auditTick?.schedule(after: 1, repeating: true)
        if config.authTimeout > 0 || config.lineTimeout > 0 {
            deadlineSweep = LoopTimer(loop: loop) { [unowned self] in self.enforceDeadlines() }
            deadlineSweep?.schedule(after: 1, repeating: true)
        }
        listener = try Listener(loop: loop, address: config.listen) { [unowned self] fd in
            self.accept(fd)
        }
        listener?.onShortage = { [unowned self] error, count in
            self.stats.failedAccepts += count
            self.logger.warning("accept failed \(count) times: \(String(cString: strerror(error))); pausing accepts for 0.1 s")
        }
    }

    /// A queued request and where its answer goes.
    struct Pending {
        // Strong: a connection that fails mid-pass must outlive its queued requests.
        let session: LineSession
        let item: Item
        var usedStore = false
    }

    enum Item {
        case request(Request)
        case error(RequestError)
        /// Answer with this line, then close the connection.
        case close(ResponseCode, String)
    }

    // MARK: Connections

    private func accept(_ fd: Int32) {
        let waiting = unauthenticatedConnections >= config.maxUnauthenticated
        guard !isStopping, sessions.count + lingering.count < config.maxConnections, !waiting else {
            stats.refusedConnections += 1
            let text = isStopping ? "421 Shutting down\r\n"
                : waiting ? "421 Too many connections waiting to log in, try again later\r\n"
                : "421 Too many connections, try again later\r\n"
            Listener.refuse(fd, with: Array(text.utf8))
            return
        }
        do {
            let connection = try Connection(loop: loop, fd: fd)
            let session = LineSession(connection: connection, server: self)
            session.connectedAt = loop.now
            unauthenticatedConnections += 1
            connection.handler = session
            connection.setIdleTimeout(config.idleTimeout)
            sessions[connection.id] = session
            stats.connections += 1
            var greeting = ResponseWriter(capacity: 64)
            greeting.line(.greeting, config.banner)
            connection.write(greeting.bytes)
        } catch {
            logger.error("accept failed: \(error)")
        }
    }

    /// Closes at once (a socket error): nothing more can be delivered.
    func remove(_ session: LineSession) {
        session.connection.close()
        forget(session)
    }

    private func forget(_ session: LineSession) {
        guard !session.closed else { return }
        if session.account == nil { unauthenticatedConnections -= 1 }
        session.closed = true
        session.authTimer?.cancel()
        sessions[session.connection.id] = nil
    }

    /// Decodes what arrived and queues the requests.
    func read(_ session: LineSession) {
        if refusingWork { return refuse(session) }
        guard !session.closing else { return }
        var progress = false
        session.connection.consumeInput { bytes in
            let used = decode(bytes, for: session)
            progress = used > 0
            return used
        }
        if session.closing {
            session.connection.setReading(false)
        }
        // What is left is the start of a line whose LF has not come: its deadline runs
        // from when it was first seen, and a line completed since starts it again (a
        // client streaming lines always has one half-read). The rest of a line too long
        // is swallowed, which is no progress.
        if session.connection.inputLength > 0 || session.decoder.isDiscarding {
            if session.partialLineSince == nil || (progress && !session.decoder.isDiscarding) {
                session.partialLineSince = loop.now
            }
        } else {
            session.partialLineSince = nil
        }
    }

    func unauthenticatedChanged(by delta: Int) {
        unauthenticatedConnections += delta
    }

    /// Closes, with a `421` saying why, connections that did not log in in time or hold a
    /// line that is not complete in time: any byte resets the idle timer, these deadlines
    /// no trickle resets.
    private func enforceDeadlines() {
        let now = loop.now
        for session in sessions.values where !session.closing {
            var reason: String?
            if config.authTimeout > 0, session.account == nil, now - session.connectedAt > config.authTimeout {
                reason = "Not logged in within \(GatewayConfig.seconds(config.authTimeout)) s, closing"
            } else if config.lineTimeout > 0, let since = session.partialLineSince, now - since > config.lineTimeout {
                reason = "Line not completed within \(GatewayConfig.seconds(config.lineTimeout)) s, closing"
            }
            guard let reason else { continue }
            session.closing = true
            session.connection.setReading(false)
            enqueue(session, .close(.closing, reason))
        }
    }

    /// Queues every complete line of `bytes`; returns the bytes consumed.
    private func decode(_ bytes: UnsafeRawBufferPointer, for session: LineSession) -> Int {
        session.decoder.decode(bytes) { event in
            guard !session.closing else { return }
            switch event {
            case .tooLong:
                enqueue(session, .error(.lineTooLong))
            case .line(let line):
                switch Request.parse(line) {
                case .success(.empty): break
                case .success(let request):
                    enqueue(session, .request(request))
                    if case .quit = request { session.closing = true }
                case .failure(let error):
                    enqueue(session, .error(error))
                }
            }
        }
    }

    private func enqueue(_ session: LineSession, _ item: Item) {
        queue.append(Pending(session: session, item: item))
    }

    func ended(_ session: LineSession) {
        // A last line without its LF still counts, as when a script pipes into nc.
        if !session.closing {
            session.connection.consumeInput { bytes in
                var last = Array(bytes)
                last.append(0x0A)
                _ = last.withUnsafeBytes { decode($0, for: session) }
                return bytes.count
            }
        }
        session.closing = true
        session.connection.setReading(false)
        if !queue.contains(where: { $0.session === session }) {
            finishClosing(session)
        }
    }

    func failed(_ session: LineSession, idle: Bool) {
        if idle, !session.closing {
            session.closing = true
            session.connection.setReading(false)
            enqueue(session, .close(.closing, "Idle for \(GatewayConfig.seconds(config.idleTimeout)) s, closing"))
        } else if !idle {
            remove(session)
        }
    }

    func drained(_ session: LineSession) {
        if session.closing {
            finishClosing(session)
        } else if session.pausedForOutput {
            session.pausedForOutput = false
            if !session.authPaused { session.connection.setReading(true) }
        }
    }

    /// Closes without losing an answer: the connection sends what it holds, half-closes
    /// and reads the peer out before the socket is closed (a close with unread input
    /// would reset the connection and destroy answers the peer had not read yet).
    private func finishClosing(_ session: LineSession) {
        let connection = session.connection
        forget(session)
        guard !connection.isClosing else { return }
        let id = connection.id
        lingering[id] = connection
        connection.closeGracefully(within: config.closeLinger, loop: loop) { [unowned self] in
            self.lingering[id] = nil
        }
    }

    /// During the shutdown's flush: every complete line read gets `421`, nothing runs.
    private func refuse(_ session: LineSession) {
        session.connection.consumeInput { bytes in
            session.decoder.decode(bytes) { event in
                if case .line(let line) = event, line.isEmpty { return }
                session.out.line(.closing, "Shutting down, not executed")
            }
        }
        guard !session.out.isEmpty else { return }
        session.connection.write(session.out.bytes)
        session.out.removeAll()
    }

    // MARK: The pass

    /// Runs the requests queued during the last loop pass in one transaction, then
    /// releases their answers.
    public func commitPass() {
        // The pass after a SIGTERM is the last one: lines read from now on (while the HTTP
        // front shuts down, say) are answered 421, never queued for a pass that won't come.
        defer {
            if isStopping, !refusingWork {
                refusingWork = true
                deadlineSweep?.cancel()
            }
        }
        let now = Int64(loop.now)
        let auditsDue = authFailures.hasDue(now: now)
        guard !queue.isEmpty || auditsDue else { return }
        let needsStore = auditsDue || queue.contains { $0.needsStore }
        var failure: (any Error)?
        if needsStore {
            for p in queue { p.session.accountAtPassStart = p.session.account }
            var summaries: [AuthFailures.Summary] = []
            do {
                try store.write { tx in
                    for i in queue.indices { try execute(&queue[i], tx, now: now) }
                    summaries = authFailures.takeDue(now: now)
                    try authFailures.write(summaries, engine: engine, in: tx)
                }
            } catch {
                authFailures.restore(summaries)
                failure = error
            }
        } else {
            for i in queue.indices { try? execute(&queue[i], nil, now: now) }
        }
        stats.requests += queue.count
        if let failure {
            let used = queue.filter(\.usedStore).count
            stats.failedCommits += 1
            stats.failedRequests += used
            logger.error("commit failed, \(used) requests answered 451: \(failure)")
            // Nothing of the pass happened: its dialogues stay where they were.
            ussdPass = USSDDialogues.Changes()
            passCommands = CommandCounts()
            redoAfterFailedCommit()
        } else if needsStore {
            let used = queue.reduce(0) { $0 + ($1.usedStore ? 1 : 0) }
            stats.commits += 1
            stats.engineCommands += used
            stats.largestGroup = max(stats.largestGroup, used)
            stats.commands.add(passCommands)
            passCommands = CommandCounts()
        }
        if !ussdPass.isEmpty {
            ussdDialogues.apply(ussdPass, now: loop.now)
            ussdPass = USSDDialogues.Changes()
        }
        release()
        queue.removeAll(keepingCapacity: true)
    }

    /// Runs one request and writes its answer into the session's held output. Throws
    /// only store errors, which fail the whole pass's transaction.
    private func execute(_ p: inout Pending, _ tx: (any StoreTransaction)?, now: Int64) throws {
        let session = p.session
        // After QUIT or a closing 421, nothing more of this connection runs.
        guard !session.finished else { return }
        switch p.item {
        case .error(let error):
            // Checked here, not when read: an AUTH earlier in the same pass counts.
            // Before AUTH, a malformed protected verb is still "authenticate first".
            if let verb = error.verb, let refusal = verb.permission(for: session.role) {
                session.out.error(refusal)
            } else {
                session.out.error(error)
            }
        case .close(let code, let text):
            session.out.line(code, text)
            session.closing = true
            session.finished = true
        case .request(let request):
            if let verb = request.verb, let refusal = verb.permission(for: session.role) {
                session.out.error(refusal)
                return
            }
            switch request {
            case .empty:
                break
            case .ping:
                session.out.line(.ok, "PONG")
            case .help:
                help(session)
            case .quit:
                session.out.line(.bye, "Bye")
                session.closing = true
                session.finished = true
            case .auth(let name, let password):
                guard let tx else { return }
                p.usedStore = true
                try authenticate(session, name, password, request, tx, now: now)
            case .sms(let from, let to, let text):
                guard let tx else { return }
                p.usedStore = true
                try run(.sms(from: from, to: to, text: text), request, session, tx, now: now)
            case .topup(let msisdn, let amount):
                guard let tx else { return }
                p.usedStore = true
                try run(.topUp(msisdn, amount: amount), request, session, tx, now: now)
            case .mt(let from, let to, let text):
                guard let tx else { return }
                p.usedStore = true
                try run(.mt(from: from, to: to, text: text), request, session, tx, now: now)
            case .ussd(let msisdn, let text):
                guard let tx else { return }
                p.usedStore = true
                try ussd(msisdn, text, request, session, tx, now: now)
            case .release(let msisdn):
                let open = ussdDialogues.dialogue(for: msisdn, now: loop.now, pending: ussdPass) != nil
                ussdPass.set(nil, for: msisdn)
                session.out.line(.ok, open ? "Released" : "No open dialogue")
            case .outbox(let recipient):
                guard let tx else { return }
                p.usedStore = true
                try run(.outbox(recipient: recipient, limit: Request.outboxBatch), request, session, tx, now: now)
            case .rateSet(let rate):
                guard let tx else { return }
                p.usedStore = true
                try run(.setRate(rate), request, session, tx, now: now)
            case .rateDelete(let prefix, let kind):
                guard let tx else { return }
                p.usedStore = true
                try run(.deleteRates(prefix: prefix, kind: kind), request, session, tx, now: now)
            case .rateList(let prefix):
                guard let tx else { return }
                p.usedStore = true
                try run(.listRates(prefix: prefix), request, session, tx, now: now)
            case .subAdd(let subscriber, let pin):
                guard let tx else { return }
                p.usedStore = true
                try run(.addSubscriber(subscriber, pin: pin), request, session, tx, now: now)
            case .subShow(let msisdn):
                guard let tx else { return }
                p.usedStore = true
                try run(.showSubscriber(msisdn), request, session, tx, now: now)
            case .reload:
                switch reload() {
                case .success(let summary): session.out.line(.ok, summary)
                case .failure(let error): session.out.line(.refused, "Grammar refused, the previous one stays: \(error)")
                }
            }
        }
    }

    private func run(_ command: Command, _ request: Request, _ session: LineSession,
                     _ tx: any StoreTransaction, now: Int64) throws {
        let context = RequestContext(channel: "line", account: session.accountName,
                                     request: request.maskedDescription, now: now)
        let outcome = try engine.execute(command, context, in: tx)
        passCommands.record(service: outcome.service, outcome: outcome.status)
        write(outcome, to: &session.out)
    }

    /// A USSD string: continues the subscriber's open dialogue (as the pass so far left
    /// it), stages what the engine returns, and answers the screen with `251 CONTINUE`
    /// (dialogue open), `250 END`, or the refusal.
    private func ussd(_ msisdn: MSISDN, _ text: String, _ request: Request, _ session: LineSession,
                      _ tx: any StoreTransaction, now: Int64) throws {
        let context = RequestContext(channel: "line", account: session.accountName,
                                     request: request.maskedDescription, now: now)
        let open = ussdDialogues.dialogue(for: msisdn, now: loop.now, pending: ussdPass)
        let outcome = try engine.execute(.ussd(from: msisdn, input: text, dialogue: open), context, in: tx)
        ussdPass.set(outcome.dialogue, for: msisdn)
        passCommands.record(service: "ussd", outcome: outcome.status)
        writeUSSD(outcome, to: &session.out)
    }

    /// How a USSD outcome reads on the line protocol: the screen's lines, then
    /// `251 CONTINUE`, `250 END`, `554 Refused: <reason>` or `550 Unknown subscriber`.
    func writeUSSD(_ outcome: Outcome, to out: inout ResponseWriter) {
        let code: ResponseCode
        let final: String
        switch (outcome.status, outcome.dialogue) {
        case (.ok, .some): (code, final) = (.continues, "CONTINUE")
        case (.ok, nil): (code, final) = (.ok, "END")
        case (.unknownSubscriber, _): (code, final) = (.unknownSubscriber, "Unknown subscriber")
        case (.refused, _), (.invalid, _): (code, final) = (.refused, "Refused: \(outcome.result)")
        }
        if let screen = outcome.reply, !screen.isEmpty { out.line(code, screen, last: false) }
        out.line(code, final)
    }

    /// Told of every engine a reload puts in force, so the other transports of the loop
    /// switch with this one.
    public var onReload: ((Engine) -> Void)?

    /// Reads the grammar folder again and puts a new engine in force; on any error the
    /// engine in force stays. Runs on the loop (RELOAD, SIGHUP): a few small files.
    @discardableResult
    public func reload() -> Result<String, GrammarError> {
        guard let folder = config.grammarFolder else {
            return .failure(GrammarError(file: "", line: 0, reason: "no grammar folder configured"))
        }
        do {
            let grammar = try Grammar.load(from: folder)
            engine = try Engine(validating: grammar, folder: folder)
            onReload?(engine)
            logger.notice("grammar reloaded from \(folder)")
            return .success("Grammar reloaded from \(folder): \(grammar.services.count) services")
        } catch {
            logger.error("grammar reload refused, the previous one stays: \(error)")
            return .failure(error)
        }
    }

    /// How an engine outcome reads on the line protocol: the reply SMS as lines, then
    /// the requester's lines, then the code and the result.
    func write(_ outcome: Outcome, to out: inout ResponseWriter) {
        let code: ResponseCode
        switch outcome.status {
        case .ok: code = .ok
        case .refused: code = .refused
        case .unknownSubscriber: code = .unknownSubscriber
        case .invalid: code = .syntaxError
        }
        // The reply SMS, one line per part of a concatenated SMS.
        for part in outcome.replyParts { out.line(code, part, last: false) }
        for line in outcome.lines { out.line(code, line, last: false) }
        switch outcome.status {
        case .ok:
            if outcome.result.isEmpty { out.line(code, "OK") } else { out.line(code, prefix: "OK ", outcome.result) }
        case .refused: out.line(code, prefix: "Refused: ", outcome.result)
        case .unknownSubscriber: out.line(code, "Unknown subscriber")
        case .invalid: out.line(code, outcome.result)
        }
    }

    private func authenticate(_ session: LineSession, _ name: String, _ password: String, _ request: Request,
                              _ tx: any StoreTransaction, now: Int64) throws {
        if session.authBlockedUntil > loop.now {
            session.authFailures += 1
            authFailures.record(source: session.connection.peerHost, second: now, name: name, channel: "line")
            session.out.line(.authenticationFailed, "Too many failures, wait before trying again")
            closeIfTooManyAuthFailures(session)
            return
        }
        let context = RequestContext(channel: "line", account: name, request: request.maskedDescription, now: now)
        let account = try engine.authenticate(account: name, password: password, context, in: tx)
        if let account {
            session.account = account
            session.authFailures = 0
            session.out.line(.authenticated, "Authenticated as \(account.name) (\(account.role.rawValue))")
            return
        }
        // A failed AUTH also ends an earlier login: the connection is not trusted now.
        session.account = nil
        authFailures.record(source: session.connection.peerHost, second: now, name: name, channel: "line")
        session.authFailures += 1
        session.out.line(.authenticationFailed, "Authentication failed")
        if !closeIfTooManyAuthFailures(session) {
            // Slow down guessing: the connection is not read for 1, 2, 4 … seconds.
            let delay = Double(1 << min(session.authFailures - 1, 6))
            session.authBlockedUntil = loop.now + delay
            session.pauseForAuth(delay, loop: loop)
        }
    }

    @discardableResult
    private func closeIfTooManyAuthFailures(_ session: LineSession) -> Bool {
        guard session.authFailures >= config.maxAuthFailures else { return false }
        session.out.line(.closing, "Too many authentication failures, closing")
        session.closing = true
        session.finished = true
        logger.warning("closing \(session.connection.peer) after \(session.authFailures) failed AUTH")
        return true
    }

    private func help(_ session: LineSession) {
        let role = session.role
        let verbs = Request.Verb.allCases.filter { $0.isPermitted(for: role) }
        session.out.lines(.ok, verbs.flatMap(\.usageLines), final: "End of HELP")
    }

    /// Commit failed: the sessions' auth goes back to where the pass found it, answers
    /// are rebuilt, every request that used the store gets 451.
    private func redoAfterFailedCommit() {
        for p in queue {
            p.session.out.removeAll()
            p.session.account = p.session.accountAtPassStart
            p.session.finished = false
        }
        for i in queue.indices {
            if queue[i].usedStore {
                queue[i].session.out.line(.commitFailed, "Commit failed, nothing applied; send it again")
            } else {
                try? execute(&queue[i], nil, now: Int64(loop.now))
            }
        }
    }

    /// Hands every session its held answers, one write each.
    private func release() {
        for p in queue {
            let session = p.session
            guard !session.out.isEmpty else { continue }
            if !session.closed {
                session.connection.write(session.out.bytes)
            }
            session.out.removeAll()
            if session.closed { continue }
            if session.closing {
                finishClosing(session)
            } else if session.connection.outputLength > config.pauseOutputBytes {
                session.pausedForOutput = true
                session.connection.setReading(false)
                session.connection.watchDrain(lowWater: config.resumeOutputBytes)
            }
        }
    }

    // MARK: Shutdown

    /// Stops accepting; what was read is still answered by the next ``commitPass()``.
    public func beginShutdown() {
        guard !isStopping else { return }
        isStopping = true
        listener?.disable()
    }

    /// After the last pass: lines that still arrive are answered `421 … not executed`
    /// while the answers owed go out; once they are with the kernel (or the grace period
    /// ends) each connection gets `421 Shutting down` and is closed gracefully (half-close,
    /// the peer read out), within the same grace period.
    public func finishShutdown() {
        refusingWork = true
        let deadline = loop.now + config.shutdownGrace
        let tick = LoopTimer(loop: loop) {}
        tick.schedule(after: 0.05, repeating: true)
        for session in Array(sessions.values) where session.connection.inputLength > 0 { refuse(session) }
        while sessions.values.contains(where: { $0.connection.outputLength > 0 }), loop.now < deadline {
            loop.runOnce()
        }
        var notice = ResponseWriter(capacity: 32)
        notice.line(.closing, "Shutting down")
        for session in Array(sessions.values) {
            if !session.closing { session.connection.write(notice.bytes) }
            finishClosing(session)
        }
        while !lingering.isEmpty, loop.now < deadline + 0.5 {
            loop.runOnce()
        }
        tick.cancel()
        auditTick?.cancel()
        deadlineSweep?.cancel()
        flushAuthFailures()
        if ownsDialogues { ussdDialogues.stopSweeping() }
        for connection in Array(lingering.values) { connection.close() }
        listener?.close()
        listener = nil
    }

    /// Audits every failed login still counted (at shutdown).
    public func flushAuthFailures() {
        guard !authFailures.isEmpty else { return }
        let summaries = authFailures.takeDue(now: Int64(loop.now), everything: true)
        do {
            try store.write { tx in try authFailures.write(summaries, engine: engine, in: tx) }
        } catch {
            logger.error("failed logins not audited (\(summaries.reduce(0) { $0 + $1.count }) attempts): \(error)")
        }
    }

    public var openConnections: Int { sessions.count }
    /// Connections closing gracefully.
    public var closingConnections: Int { lingering.count }
}

extension LineServer.Pending {
    var needsStore: Bool {
        guard case .request(let request) = item else { return false }
        switch request {
        case .auth, .sms, .ussd, .topup, .mt, .outbox, .rateSet, .rateDelete, .rateList, .subAdd, .subShow: return true
        default: return false
        }
    }
}
