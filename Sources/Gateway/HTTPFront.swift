import Engine
import EventLoop
import Logging
import Model

/// Settings of the HTTP front (`selfcare serve --http`).
public struct HTTPConfig: Sendable {
    /// `HOST:PORT`; port 0 picks a free port (tests).
    public var listen = "127.0.0.1:8080"
    /// Larger request bodies get `413`.
    public var maxBodyBytes = 64 << 10
    /// Seconds a keep-alive connection may stay silent.
    public var idleTimeout: Double = 60
    /// How long a successful credential check is trusted without PBKDF2 again.
    public var credentialLifetime: Double = 60
    /// Longest wait for answers to go out at shutdown.
    public var shutdownGrace: Double = 5

    public init() {}
}

/// The HTTP transport on the event loop: `/healthz`, `/metrics`, and `/kannel/sms`.
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

    /// The address actually bound, e.g. `127.0.0.1:8080`.
    public var boundAddress: String { server?.boundAddress ?? "" }

    public init(loop: EventLoop, store: any SubscriberStore, engine: Engine, config: HTTPConfig, logger: Logger) throws {
        self.loop = loop
        self.store = store
        self.engine = engine
        self.config = config
        self.logger = logger
        credentials = CredentialCache(lifetime: config.credentialLifetime)
        server = try HTTPServer(loop: loop, address: config.listen, maxBodySize: config.maxBodyBytes,
                                idleTimeout: config.idleTimeout) { [unowned self] request in
            self.received(request)
        }
    }

    /// A request waiting for the pass's commit.
    struct Pending {
        let request: HTTPRequest
        let route: HTTPRoute
        let credentials: Credentials
        /// What to run once the credentials are accepted; an error answers instead
        /// (checked after authentication, so a stranger learns nothing from it).
        let work: Result<KannelAdapter.SMS, HTTPError>
        var response: HTTPResponse?
        var usedStore = false
        var outcome: Outcome.Status?
        /// Credentials checked against the store in this pass: cached once committed.
        var proved: Account?
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
            let label = HTTPRoute.allCases.first { $0.path == path }?.label ?? "other"
            return answer(request, label: label, HTTPError.methodNotAllowed(request.method, allowed: allowed).response)
        }
        switch route {
        case .healthz:
            answer(request, label: route.label, .text(200, "ok\n"))
        case .metrics:
            answer(request, label: route.label, HTTPResponse(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Array(metricsText().utf8)))
        case .kannelSMS:
            enqueueKannel(request)
        }
    }

    private func enqueueKannel(_ request: HTTPRequest) {
        let parameters: HTTPParameters
        switch KannelAdapter.parameters(request) {
        case .success(let p): parameters = p
        case .failure(let error): return answer(request, label: HTTPRoute.kannelSMS.label, error.textResponse)
        }
        switch HTTPAuth.credentials(request, parameters: parameters) {
        case .failure(.missing):
            answer(request, label: HTTPRoute.kannelSMS.label, HTTPError.unauthorized().textResponse)
        case .failure(.malformed):
            answer(request, label: HTTPRoute.kannelSMS.label, HTTPError.unauthorized("malformed Authorization header").textResponse)
        case .success(let who):
            queue.append(Pending(request: request, route: .kannelSMS, credentials: who, work: KannelAdapter.sms(parameters)))
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
        do {
            try store.write { tx in
                var proved: [Credentials: Account] = [:]
                for i in queue.indices { try execute(&queue[i], tx, now: now, proved: &proved) }
            }
        } catch {
            failure = error
        }
        let used = queue.reduce(0) { $0 + ($1.usedStore ? 1 : 0) }
        if let failure {
            metrics.failedCommits += 1
            metrics.failedRequests += used
            logger.error("http commit failed, \(used) requests answered 503: \(failure)")
            for i in queue.indices where queue[i].usedStore { queue[i].response = HTTPError.commitFailed.textResponse }
        } else {
            if used > 0 {
                metrics.commits += 1
                metrics.largestGroup = max(metrics.largestGroup, used)
            }
            for p in queue {
                if let account = p.proved { credentials.remember(p.credentials, as: account, now: loop.now) }
                if let outcome = p.outcome { metrics.record(outcome: outcome) }
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
            p.response = HTTPError.unauthorized("authentication failed").textResponse
            return
        }
        guard account.role == .network else {
            p.response = HTTPError.forbidden("account \(account.name) is not a network account").textResponse
            return
        }
        switch p.work {
        case .failure(let error):
            p.response = error.textResponse
        case .success(let sms):
            p.usedStore = true
            let context = RequestContext(channel: "http", account: account.name, request: sms.auditText, now: now)
            let outcome = try engine.execute(.sms(from: sms.from, to: sms.to, text: sms.text), context, in: tx)
            p.outcome = outcome.status
            p.response = KannelAdapter.response(outcome)
        }
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
        tick.cancel()
        server?.close()
        server = nil
    }
}
