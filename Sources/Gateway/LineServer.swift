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
/// Read callbacks decode and parse; each request becomes a job of the gateway's
/// ``Pipeline``: those that need the store run in the next batch (one transaction with
/// every other transport's requests of the pass), the others (`PING`, `HELP`, errors) are
/// answered at once unless an earlier request of the same connection is still in the
/// pipeline, then in their turn. Answers are released only after their commit, in
/// request order; when the commit fails every request of the batch that used the store
/// gets `451` and nothing of it is kept. Requests after an `AUTH` wait for its outcome
/// (they are checked against the role it gives).
public final class LineServer {
    let loop: EventLoop
    let pipeline: Pipeline
    /// The engine in force (the pipeline's).
    public var engine: Engine { pipeline.engine }
    /// The open USSD dialogues, shared with the other transports.
    public var ussdDialogues: USSDDialogues { pipeline.dialogues }
    /// Failed logins waiting for their audit row, shared with the HTTP front.
    public let authFailures: AuthFailures
    /// Wakes the loop once a second, so that a second's failed logins are audited even
    /// when no request comes to run a pass.
    private var auditTick: LoopTimer?
    let config: GatewayConfig
    let logger: Logger
    private var listener: Listener?
    private var sessions: [UInt64: LineSession] = [:]
    /// Connections closing gracefully (flushing, half-closed, draining the peer): they
    /// still hold a descriptor, so they count against ``GatewayConfig/maxConnections``.
    private var lingering: [UInt64: Connection] = [:]
    /// After a SIGTERM: lines read now are answered 421, not run.
    private var refusingWork = false
    /// Open connections that are not logged in (``GatewayConfig/maxUnauthenticated``).
    public private(set) var unauthenticatedConnections = 0
    /// Checks the log-in and line deadlines once a second.
    private var deadlineSweep: LoopTimer?
    /// Sessions with answers to write at the end of the pass.
    private var touched: [LineSession] = []
    private var counters = GatewayStats()
    public private(set) var isStopping = false

    /// The counters, with the commits that carried line requests.
    public var stats: GatewayStats {
        var s = counters
        s.commits = pipeline.stats.commits(.line)
        s.failedCommits = pipeline.stats.failedCommits(.line)
        s.largestGroup = pipeline.stats.largestBatch
        return s
    }

    /// The address actually bound, e.g. `127.0.0.1:7777`.
    public var boundAddress: String { listener?.boundAddress ?? "" }

    public init(loop: EventLoop, pipeline: Pipeline, config: GatewayConfig, logger: Logger) throws {
        self.loop = loop
        self.pipeline = pipeline
        self.config = config
        authFailures = AuthFailures(throttle: config.loginThrottle, warnings: pipeline.warnings)
        self.logger = logger
        touched.reserveCapacity(1024)
        auditTick = LoopTimer(loop: loop) {}
        auditTick?.schedule(after: 1, repeating: true)
        if config.authTimeout > 0 || config.lineTimeout > 0 {
            deadlineSweep = LoopTimer(loop: loop) { [unowned self] in self.enforceDeadlines() }
            deadlineSweep?.schedule(after: 1, repeating: true)
        }
        // Idempotency keys past their retention go in bounded batches in a system job of
        // the pipeline: never a long delete in front of requests. A minute apart (or the
        // retention, if shorter) while there is little to do; a second apart while each
        // batch comes back full, so that a sustained keyed load (Kannel's id on every MO)
        // is kept up with (5 000 a second), and an idle server is not woken every second.
        let retention = config.idempotencyRetention
        let quiet = min(60, retention)
        pruneTick = LoopTimer(loop: loop) { [unowned self] in
            let before = Int64(self.loop.now - retention)
            self.pipeline.submit(.system, work: { batch in
                .counts([try batch.tx.pruneIdempotencyRecords(before: before, limit: LineServer.pruneBatch)])
            }) { [unowned self] result in
                guard !self.isStopping else { return }
                var full = false
                if case .committed(.counts(let n)) = result { full = n.first == LineServer.pruneBatch }
                self.pruneTick?.schedule(after: full ? 1 : quiet)
            }
        }
        pruneTick?.schedule(after: quiet)
        listener = try Listener(loop: loop, address: config.listen) { [unowned self] fd in
            self.accept(fd)
        }
        listener?.onShortage = { [unowned self] error, count in
            self.counters.failedAccepts += count
            self.logger.warning("accept failed \(count) times: \(String(cString: strerror(error))); pausing accepts for 0.1 s")
        }
        pipeline.beforeShip.append { [unowned self] in
            self.authFailures.submitDue(to: self.pipeline, now: Int64(self.loop.now))
        }
        pipeline.afterPass.append { [unowned self] in self.release() }
    }

    private var pruneTick: LoopTimer?
    /// Idempotency records forgotten per pruning job at most.
    static let pruneBatch = 5_000

    enum Item: Sendable {
        /// `key`: the request's idempotency key (`TOPUP id=bill-77 …`), if it has one.
        case request(Request, key: String?)
        case error(RequestError)
        /// Answer with this line, then close the connection.
        case close(ResponseCode, String)
    }

    // MARK: Connections

    private func accept(_ fd: Int32) {
        let waiting = unauthenticatedConnections >= config.maxUnauthenticated
        guard !isStopping, sessions.count + lingering.count < config.maxConnections, !waiting else {
            counters.refusedConnections += 1
            if !isStopping {
                authFailures.warnings?.warn("connection_refused", waiting ? "connection refused: too many waiting to log in"
                                                : "connection refused: --max-connections reached",
                                            ["channel": "line", "connections": .stringConvertible(sessions.count)], now: loop.now)
            }
            let text = isStopping ? "421 Shutting down\r\n"
                : waiting ? "421 Too many connections waiting to log in, try again later\r\n"
                : "421 Too many connections, try again later\r\n"
            Listener.refuse(fd, with: Array(text.utf8))
            return
        }
        do {
            let connection = try Connection(loop: loop, fd: fd, tls: config.tls)
            let session = LineSession(connection: connection, server: self)
            session.connectedAt = loop.now
            unauthenticatedConnections += 1
            connection.handler = session
            connection.setIdleTimeout(config.idleTimeout)
            sessions[connection.id] = session
            counters.connections += 1
            var greeting = ResponseWriter(capacity: 64)
            greeting.line(.greeting, config.banner)
            connection.write(greeting.bytes)
        } catch {
            logger.error("accept failed: \(error)")
        }
    }

    /// Serves a connected socket as if the listener had accepted it (the in-process test
    /// driver hands over one end of a socket pair).
    public func adopt(_ fd: Int32) { accept(fd) }

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

    /// Decodes what arrived and hands the requests to the pipeline.
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
        } else if session.awaitingAuth, session.held.count >= LineServer.maxHeld {
            // Lines behind an AUTH wait for its outcome; a client that keeps sending
            // meanwhile is not read further (its bytes stay in the kernel) until then.
            session.heldPause = true
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
            if config.authTimeout > 0, session.account == nil, !session.awaitingAuth,
               now - session.connectedAt > config.authTimeout {
                reason = "Not logged in within \(GatewayConfig.seconds(config.authTimeout)) s, closing"
            } else if config.lineTimeout > 0, let since = session.partialLineSince, now - since > config.lineTimeout {
                reason = "Line not completed within \(GatewayConfig.seconds(config.lineTimeout)) s, closing"
            }
            guard let reason else { continue }
            session.closing = true
            session.connection.setReading(false)
            dispatch(session, .close(.closing, reason))
        }
    }

    /// Dispatches every complete line of `bytes`; returns the bytes consumed.
    private func decode(_ bytes: UnsafeRawBufferPointer, for session: LineSession) -> Int {
        session.decoder.decode(bytes) { event in
            guard !session.closing else { return }
            switch event {
            case .tooLong:
                dispatch(session, .error(.lineTooLong))
            case .line(let line):
                switch RequestParser.parseKeyed(line) {
                case .success((.empty, _)): break
                case .success(let (request, key)):
                    if case .quit = request { session.closing = true }
                    dispatch(session, .request(request, key: key))
                case .failure(let error):
                    dispatch(session, .error(error))
                }
            }
        }
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
        if session.isIdle { touch(session) }
    }

    func failed(_ session: LineSession, idle: Bool) {
        if idle, !session.closing {
            session.closing = true
            session.connection.setReading(false)
            dispatch(session, .close(.closing, "Idle for \(GatewayConfig.seconds(config.idleTimeout)) s, closing"))
        } else if !idle {
            remove(session)
        }
    }

    func drained(_ session: LineSession) {
        if session.closing {
            if session.isIdle { finishClosing(session) }
        } else if session.pausedForOutput {
            session.pausedForOutput = false
            if !session.authPaused, !session.heldPause { session.connection.setReading(true) }
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

    /// After a SIGTERM: every complete line read gets `421`, nothing runs.
    private func refuse(_ session: LineSession) {
        // Answers still owed go first: the refusals wait until the connection is idle.
        guard session.isIdle else { return touch(session) }
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

    // MARK: Requests

    /// Runs a request in its turn: at once when the connection has nothing in the
    /// pipeline and it needs no store; else as a job of the next batch. Behind an AUTH
    /// whose outcome is not known yet, it waits.
    private func dispatch(_ session: LineSession, _ item: Item) {
        if session.awaitingAuth {
            session.held.append(item)
            return
        }
        counters.requests += 1
        guard let work = storeWork(item, session) else {
            if session.outstanding == 0 {
                answerLocally(item, session)
                touch(session)
            } else {
                session.outstanding += 1
                pipeline.submit(.line, work: nil) { [unowned(unsafe) self] _ in
                    session.outstanding -= 1
                    self.answerLocally(item, session)
                    self.touch(session)
                }
            }
            return
        }
        session.outstanding += 1
        if case .request(.auth(let name, _), _) = item {
            session.awaitingAuth = true
            pipeline.submit(.line, work: work) { [unowned(unsafe) self] result in
                session.outstanding -= 1
                self.authenticated(session, name, result)
                self.touch(session)
                self.dispatchHeld(session)
            }
        } else {
            let isUSSD: Bool
            if case .request(.ussd, _) = item { isUSSD = true } else { isUSSD = false }
            // Unowned(unsafe): the server outlives every job (shutdown drains the pipeline),
            // and a checked unowned reference costs two atomics a request.
            pipeline.submit(.line, work: work) { [unowned(unsafe) self] result in
                session.outstanding -= 1
                self.completed(result, session, ussd: isUSSD)
                self.touch(session)
            }
        }
    }

    /// Most requests held behind an AUTH before the connection is no longer read.
    static let maxHeld = 1024

    /// The requests that waited for an AUTH, in their order (up to the next AUTH); then
    /// reading resumes if the hold paused it.
    private func dispatchHeld(_ session: LineSession) {
        if !session.held.isEmpty {
            let held = session.held
            session.held.removeAll()
            for item in held { dispatch(session, item) }
        }
        guard session.heldPause, !session.awaitingAuth else { return }
        session.heldPause = false
        guard !session.closing, !session.closed, !session.authPaused, !session.pausedForOutput else { return }
        session.connection.setReading(true)
        if session.connection.inputLength > 0 { read(session) }
    }

    /// What a request does in the store, run on the store's thread; `nil` when it needs
    /// no store (or is refused before: no role for it, an AUTH while blocked).
    private func storeWork(_ item: Item, _ session: LineSession) -> StoreWork? {
        // PING and the like first, cheaply: they are the bulk of a keep-alive load.
        guard case .request(let request, let key) = item, request.verb?.usesStore == true else { return nil }
        if let verb = request.verb, verb.permission(for: session.role) != nil { return nil }
        let account = session.accountName
        func command(_ command: Command) -> StoreWork {
            guard let key else { return .command(command, channel: "line", account: account) }
            return LineServer.keyed(command, request: request, key: key, account: account ?? "")
        }
        switch request {
        case .auth(let name, let password):
            // Slowed down on this connection, or locked across connections: refused
            // without a look at the store (``answerLocally``).
            if session.authBlockedUntil > loop.now
                || authFailures.lockedFor(source: session.connection.peerHost, name: name, now: loop.now) != nil { return nil }
            return .custom { batch in
                let context = RequestContext(channel: "line", account: name, now: batch.now)
                return .account(try batch.engine.authenticate(account: name, password: password, context, in: batch.tx))
            }
        case .sms(let from, let to, let text): return command(.sms(from: from, to: to, text: text))
        case .topup(let msisdn, let amount): return command(.topUp(msisdn, amount: amount))
        case .mt(let from, let to, let text): return command(.mt(from: from, to: to, text: text))
        case .outbox(let recipient): return command(.outbox(recipient: recipient, limit: Request.outboxBatch))
        case .rateSet(let rate): return command(.setRate(rate))
        case .rateDelete(let prefix, let kind): return command(.deleteRates(prefix: prefix, kind: kind))
        case .rateList(let prefix): return command(.listRates(prefix: prefix))
        case .subAdd(let subscriber, let pin): return command(.addSubscriber(subscriber, pin: pin))
        case .subShow(let msisdn): return command(.showSubscriber(msisdn))
        case .subList(let query): return command(.listSubscribers(query))
        case .subSet(let msisdn, let change): return command(.updateSubscriber(msisdn, change))
        case .subEnd(let msisdn): return command(.endSubscriber(msisdn))
        case .billClose(let run): return command(.closeBills(run))
        case .pin(let msisdn, let change): return command(.pin(msisdn, change))
        case .ussd(let msisdn, let text):
            // The dialogue is the one this batch left for the number, else the open one.
            return command(.ussd(from: msisdn, input: text, dialogue: nil))
        case .empty, .ping, .help, .quit, .release, .reload:
            return nil
        }
    }

    /// A request with an idempotency key: the first time it runs and its answer is kept
    /// with the key, in the same transaction; a repeat gets that answer and runs nothing;
    /// the key used before for another request is refused (`501`), nothing run.
    static func keyed(_ command: Command, request: Request, key: String, account: String) -> StoreWork {
        let text = request.description
        return .custom { batch in
            .outcome(try Idempotency.execute(command, request: text, key: key, account: account, channel: "line", in: batch))
        }
    }

    /// Renders a store request's reply (or the failed commit's 451).
    private func completed(_ result: Pipeline.JobResult, _ session: LineSession, ussd: Bool) {
        switch result {
        case .committed(.outcome(let outcome)):
            counters.engineCommands += 1
            guard !session.finished else { return }
            if ussd { writeUSSD(outcome, to: &session.out) } else { write(outcome, to: &session.out) }
        case .failed:
            counters.failedRequests += 1
            guard !session.finished else { return }
            session.out.line(.commitFailed, "Commit failed, nothing applied; send it again")
        case .committed, .turn:
            break
        }
    }

    /// Answers a request that needs no store (or is refused before it).
    private func answerLocally(_ item: Item, _ session: LineSession) {
        // After QUIT or a closing 421, nothing more of this connection runs.
        guard !session.finished else { return }
        switch item {
        case .error(let error):
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
        case .request(let request, _):
            if let verb = request.verb, let refusal = verb.permission(for: session.role) {
                session.out.error(refusal)
                return
            }
            switch request {
            case .ping:
                session.out.line(.ok, "PONG")
            case .help:
                help(session)
            case .quit:
                session.out.line(.bye, "Bye")
                session.closing = true
                session.finished = true
            case .auth(let name, _):
                // Blocked after failures: refused without a look at the store.
                session.authFailures += 1
                let source = session.connection.peerHost
                if authFailures.lockedFor(source: source, name: name, now: loop.now) != nil {
                    authFailures.recordLocked(source: source, now: loop.now, name: name, channel: "line")
                } else {
                    authFailures.record(source: source, now: loop.now, name: name, channel: "line")
                }
                session.out.line(.authenticationFailed, "Too many failures, wait before trying again")
                closeIfTooManyAuthFailures(session)
            case .release(let msisdn):
                let open = pipeline.dialogues.release(msisdn, now: loop.now)
                session.out.line(.ok, open ? "Released" : "No open dialogue")
            case .reload:
                switch reload() {
                case .success(let summary): session.out.line(.ok, summary)
                case .failure(let error): session.out.line(.refused, "Grammar refused, the previous one stays: \(error)")
                }
            case .empty, .sms, .topup, .mt, .ussd, .outbox, .rateSet, .rateDelete, .rateList, .subAdd, .subShow, .subList, .pin,
                 .subSet, .subEnd, .billClose:
                break
            }
        }
    }

    /// How a USSD outcome reads on the line protocol: the screen's lines, then
    /// `251 CONTINUE`, `250 END`, `554 Refused: <reason>` or `550 Unknown subscriber`.
    func writeUSSD(_ outcome: Outcome, to out: inout ResponseWriter) {
        let code: ResponseCode
        let final: String
        switch (outcome.status, outcome.continues) {
        case (.ok, true): (code, final) = (.continues, "CONTINUE")
        case (.ok, false): (code, final) = (.ok, "END")
        case (.unknownSubscriber, _): (code, final) = (.unknownSubscriber, "Unknown subscriber")
        case (.refused, _), (.invalid, _): (code, final) = (.refused, "Refused: \(outcome.result)")
        }
        if let screen = outcome.reply, !screen.isEmpty { out.line(code, screen, last: false) }
        out.line(code, final)
    }

    /// Reads the grammar folder again and puts a new engine in force for every
    /// transport; on any error the engine in force stays. Runs on the loop (RELOAD,
    /// SIGHUP): a few small files. A batch in flight finishes with the engine it took.
    @discardableResult
    public func reload() -> Result<String, GrammarError> {
        guard let folder = config.grammarFolder else {
            return .failure(GrammarError(file: "", line: 0, reason: "no grammar folder configured"))
        }
        do {
            let grammar = try Grammar.load(from: folder)
            pipeline.engine = try Engine(validating: grammar, folder: folder)
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

    /// An AUTH's outcome: the account (the requests held behind it run with its role),
    /// or a failure (counted, slowed down, closed after too many). A failed commit
    /// changes nothing: the connection stays as it was.
    private func authenticated(_ session: LineSession, _ name: String, _ result: Pipeline.JobResult) {
        session.awaitingAuth = false
        guard !session.finished else { return }
        switch result {
        case .committed(.account(let account?)):
            counters.engineCommands += 1
            session.account = account
            session.authFailures = 0
            authFailures.succeeded(source: session.connection.peerHost, name: name)
            logger.info("login", metadata: ["channel": "line", "account": .string(account.name),
                                            "source": .string(session.connection.peerHost)])
            session.out.line(.authenticated, "Authenticated as \(account.name) (\(account.role.rawValue))")
        case .committed:
            counters.engineCommands += 1
            // A failed AUTH also ends an earlier login: the connection is not trusted now.
            session.account = nil
            authFailures.record(source: session.connection.peerHost, now: loop.now, name: name, channel: "line")
            session.authFailures += 1
            session.out.line(.authenticationFailed, "Authentication failed")
            if !closeIfTooManyAuthFailures(session) {
                // Slow down guessing: the connection is not read for 1, 2, 4 … seconds.
                let delay = Double(1 << min(session.authFailures - 1, 6))
                session.authBlockedUntil = loop.now + delay
                session.pauseForAuth(delay, loop: loop)
            }
        case .failed:
            counters.failedRequests += 1
            session.out.line(.commitFailed, "Commit failed, nothing applied; send it again")
        case .turn:
            break
        }
    }

    @discardableResult
    private func closeIfTooManyAuthFailures(_ session: LineSession) -> Bool {
        guard session.authFailures >= config.maxAuthFailures else { return false }
        session.out.line(.closing, "Too many authentication failures, closing")
        session.closing = true
        session.finished = true
        // What was read after it is not run.
        session.held.removeAll()
        authFailures.warnings?.warn("login_closed", "closing after \(session.authFailures) failed AUTH",
                                    ["channel": "line", "source": .string(session.connection.peerHost)], now: loop.now)
        return true
    }

    private func help(_ session: LineSession) {
        let role = session.role
        let verbs = Request.Verb.allCases.filter { $0.isPermitted(for: role) }
        session.out.lines(.ok, verbs.flatMap(\.usageLines), final: "End of HELP")
    }

    private func touch(_ session: LineSession) {
        guard !session.touched else { return }
        session.touched = true
        touched.append(session)
    }

    /// Hands every session with answers its bytes, one write each (end of pass).
    private func release() {
        guard !touched.isEmpty else { return }
        for session in touched {
            session.touched = false
            if session.closed {
                session.out.removeAll()
                continue
            }
            if !session.out.isEmpty {
                session.connection.write(session.out.bytes)
                session.out.removeAll()
            }
            if refusingWork, session.isIdle, session.connection.inputLength > 0 { refuse(session) }
            if session.closing {
                if session.isIdle { finishClosing(session) }
            } else if session.connection.outputLength > config.pauseOutputBytes, !session.pausedForOutput {
                session.pausedForOutput = true
                session.connection.setReading(false)
                session.connection.watchDrain(lowWater: config.resumeOutputBytes)
            }
        }
        touched.removeAll(keepingCapacity: true)
    }

    // MARK: Shutdown

    /// Stops accepting, and stops taking work: what was read is still answered (the
    /// pipeline runs it), lines read from now on get `421 … not executed`.
    public func beginShutdown() {
        guard !isStopping else { return }
        isStopping = true
        refusingWork = true
        deadlineSweep?.cancel()
        pruneTick?.cancel()
        listener?.disable()
    }

    /// Once the pipeline has answered everything: lines that still arrive are answered
    /// `421 … not executed` while the answers owed go out; once they are with the kernel
    /// (or the grace period ends) each connection gets `421 Shutting down` and is closed
    /// gracefully (half-close, the peer read out), within the same grace period.
    public func finishShutdown() {
        beginShutdown()
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
        for connection in Array(lingering.values) { connection.close() }
        listener?.close()
        listener = nil
    }

    public var openConnections: Int { sessions.count }
    /// Connections closing gracefully.
    public var closingConnections: Int { lingering.count }
}
