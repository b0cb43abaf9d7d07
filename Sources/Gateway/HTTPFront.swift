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
    /// How long a successful credential check is trusted without PBKDF2 again.
    public var credentialLifetime: Double = 60
    /// Longest wait for answers to go out at shutdown.
    public var shutdownGrace: Double = 5
    /// Connections beyond this are answered `503` and closed (`--http-max-connections`).
    public var maxConnections = 1_000
    /// Seconds a request has, from its first byte, to arrive whole (`408` after).
    public var requestTimeout: Double = 30

    public init() {}
}

/// The HTTP transport on the event loop: `/healthz`, `/metrics`, `/kannel/sms`, the USSD
/// callback `/ussd` (``USSDCallback``), and the ops JSON API under `/api/` (``OpsAPI``).
///
/// Like ``LineServer``, requests that need the store are only queued by the request
/// callback; ``commitPass()`` runs the pass's queue in one store transaction and answers
/// after the commit (group commit). When the commit fails, every request of the pass
/// that used the store gets `503` with `Retry-After` and nothing of it is kept.
/// `/healthz` and `/metrics` need no store and are answered at once.
public final class HTTPFront {
    let loop: EventLoop
    let store: any SubscriberStore
    public var engine: Engine
    let config: HTTPConfig
    let logger: Logger
    private var server: HTTPServer?
    private var queue: [Pending] = []
    private var credentials: CredentialCache
    public private(set) var metrics = HTTPMetrics()
    /// Its counters and connections appear in `/metrics`.
    public weak var lineServer: LineServer?
    public private(set) var isStopping = false
    private var draining = false
    /// The USSD dialogues, shared with the line protocol (``LineServer/ussdDialogues``).
    public let ussdDialogues: USSDDialogues
    /// Failed logins waiting for their audit row (``LineServer/authFailures``).
    public let authFailures: AuthFailures
    /// What the pass in progress did to them, applied after its commit.
    private var ussdPass = USSDDialogues.Changes()
    private let ussdSessions: USSDCallback.Sessions
    private var sessionPass = USSDCallback.Sessions.Changes()

    /// The address actually bound, e.g. `127.0.0.1:8080`.
    public var boundAddress: String { server?.boundAddress ?? "" }

    /// - Parameter dialogues: the USSD dialogue registry to share with the line protocol;
    ///   by default one of this front's own (not swept: lookups check the timeout).
    public init(loop: EventLoop, store: any SubscriberStore, engine: Engine, config: HTTPConfig, logger: Logger,
                dialogues: USSDDialogues? = nil, authFailures: AuthFailures? = nil) throws {
        ussdDialogues = dialogues ?? USSDDialogues(timeout: 60)
        self.authFailures = authFailures ?? AuthFailures()
        ussdSessions = USSDCallback.Sessions(timeout: ussdDialogues.timeout)
        self.loop = loop
        self.store = store
        self.engine = engine
        self.config = config
        self.logger = logger
        credentials = CredentialCache(lifetime: config.credentialLifetime)
        server = try HTTPServer(loop: loop, address: config.listen, maxBodySize: config.maxBodyBytes,
                                idleTimeout: config.idleTimeout, maxConnections: config.maxConnections) { [unowned self] request in
            self.received(request)
        }
        server?.headCheck = { [unowned self] head in self.checkHead(head) }
        server?.requestTimeout = config.requestTimeout
        server?.onAcceptShortage = { [unowned self] error, count in
            self.logger.warning("http accept failed \(count) times: \(String(cString: strerror(error))); pausing accepts for 0.1 s")
        }
    }

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
        if let response { metrics.record(endpoint: label, status: response.status, seconds: 0) }
        return response
    }

    /// A request waiting for the pass's commit.
    struct Pending {
        let request: HTTPRequest
        let route: HTTPRoute
        let credentials: Credentials
        /// What to run once the credentials are accepted; an error answers instead
        /// (checked after authentication, so a stranger learns nothing from it).
        let work: Result<Work, HTTPError>
        var response: HTTPResponse?
        var usedStore = false
        var outcome: Outcome.Status?
        /// The `service` label of the engine command run, for `selfcare_commands_total`.
        var service: String?
        /// Credentials checked against the store in this pass: cached once committed.
        var proved: Account?
    }

    enum Work {
        case sms(KannelAdapter.SMS)
        case api(OpsAPI.Call)
        case ussd(USSDCallback.Turn)
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
            answer(request, label: route.label, HTTPResponse(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Array(metricsText().utf8)))
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
            queue.append(Pending(request: request, route: route, credentials: who, work: work))
        }
    }

    /// Answers now and counts it.
    private func answer(_ request: HTTPRequest, label: String, _ response: HTTPResponse) {
        metrics.record(endpoint: label, status: response.status, seconds: HTTPServer.monotonicNow() - request.receivedAt)
        server?.respond(to: request.id, with: response)
    }

    // MARK: The pass

    /// Runs the requests queued during the last loop pass in one transaction, then
    /// answers them.
    public func commitPass() {
        guard !queue.isEmpty else { return }
        let now = Int64(loop.now)
        var failure: (any Error)?
        var summaries: [AuthFailures.Summary] = []
        do {
            try store.write { tx in
                var proved: [Credentials: Account] = [:]
                for i in queue.indices { try execute(&queue[i], tx, now: now, proved: &proved) }
                summaries = authFailures.takeDue(now: now)
                try authFailures.write(summaries, engine: engine, in: tx)
            }
        } catch {
            authFailures.restore(summaries)
            failure = error
        }
        let used = queue.reduce(0) { $0 + ($1.usedStore ? 1 : 0) }
        if let failure {
            metrics.failedCommits += 1
            metrics.failedRequests += used
            logger.error("http commit failed, \(used) requests answered 503: \(failure)")
            for i in queue.indices where queue[i].usedStore { queue[i].response = queue[i].route.answer(.commitFailed) }
            // Nothing of the pass happened: dialogues and sessions stay where they were.
            ussdPass = USSDDialogues.Changes()
            sessionPass = USSDCallback.Sessions.Changes()
        } else {
            if !ussdPass.isEmpty {
                ussdDialogues.apply(ussdPass, now: loop.now)
                ussdPass = USSDDialogues.Changes()
            }
            if !sessionPass.isEmpty {
                ussdSessions.apply(sessionPass, now: loop.now)
                sessionPass = USSDCallback.Sessions.Changes()
            }
            if used > 0 {
                metrics.commits += 1
                metrics.largestGroup = max(metrics.largestGroup, used)
            }
            for p in queue {
                if let account = p.proved { credentials.remember(p.credentials, as: account, now: loop.now) }
                if let outcome = p.outcome {
                    metrics.record(outcome: outcome)
                    if let service = p.service { metrics.commands.record(service: service, outcome: outcome) }
                }
            }
        }
        for p in queue {
            answer(p.request, label: p.route.label, p.response ?? HTTPError(status: 500, code: "internal", message: "no answer").response)
        }
        queue.removeAll(keepingCapacity: true)
    }

    /// Authenticates, then runs the SMS. Throws only store errors, which fail the pass.
    private func execute(_ p: inout Pending, _ tx: any StoreTransaction, now: Int64,
                         proved: inout [Credentials: Account]) throws {
        let who = p.credentials
        var account = credentials.account(for: who, now: loop.now) ?? proved[who]
        if account == nil {
            p.usedStore = true
            let context = RequestContext(channel: "http", account: who.name, request: "AUTH \(who.name) ****", now: now)
            account = try engine.authenticate(account: who.name, password: who.password, context, in: tx)
            if let account {
                proved[who] = account
                p.proved = account
            }
        }
        guard let account else {
            authFailures.record(source: Connection.host(of: p.request.peer), second: now, name: who.name, channel: "http")
            p.response = p.route.answer(.unauthorized("authentication failed"))
            return
        }
        guard account.role == p.route.role else {
            let role = p.route.role == .network ? "a network" : "an operator"
            p.response = p.route.answer(.forbidden("account \(account.name) is not \(role) account"))
            return
        }
        switch p.work {
        case .failure(let error):
            p.response = p.route.answer(error)
        case .success(.api(let call)):
            p.usedStore = true
            let answer = try OpsAPI.run(call, engine: engine, account: account.name, now: now, in: tx)
            p.outcome = answer.outcome
            p.service = p.route.service
            p.response = answer.response
        case .success(.sms(let sms)):
            p.usedStore = true
            let context = RequestContext(channel: "http", account: account.name, request: sms.auditText, now: now)
            let command = Command.sms(from: sms.from, to: sms.to, text: sms.text)
            let outcome = try engine.execute(command, context, in: tx)
            p.outcome = outcome.status
            p.service = outcome.service
            p.response = KannelAdapter.response(outcome)
        case .success(.ussd(let turn)):
            p.usedStore = true
            try ussd(&p, turn, account: account.name, tx, now: now)
        }
    }

    /// A USSD callback: answered again when it brings no new answer, else the code (first
    /// request) or the newest answer goes to the engine with the subscriber's open
    /// dialogue, as the line protocol's `USSD` verb does.
    private func ussd(_ p: inout Pending, _ turn: USSDCallback.Turn, account: String,
                      _ tx: any StoreTransaction, now: Int64) throws {
        if let body = ussdSessions.repeated(turn, now: loop.now, pending: sessionPass) {
            p.response = USSDCallback.response(body, outcome: "repeated")
            return
        }
        let context = RequestContext(channel: "http", account: account, request: turn.auditText, now: now)
        let open = turn.answers.isEmpty ? nil : ussdDialogues.dialogue(for: turn.msisdn, now: loop.now, pending: ussdPass)
        let outcome = try engine.execute(.ussd(from: turn.msisdn, input: turn.input, dialogue: open), context, in: tx)
        ussdPass.set(outcome.dialogue, for: turn.msisdn)
        let body = USSDCallback.body(outcome)
        sessionPass.record(turn, body: body)
        p.outcome = outcome.status
        p.service = "ussd"
        let detail = outcome.status == .unknownSubscriber || outcome.result.isEmpty ? "" : ": " + outcome.result
        p.response = USSDCallback.response(body, outcome: outcome.status.rawValue + detail)
    }

    // MARK: Metrics

    func metricsText() -> String {
        var gauges = HTTPMetrics.Gauges()
        // This request itself is in flight while the text is made.
        gauges.httpInFlight = server?.inFlight ?? 0
        gauges.httpConnections = server?.openConnections ?? 0
        if let lineServer {
            gauges.line = lineServer.stats
            gauges.lineConnections = lineServer.openConnections
        }
        gauges.openDialogues = ussdDialogues.count
        do {
            gauges.outboxDepth = try store.pendingOutboxCount()
        } catch {
            logger.warning("metrics: outbox depth not read: \(error)")
        }
        return metrics.render(gauges)
    }

    // MARK: Shutdown

    /// Stops accepting; what was read is still answered by the next ``commitPass()``, with
    /// `Connection: close`.
    public func beginShutdown() {
        guard !isStopping else { return }
        isStopping = true
        server?.stopAccepting()
        server?.closeAfterReply = true
    }

    /// After the last pass: requests arriving from now get `503`; waits (running the
    /// loop) until every answer is written or the grace period ends, then closes.
    public func finishShutdown() {
        beginShutdown()
        commitPass()
        draining = true
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
        case .apiSubscribers, .apiSubscriber: return "sub"
        case .apiTopUp: return "topup"
        case .apiAudit: return "audit"
        default: return nil
        }
    }
}
