import Engine

/// Counters of the HTTP front, and the Prometheus text of `GET /metrics` (format 0.0.4).
///
/// Label values are bounded: endpoints come from ``HTTPRoute`` (`other` for unknown
/// paths), statuses from the few the front answers, outcomes from `Outcome.Status`.
public struct HTTPMetrics: Sendable {
    /// Upper bounds of the latency histogram, seconds.
    public static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    struct EndpointStatus: Hashable { let endpoint: String; let status: Int }

    private(set) var requests: [EndpointStatus: Int] = [:]
    private(set) var latency: [String: Histogram] = [:]
    /// Engine commands run through HTTP and committed, by outcome status.
    private(set) var outcomes: [String: Int] = [:]
    /// Engine commands run through HTTP and committed, by service and outcome.
    public var commands = CommandCounts()
    public var commits = 0
    public var failedCommits = 0
    /// Requests answered `503` because their commit failed.
    public var failedRequests = 0
    public var largestGroup = 0

    struct Histogram: Sendable {
        var counts = [Int](repeating: 0, count: HTTPMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    public init() {}

    /// One answered request.
    public mutating func record(endpoint: String, status: Int, seconds: Double) {
        requests[EndpointStatus(endpoint: endpoint, status: status), default: 0] += 1
        var h = latency[endpoint] ?? Histogram()
        if let i = HTTPMetrics.buckets.firstIndex(where: { seconds <= $0 }) { h.counts[i] += 1 }
        h.sum += seconds
        h.count += 1
        latency[endpoint] = h
    }

    public mutating func record(outcome: Outcome.Status) {
        outcomes[HTTPMetrics.label(outcome), default: 0] += 1
    }

    /// `ok`, `refused`, `unknown_subscriber`, `invalid`.
    static func label(_ status: Outcome.Status) -> String {
        String(status.rawValue.map { $0 == " " ? "_" : $0 })
    }

    public func requestCount(endpoint: String, status: Int) -> Int {
        requests[EndpointStatus(endpoint: endpoint, status: status)] ?? 0
    }

    /// What the rest of the server contributes to `/metrics`.
    public struct Gauges: Sendable {
        public var httpInFlight = 0
        public var httpConnections = 0
        /// The line protocol's counters and open connections, when it runs.
        public var line: GatewayStats?
        public var lineConnections = 0
        /// USSD dialogues open (all transports share them), and those dropped for room.
        public var openDialogues = 0
        public var evictedDialogues = 0
        /// Outbox messages waiting for delivery; `nil` when the store could not be read.
        public var outboxDepth: Int?
        /// Outbox messages a delivery receipt reported not delivered; `nil` as above.
        public var outboxFailed: Int?
        /// The pipeline's transactions, whatever transports they carried.
        public var store: Pipeline.Stats?
        /// The `--smsc` links: name, whether bound, counters.
        public var smppLinks: [(name: String, bound: Bool, stats: SMPPClientLink.Stats)] = []
        /// The lock-outs of failed logins (all transports).
        public var logins: LoginThrottle.Stats?
        /// The `--smpp` server, when it runs: open connections, counters.
        public var smppServer: (connections: Int, stats: SMPPServer.Stats)?
        /// `selfcare_build_info`'s labels (version, store schema).
        public var build: [(String, String)] = []
        /// The `process_*` family, when /proc could be read.
        public var process: ProcessFacts?

        public init() {}
    }

    /// The exposition text.
    public func render(_ gauges: Gauges) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
            out += name
            if !labels.isEmpty {
                out += "{" + labels.map { "\($0.0)=\"\(HTTPMetrics.escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            out += " \(value)\n"
        }

        family("selfcare_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.")
        for key in requests.keys.sorted(by: { ($0.endpoint, $0.status) < ($1.endpoint, $1.status) }) {
            sample("selfcare_http_requests_total", [("endpoint", key.endpoint), ("status", String(key.status))], String(requests[key]!))
        }

        family("selfcare_http_request_duration_seconds", "histogram",
               "Seconds from a complete HTTP request to its answer (commit included).")
        for endpoint in latency.keys.sorted() {
            let h = latency[endpoint]!
            var cumulative = 0
            for (i, bound) in HTTPMetrics.buckets.enumerated() {
                cumulative += h.counts[i]
                sample("selfcare_http_request_duration_seconds_bucket", [("endpoint", endpoint), ("le", HTTPMetrics.number(bound))], String(cumulative))
            }
            sample("selfcare_http_request_duration_seconds_bucket", [("endpoint", endpoint), ("le", "+Inf")], String(h.count))
            sample("selfcare_http_request_duration_seconds_sum", [("endpoint", endpoint)], HTTPMetrics.number(h.sum))
            sample("selfcare_http_request_duration_seconds_count", [("endpoint", endpoint)], String(h.count))
        }

        family("selfcare_engine_commands_total", "counter", "Engine commands committed, by channel and outcome status.")
        for status in [Outcome.Status.ok, .refused, .unknownSubscriber, .invalid] {
            let label = HTTPMetrics.label(status)
            sample("selfcare_engine_commands_total", [("channel", "http"), ("status", label)], String(outcomes[label] ?? 0))
        }
        if let line = gauges.line {
            // The line protocol counts its engine commands without their outcome.
            sample("selfcare_engine_commands_total", [("channel", "line"), ("status", "any")], String(line.engineCommands))
        }

        family("selfcare_commands_total", "counter",
               "Engine commands committed (line and HTTP), by service (SMS: the grammar's service; else the verb) and outcome.")
        var commands = self.commands
        if let line = gauges.line { commands.add(line.commands) }
        for key in commands.counts.keys.sorted() {
            sample("selfcare_commands_total", [("service", key.service), ("outcome", key.outcome)], String(commands.counts[key]!))
        }

        family("selfcare_ussd_dialogues_open", "gauge", "USSD dialogues waiting for the subscriber's answer.")
        sample("selfcare_ussd_dialogues_open", [], String(gauges.openDialogues))
        family("selfcare_ussd_dialogues_evicted_total", "counter", "USSD dialogues dropped before their timeout because the limit of open ones was reached.")
        sample("selfcare_ussd_dialogues_evicted_total", [], String(gauges.evictedDialogues))
        if let depth = gauges.outboxDepth {
            family("selfcare_outbox_pending", "gauge", "Outbox SMS waiting for delivery.")
            sample("selfcare_outbox_pending", [], String(depth))
        }
        if let failed = gauges.outboxFailed {
            family("selfcare_outbox_failed", "gauge", "Outbox SMS a delivery receipt reported not delivered.")
            sample("selfcare_outbox_failed", [], String(failed))
        }
        renderSMPP(gauges, family: family, sample: sample)
        if let logins = gauges.logins {
            family("selfcare_login_locks_total", "counter", "Lock-outs begun after failed logins (line, HTTP and SMPP together), by scope.")
            sample("selfcare_login_locks_total", [("scope", "address")], String(logins.addressLocks))
            sample("selfcare_login_locks_total", [("scope", "account")], String(logins.accountLocks))
            family("selfcare_login_refused_locked_total", "counter", "Logins refused, without a look at the password, because a lock was on.")
            sample("selfcare_login_refused_locked_total", [], String(logins.refusedWhileLocked))
        }

        family("selfcare_commits_total", "counter", "Store transactions that carried requests of the transport (one carrying both counts for each).")
        sample("selfcare_commits_total", [("transport", "http")], String(commits))
        if let line = gauges.line { sample("selfcare_commits_total", [("transport", "line")], String(line.commits)) }
        family("selfcare_failed_commits_total", "counter", "Store transactions rolled back that carried requests of the transport.")
        sample("selfcare_failed_commits_total", [("transport", "http")], String(failedCommits))
        if let line = gauges.line { sample("selfcare_failed_commits_total", [("transport", "line")], String(line.failedCommits)) }
        family("selfcare_failed_requests_total", "counter", "Requests refused because their commit failed (HTTP 503, line 451).")
        sample("selfcare_failed_requests_total", [("transport", "http")], String(failedRequests))
        if let line = gauges.line { sample("selfcare_failed_requests_total", [("transport", "line")], String(line.failedRequests)) }

        if let store = gauges.store {
            family("selfcare_store_commits_total", "counter", "Store transactions committed (one per batch, every transport in it).")
            sample("selfcare_store_commits_total", [], String(store.commits))
            family("selfcare_store_failed_commits_total", "counter", "Store transactions rolled back.")
            sample("selfcare_store_failed_commits_total", [], String(store.failedCommits))
            family("selfcare_store_batch_works_total", "counter", "Requests that used the store, committed or not (÷ transactions: the average batch).")
            sample("selfcare_store_batch_works_total", [], String(store.works + store.failedWorks))
            family("selfcare_store_largest_batch", "gauge", "Most requests one transaction carried.")
            sample("selfcare_store_largest_batch", [], String(store.largestBatch))
        }

        family("selfcare_http_requests_in_flight", "gauge", "HTTP requests received and not answered yet.")
        sample("selfcare_http_requests_in_flight", [], String(gauges.httpInFlight))
        family("selfcare_http_connections", "gauge", "Open HTTP connections that sent a request.")
        sample("selfcare_http_connections", [], String(gauges.httpConnections))
        if let line = gauges.line {
            family("selfcare_line_connections", "gauge", "Open line-protocol connections.")
            sample("selfcare_line_connections", [], String(gauges.lineConnections))
            family("selfcare_line_requests_total", "counter", "Line-protocol requests answered.")
            sample("selfcare_line_requests_total", [], String(line.requests))
        }
        if !gauges.build.isEmpty {
            family("selfcare_build_info", "gauge", "The running release and the store schema it migrates to (always 1).")
            sample("selfcare_build_info", gauges.build, "1")
        }
        if let p = gauges.process {
            // The names and units of the Prometheus client libraries' process collector.
            family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
            sample("process_cpu_seconds_total", [], HTTPMetrics.number(p.cpuSeconds))
            family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
            sample("process_resident_memory_bytes", [], String(p.residentBytes))
            family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.")
            sample("process_virtual_memory_bytes", [], String(p.virtualBytes))
            family("process_open_fds", "gauge", "Number of open file descriptors.")
            sample("process_open_fds", [], String(p.openFileDescriptors))
            family("process_max_fds", "gauge", "Maximum number of open file descriptors.")
            sample("process_max_fds", [], String(p.maxFileDescriptors))
            family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
            sample("process_start_time_seconds", [], HTTPMetrics.number(p.startTime))
        }
        return out
    }

    /// The SMPP families: one set of samples per `--smsc` link, and the server's.
    private func renderSMPP(_ gauges: Gauges, family: (String, String, String) -> Void,
                            sample: (String, [(String, String)], String) -> Void) {
        let links = gauges.smppLinks
        guard !links.isEmpty || gauges.smppServer != nil else { return }
        if !links.isEmpty {
            family("selfcare_smpp_link_bound", "gauge", "1 while the --smsc link is bound.")
            for l in links { sample("selfcare_smpp_link_bound", [("link", l.name)], l.bound ? "1" : "0") }
            family("selfcare_smpp_binds_total", "counter", "Successful binds of the link.")
            for l in links { sample("selfcare_smpp_binds_total", [("link", l.name)], String(l.stats.binds)) }
            family("selfcare_smpp_mo_total", "counter", "MOs (deliver_sm, data_sm) by what became of them: run, refused (a status back), duplicate (answered, not run).")
            for l in links {
                sample("selfcare_smpp_mo_total", [("link", l.name), ("outcome", "run")], String(l.stats.mo))
                sample("selfcare_smpp_mo_total", [("link", l.name), ("outcome", "refused")], String(l.stats.moRefused))
                sample("selfcare_smpp_mo_total", [("link", l.name), ("outcome", "duplicate")], String(l.stats.duplicates))
            }
            family("selfcare_smpp_submits_total", "counter", "submit_sm answered by the SMSC: ok, refused (an error status), throttled (sent again later).")
            for l in links {
                sample("selfcare_smpp_submits_total", [("link", l.name), ("result", "ok")], String(l.stats.submits))
                sample("selfcare_smpp_submits_total", [("link", l.name), ("result", "refused")], String(l.stats.submitFailures))
                sample("selfcare_smpp_submits_total", [("link", l.name), ("result", "throttled")], String(l.stats.throttled))
            }
            family("selfcare_smpp_receipts_total", "counter", "Delivery receipts: recorded on an outbox message as delivered, failed or another state; unmatched (no message awaited it).")
            for l in links {
                let s = l.stats
                sample("selfcare_smpp_receipts_total", [("link", l.name), ("state", "delivered")], String(s.receiptsDelivered))
                sample("selfcare_smpp_receipts_total", [("link", l.name), ("state", "failed")], String(s.receiptsFailed))
                sample("selfcare_smpp_receipts_total", [("link", l.name), ("state", "other")],
                       String(max(0, s.receipts - s.receiptsDelivered - s.receiptsFailed - s.receiptsUnmatched)))
                sample("selfcare_smpp_receipts_total", [("link", l.name), ("state", "unmatched")], String(s.receiptsUnmatched))
            }
        }
        if let server = gauges.smppServer {
            let s = server.stats
            family("selfcare_smpp_server_connections", "gauge", "Open connections to the --smpp server.")
            sample("selfcare_smpp_server_connections", [], String(server.connections))
            family("selfcare_smpp_server_binds_total", "counter", "Binds to the --smpp server: ok or failed (wrong account).")
            sample("selfcare_smpp_server_binds_total", [("result", "ok")], String(s.binds))
            sample("selfcare_smpp_server_binds_total", [("result", "failed")], String(s.bindFailures))
            family("selfcare_smpp_server_mo_total", "counter", "submit_sm and data_sm from bound ESMEs: run, refused, or duplicate (submitted again, answered, not run).")
            sample("selfcare_smpp_server_mo_total", [("outcome", "run")], String(s.mo))
            sample("selfcare_smpp_server_mo_total", [("outcome", "refused")], String(s.moRefused))
            sample("selfcare_smpp_server_mo_total", [("outcome", "duplicate")], String(s.duplicates))
            family("selfcare_smpp_server_deliveries_total", "counter", "deliver_sm sent to ESMEs: confirmed or undeliverable.")
            sample("selfcare_smpp_server_deliveries_total", [("result", "confirmed")], String(s.replies))
            sample("selfcare_smpp_server_deliveries_total", [("result", "undeliverable")], String(s.repliesUndeliverable))
        }
    }

    /// `0.005`, `1`, `2.5`: as Prometheus clients print bucket bounds.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
