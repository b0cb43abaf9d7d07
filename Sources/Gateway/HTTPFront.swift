import Engine
import EventLoop
import HTTP
import Logging
import Model
#if canImport(Glibc)
import Glibc
#endif

/// Settings of the HTTP front (`selfcare serve --http`).
public struct HTTPConfig: Sendable {
    /// `HOST:PORT`; port 0 picks a free port (tests).
    public var listen = "127.0.0.1:8080"
    /// Larger request bodies get `413` (bodies over 16 times this, libevent's own `413`).
    public var maxBodyBytes = 64 << 10
    /// Seconds a keep-alive connection may stay silent.
    public var idleTimeout: Double = 60
    /// Set: HTTPS only (`--tls-cert`, `--tls-key`).
    public var tls: TLSContext?
    /// How long a successful credential check is trusted without PBKDF2 again.
    public var credentialLifetime: Double = 60
    /// Longest wait for answers to go out at shutdown.
    public var shutdownGrace: Double = 5
    /// Connections beyond this are answered `503` and closed (`--http-max-connections`).
    public var maxConnections = 1_000
    /// Seconds a request has, from its first byte, to arrive whole (`408` after).
    public var requestTimeout: Double = 30
    /// `selfcare_build_info`'s labels: `version`, `schema`.
    public var buildInfo: [(String, String)] = []

    public init() {}
}

/// The HTTP transport on the event loop: `/healthz`, `/metrics`, `/kannel/sms`, the USSD
/// callback `/ussd` (``USSDCallback``), and the ops JSON API under `/api/` (``OpsAPI``).
///
/// A request that needs the store becomes a job of the gateway's ``Pipeline``: it runs
/// in the next batch (one transaction with the line protocol's requests of the pass) and
/// is answered after the commit. When the commit fails, every request of the batch that
/// used the store gets `503` with `Retry-After` and nothing of it is kept. `/healthz`,
/// and requests the credential cache can refuse, are answered at once; the server keeps
/// each connection's answers in request order.
public final class HTTPFront {
    let loop: EventLoop
    let pipeline: Pipeline
    let config: HTTPConfig
    let logger: Logger
    /// Whether every answered request gets an `info` line.
    let logsRequests: Bool
    private var server: HTTPServer?
    private var credentials: CredentialCache
    private var counters = HTTPMetrics()
    /// The counters, with the commits that carried HTTP requests.
    public var metrics: HTTPMetrics {
        var m = counters
        m.commits = pipeline.stats.commits(.http)
        m.failedCommits = pipeline.stats.failedCommits(.http)
        m.largestGroup = pipeline.stats.largestBatch
        return m
    }
    /// Its counters and connections appear in `/metrics`.
    public weak var lineServer: LineServer?
    /// The SMPP links and server, for `/metrics`.
    public var smscLinks: [SMPPClientLink] = []
    public weak var smppServer: SMPPServer?
    public private(set) var isStopping = false
    private var draining = false
    /// Failed logins waiting for their audit row (``LineServer/authFailures``).
    public let authFailures: AuthFailures

    /// The address actually bound, e.g. `127.0.0.1:8080`.
    public var boundAddress: String { server?.boundAddress ?? "" }

    public init(loop: EventLoop, pipeline: Pipeline, config: HTTPConfig, logger: Logger, authFailures: AuthFailures) throws {
        self.authFailures = authFailures
        self.loop = loop
        self.pipeline = pipeline
        self.config = config
        self.logger = logger
        logsRequests = logger.logLevel <= .info
        credentials = CredentialCache(lifetime: config.credentialLifetime)
        server = try HTTPServer(loop: loop, address: config.listen, maxBodySize: config.maxBodyBytes,
                                idleTimeout: config.idleTimeout, maxConnections: config.maxConnections) { [unowned self] request in
            self.received(request)
        }
        server?.headCheck = { [unowned self] head in self.checkHead(head) }
        server?.tls = config.tls
        server?.requestTimeout = config.requestTimeout
        server?.onRefused = { [unowned self] open in
            self.authFailures.warnings?.warn("connection_refused", "connection refused: --http-max-connections reached",
                                             ["channel": "http", "connections": .stringConvertible(open)], now: self.loop.now)
        }
        server?.onAcceptShortage = { [unowned self] error, count in
            self.logger.warning("http accept failed \(count) times: \(String(cString: strerror(error))); pausing accepts for 0.1 s")
        }
    }

    /// Serves a connected socket as if accepted (the in-process test driver).
    public func adopt(_ fd: Int32) { server?.adopt(fd) }

    /// Refuses, before its body is read, a request that announces a body it would refuse
    /// anyway: an unknown path or method, a body over the limit, an API call without
    /// credentials. Nothing of a refused body is kept (a stranger cannot make the server
    /// buffer megabytes). Answers in the endpoint's own format, as after the body.
    private func checkHead(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard head.body != .none else { return nil }
        let request = HTTPRequest(id: 0, method: head.method, uri: head.uri, headers: head.headers)
        guard let path = request.path else { return nil }
        var label = "other"
        let response: HTTPResponse? = {
            if draining { return HTTPError.shuttingDown.response }
            switch HTTPRoute.match(method: head.method, path: path) {
            case .failure(.notFound):
                return HTTPError.notFound(path).response
            case .failure(.methodNotAllowed(let allowed)):
                label = HTTPRoute.find(path)?.label ?? "other"
                return HTTPError.methodNotAllowed(head.method, allowed: allowed).response
            case .success(let route):
                label = route.label
                if case .length(let n) = head.body, n > config.maxBodyBytes {
                    return route.answer(.payloadTooLarge(limit: config.maxBodyBytes))
                }
                // Kannel and the USSD callback may carry credentials in a form body.
                if route == .kannelSMS || route == .ussd { return nil }
                switch HTTPAuth.credentials(request, parameters: HTTPParameters()) {
                case .failure(.missing): return route.answer(.unauthorized())
                case .failure(.malformed): return route.answer(.unauthorized("malformed Authorization header"))
                case .success: return nil
                }
            }
        }()
        if let response { pipeline.telemetry.metrics.httpRequest(endpoint: label, status: response.status, seconds: 0) }
        return response
    }

    /// What a request does once its credentials are accepted; an error answers instead
    /// (checked after authentication, so a stranger learns nothing from it).
    enum Work: Sendable {
        case sms(KannelAdapter.SMS)
        case api(OpsAPI.Call)
        case ussd(USSDCallback.Turn)
    }

    /// What a request's store work hands back to the loop.
    public struct Reply: Sendable {
        var response: HTTPResponse
        /// The status of the engine command it ran, and its `service` label.
        var outcome: Outcome.Status?
        var service: String?
        /// Credentials proved by a password check: cached once committed.
        var proved: Account?
        /// The credentials were wrong (counted as a failed login).
        var unauthorized = false
    }

    // MARK: Requests

    private func received(_ request: HTTPRequest) {
        if draining { return answer(request, label: "other", HTTPError.shuttingDown.response) }
        guard let path = request.path else {
            return answer(request, label: "other", HTTPError.badRequest("malformed path").response)
        }
        let route: HTTPRoute
        switch HTTPRoute.match(method: request.method, path: path) {
        case .success(let r):
            route = r
        case .failure(.notFound):
            return answer(request, label: "other", HTTPError.notFound(path).response)
        case .failure(.methodNotAllowed(let allowed)):
            let label = HTTPRoute.find(path)?.label ?? "other"
            return answer(request, label: label, HTTPError.methodNotAllowed(request.method, allowed: allowed).response)
        }
        if request.body.count > config.maxBodyBytes {
            return answer(request, label: route.label, route.answer(.payloadTooLarge(limit: config.maxBodyBytes)))
        }
        switch route {
        case .healthz:
            answer(request, label: route.label, .text(200, "ok\n"))
        case .metrics:
            // The outbox depth is the store's: read in the next batch (a `system` job, so
            // the scrape is not counted as HTTP work).
            pipeline.submit(.system, work: { batch in
                // The oldest waiting message: the first of the outbox_pending index.
                let oldest = try batch.tx.pendingOutbox(recipient: nil, limit: 1).first.map { batch.now - $0.at } ?? 0
                return .counts([try batch.tx.pendingOutboxCount(), try batch.tx.failedOutboxCount(), Int(oldest)])
            }) { [unowned self] result in
                var depth: Int?, failed: Int?, age: Double?
                if case .committed(.counts(let n)) = result, n.count == 3 { (depth, failed, age) = (n[0], n[1], Double(max(0, n[2]))) }
                self.answer(request, label: route.label, HTTPResponse(
                    status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                    body: Array(self.metricsText(outboxDepth: depth, outboxFailed: failed, outboxOldestAge: age).utf8)))
            }
        case .kannelSMS:
            enqueueForm(request, route) { KannelAdapter.sms($0).map(Work.sms) }
        case .ussd:
            enqueueForm(request, route) { USSDCallback.turn($0).map(Work.ussd) }
        default:
            // The API takes basic auth only: passwords in URLs end up in logs.
            enqueue(request, route, parameters: HTTPParameters(), work: OpsAPI.call(route, request).map(Work.api))
        }
    }

    /// Kannel's and the USSD callback's parameters (query and form), then their work.
    private func enqueueForm(_ request: HTTPRequest, _ route: HTTPRoute,
                             work: (HTTPParameters) -> Result<Work, HTTPError>) {
        switch KannelAdapter.parameters(request) {
        case .success(let parameters):
            enqueue(request, route, parameters: parameters, work: work(parameters))
        case .failure(let error):
            answer(request, label: route.label, error.textResponse)
        }
    }

    /// Queues the work for the pass once the request names its credentials.
    private func enqueue(_ request: HTTPRequest, _ route: HTTPRoute, parameters: HTTPParameters, work: Result<Work, HTTPError>) {
        switch HTTPAuth.credentials(request, parameters: parameters) {
        case .failure(.missing):
            answer(request, label: route.label, route.answer(.unauthorized()))
        case .failure(.malformed):
            answer(request, label: route.label, route.answer(.unauthorized("malformed Authorization header")))
        case .success(let who):
            if let account = credentials.account(for: who, now: loop.now) {
                // Known credentials: what needs no store is answered now.
                if let refusal = HTTPFront.refusal(account, route, work) {
                    return answer(request, label: route.label, refusal)
                }
            }
            let cached = credentials.account(for: who, now: loop.now)
            let peer = request.peer
            // An ops API call that changes something may carry an idempotency key.
            var key: String?
            if case .success(.api) = work, !["GET", "HEAD"].contains(request.method),
               let given = request.headers["Idempotency-Key"] {
                guard Idempotency.isValid(given) else {
                    return answer(request, label: route.label, route.answer(
                        .badRequest("malformed Idempotency-Key: 1 to \(Idempotency.maximumKey) printable ASCII characters")))
                }
                key = given
            }
            // Credentials not proved lately, from an address or for an account locked
            // after failures (any transport): refused without a look at the store.
            if cached == nil, let wait = authFailures.lockedFor(source: Connection.host(of: peer), name: who.name, now: loop.now) {
                authFailures.recordLocked(source: Connection.host(of: peer), now: loop.now, name: who.name, channel: "http")
                return answer(request, label: route.label, route.answer(.tooManyFailures(retryAfter: wait)))
            }
            pipeline.submit(.http, work: HTTPFront.storeWork(route, who, cached, work, key: key)) { [unowned self] result in
                self.completed(request, route, who, peer, result)
            }
        }
    }

    /// The answer to an account the route does not take, or to a request that is wrong
    /// in itself; `nil` when the work should run.
    static func refusal(_ account: Account, _ route: HTTPRoute, _ work: Result<Work, HTTPError>) -> HTTPResponse? {
        guard account.role == route.role else {
            let role = route.role == .network ? "a network" : "an operator"
            return route.answer(.forbidden("account \(account.name) is not \(role) account"))
        }
        if case .failure(let error) = work { return route.answer(error) }
        return nil
    }

    /// Authenticates (unless `cached`), then runs the work: on the store's thread, in
    /// the batch's transaction. Throws only store errors, which fail the batch.
    static func storeWork(_ route: HTTPRoute, _ who: Credentials, _ cached: Account?,
                          _ work: Result<Work, HTTPError>, key: String? = nil) -> StoreWork {
        .custom { batch in
            var account = cached ?? batch.proved[who]
            var proved: Account?
            if account == nil {
                let context = RequestContext(channel: "http", account: who.name, now: batch.now)
                account = try batch.engine.authenticate(account: who.name, password: who.password, context, in: batch.tx)
                if let account {
                    batch.proved[who] = account
                    proved = account
                }
            }
            guard let account else {
                return .http(Reply(response: route.answer(.unauthorized("authentication failed")), unauthorized: true))
            }
            if let refusal = refusal(account, route, work) { return .http(Reply(response: refusal, proved: proved)) }
            guard case .success(let work) = work else { return .done }
            var reply: Reply
            switch work {
            case .api(let call):
                if let key {
                    reply = try keyedAPI(call, route, key: key, account: account.name, batch)
                } else {
                    let answer = try OpsAPI.run(call, engine: batch.engine, account: account.name, now: batch.now, in: batch.tx)
                    reply = Reply(response: answer.response, outcome: answer.outcome, service: route.service)
                }
            case .sms(let sms):
                let command = Command.sms(from: sms.from, to: sms.to, text: sms.text)
                let outcome: Outcome
                if let key = sms.key {
                    outcome = try Idempotency.execute(command, request: "SMS \(sms.from.digits) \(sms.to.digits) \(sms.text)",
                                                      key: key, account: account.name, channel: "http", in: batch)
                } else {
                    let context = RequestContext(channel: "http", account: account.name, now: batch.now)
                    outcome = try batch.engine.execute(command, context, in: batch.tx)
                }
                reply = Reply(response: KannelAdapter.response(outcome), outcome: outcome.status, service: outcome.service)
            case .ussd(let turn):
                reply = try ussd(turn, account: account.name, batch)
            }
            reply.proved = proved
            return .http(reply)
        }
    }

    /// An ops API call under an `Idempotency-Key`: the first time it runs and its response
    /// (status, type, body) is kept with the key in the same transaction; a repeat gets
    /// that response and runs nothing; the key used for another call is a `409`.
    static func keyedAPI(_ call: OpsAPI.Call, _ route: HTTPRoute, key: String, account: String,
                         _ batch: BatchContext) throws -> Reply {
        let request = "\(route.label) \(call)"
        if let prior = try batch.tx.idempotencyRecord(account: account, key: key) {
            guard prior.isFor(request: request) else {
                return Reply(response: route.answer(.conflict("Idempotency-Key \(key) was used for another request")))
            }
            guard let response = storedResponse(prior.answer) else {
                return Reply(response: route.answer(.conflict("Idempotency-Key \(key): the response kept for it cannot be read")))
            }
            return Reply(response: response)
        }
        let answer = try OpsAPI.run(call, engine: batch.engine, account: account, now: batch.now, in: batch.tx)
        let type = answer.response.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? ""
        let stored = "\(answer.response.status)\n\(type)\n" + String(decoding: answer.response.body, as: UTF8.self)
        try batch.tx.saveIdempotencyRecord(IdempotencyRecord(account: account, key: key, request: IdempotencyRecord.digest(of: request),
                                                             answer: stored, at: batch.now))
        return Reply(response: answer.response, outcome: answer.outcome, service: route.service)
    }

    /// `status\ntype\nbody` as ``keyedAPI`` keeps it.
    static func storedResponse(_ text: String) -> HTTPResponse? {
        let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let status = Int(parts[0]), (100...599).contains(status) else { return nil }
        let headers = parts[1].isEmpty ? [] : [("Content-Type", String(parts[1]))]
        return HTTPResponse(status: status, headers: headers, body: Array(parts[2].utf8))
    }

    /// A USSD callback: answered again when it brings no new answer, else the code (first
    /// request) or the newest answer goes to the engine with the subscriber's open
    /// dialogue, as the line protocol's `USSD` verb does.
    static func ussd(_ turn: USSDCallback.Turn, account: String, _ batch: BatchContext) throws -> Reply {
        if let body = batch.repeated(turn) {
            return Reply(response: USSDCallback.response(body, outcome: "repeated"))
        }
        let context = RequestContext(channel: "http", account: account, now: batch.now)
        let open = turn.answers.isEmpty ? nil : batch.dialogue(for: turn.msisdn)
        let outcome = try batch.engine.execute(.ussd(from: turn.msisdn, input: turn.input, dialogue: open), context, in: batch.tx)
        batch.setDialogue(outcome.dialogue, for: turn.msisdn)
        let body = USSDCallback.body(outcome)
        batch.sessionChanges.record(turn, body: body)
        let detail = outcome.status == .unknownSubscriber || outcome.result.isEmpty ? "" : ": " + outcome.result
        return Reply(response: USSDCallback.response(body, outcome: outcome.status.rawValue + detail),
                     outcome: outcome.status, service: "ussd")
    }

    /// Answers a request of the pipeline and counts it.
    private func completed(_ request: HTTPRequest, _ route: HTTPRoute, _ who: Credentials, _ peer: String,
                           _ result: Pipeline.JobResult) {
        switch result {
        case .committed(.http(let reply)):
            if let account = reply.proved {
                credentials.remember(who, as: account, now: loop.now)
                authFailures.succeeded(source: Connection.host(of: peer), name: who.name)
            }
            if reply.unauthorized {
                authFailures.record(source: Connection.host(of: peer), now: loop.now, name: who.name, channel: "http")
            }
            answer(request, label: route.label, reply.response, account: reply.unauthorized ? nil : who.name, reply: reply)
        case .failed:
            counters.failedRequests += 1
            answer(request, label: route.label, route.answer(.commitFailed))
        case .committed, .turn:
            answer(request, label: route.label, HTTPError(status: 500, code: "internal", message: "no answer").response)
        }
    }

    /// Answers now, counts it and logs it (`info`: a line per request, as the line
    /// protocol has one per command).
    private func answer(_ request: HTTPRequest, label: String, _ response: HTTPResponse, account: String? = nil,
                        reply: Reply? = nil) {
        let seconds = HTTPServer.monotonicNow() - request.receivedAt
        pipeline.telemetry.metrics.httpRequest(endpoint: label, status: response.status, seconds: seconds)
        if logsRequests {
            // The path only: a Kannel query carries the password.
            var metadata: Logger.Metadata = [
                "method": .string(String(request.method.prefix(16))),
                "path": .string(String((request.path ?? "?").prefix(200))),
                "status": .stringConvertible(response.status),
                "ms": .stringConvertible(CommandTelemetry.milliseconds(seconds)),
                "source": .string(Connection.host(of: request.peer)),
            ]
            if let account { metadata["account"] = .string(String(account.prefix(65))) }
            if let reply, let outcome = reply.outcome {
                metadata["outcome"] = .string(HTTPMetrics.label(outcome))
                if let service = reply.service { metadata["service"] = .string(service) }
            }
            if reply != nil { metadata["batch"] = .stringConvertible(pipeline.batchNumber) }
            logger.info("http", metadata: metadata)
        }
        server?.respond(to: request.id, with: response)
    }

    // MARK: Metrics

    func metricsText(outboxDepth: Int?, outboxFailed: Int? = nil, outboxOldestAge: Double? = nil) -> String {
        var s = GatewayMetrics.Snapshot()
        // This request itself is in flight while the text is made.
        s.httpInFlight = server?.inFlight ?? 0
        s.httpConnections = server?.openConnections ?? 0
        s.httpFailedRequests = counters.failedRequests
        if let lineServer {
            s.line = lineServer.stats
            s.lineConnections = lineServer.openConnections
        }
        s.openDialogues = pipeline.dialogues.count
        s.evictedDialogues = pipeline.dialogues.evicted
        s.outboxDepth = outboxDepth
        s.outboxFailed = outboxFailed
        s.outboxOldestAge = outboxOldestAge
        s.logins = authFailures.throttle.stats
        s.smppLinks = smscLinks.map { ($0.config.name, $0.state == .bound, $0.stats, $0.inFlight, $0.config.window) }
        if let smppServer { s.smppServer = (smppServer.openConnections, smppServer.stats) }
        s.store = pipeline.stats
        s.build = config.buildInfo
        s.process = ProcessFacts.current()
        let metrics = pipeline.telemetry.metrics
        metrics.update(s)
        return metrics.exposition()
    }

    // MARK: Shutdown

    /// Stops accepting and taking work: what was read is still answered (the pipeline
    /// runs it), with `Connection: close`; requests read from now on get `503`.
    public func beginShutdown() {
        guard !isStopping else { return }
        isStopping = true
        draining = true
        server?.stopAccepting()
        server?.closeAfterReply = true
    }

    /// Once the pipeline has answered everything: waits (running the loop) until every
    /// answer is written or the grace period ends, then closes.
    public func finishShutdown() {
        beginShutdown()
        let deadline = loop.now + config.shutdownGrace
        let tick = LoopTimer(loop: loop) {}
        tick.schedule(after: 0.05, repeating: true)
        while server?.isBusy == true, loop.now < deadline {
            loop.runOnce()
        }
        // Closed gracefully: the last answers reach the clients before the sockets close.
        server?.close()
        while (server?.closingConnections ?? 0) > 0, loop.now < deadline + 0.5 {
            loop.runOnce()
        }
        tick.cancel()
        server?.closeNow()
        server = nil
    }
}

extension HTTPRoute {
    /// The `service` label of the API's engine commands (their line verb).
    var service: String? {
        switch self {
        case .apiRates, .apiRate: return "rate"
        case .apiSubscribers, .apiSubscriber, .apiSubscriberEnd: return "sub"
        case .apiBillsClose: return "bill"
        case .apiImportSubscribers, .apiImportRates: return "import"
        case .apiTopUp: return "topup"
        case .apiPIN: return "pin"
        case .apiAudit: return "audit"
        default: return nil
        }
    }
}
