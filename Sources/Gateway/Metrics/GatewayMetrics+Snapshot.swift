/// What the rest of the gateway tells `/metrics` at a scrape: its state, and the counts it
/// keeps anyway (for its stop lines) — read once per scrape, never on a request's path.
extension GatewayMetrics {
    public struct Snapshot: Sendable {
        public var httpInFlight = 0
        public var httpConnections = 0
        /// The line protocol's counters and open connections, when it runs.
        public var line: GatewayStats?
        public var lineConnections = 0
        /// HTTP requests answered `503` because their commit failed.
        public var httpFailedRequests = 0
        /// USSD dialogues open (all transports share them), and those dropped for room.
        public var openDialogues = 0
        public var evictedDialogues = 0
        /// Outbox messages waiting for delivery; `nil` when the store could not be read.
        public var outboxDepth: Int?
        /// Outbox messages a delivery receipt reported not delivered; `nil` as above.
        public var outboxFailed: Int?
        /// Seconds the oldest waiting outbox message has waited (0: none waits).
        public var outboxOldestAge: Double?
        /// The pipeline's transactions, whatever transports they carried.
        public var store: Pipeline.Stats?
        /// The `--smsc` links: name, whether bound, counters, window (in flight, size).
        public var smppLinks: [(name: String, bound: Bool, stats: SMPPClientLink.Stats, inFlight: Int, window: Int)] = []
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

    /// Sets the state series from `s`; returns itself (`metrics.update(s).exposition()`).
    @discardableResult
    public func update(_ s: Snapshot) -> GatewayMetrics {
        gauge("selfcare_http_requests_in_flight", s.httpInFlight)
        gauge("selfcare_connections", [("transport", "http")], s.httpConnections)
        if let line = s.line {
            gauge("selfcare_connections", [("transport", "line")], s.lineConnections)
            counter("selfcare_line_requests_total", line.requests)
            counter("selfcare_failed_requests_total", [("transport", "line")], line.failedRequests)
        }
        counter("selfcare_failed_requests_total", [("transport", "http")], s.httpFailedRequests)
        gauge("selfcare_ussd_dialogues_open", s.openDialogues)
        counter("selfcare_ussd_dialogues_evicted_total", s.evictedDialogues)
        if let depth = s.outboxDepth { gauge("selfcare_outbox_pending", depth) }
        if let failed = s.outboxFailed { gauge("selfcare_outbox_failed", failed) }
        if let age = s.outboxOldestAge { gauge("selfcare_outbox_oldest_pending_age_seconds", age) }
        if let store = s.store {
            counter("selfcare_store_commits_total", store.commits)
            counter("selfcare_store_failed_commits_total", store.failedCommits)
            gauge("selfcare_store_largest_batch", store.largestBatch)
            for t in Pipeline.Transport.allCases where t != .system {
                counter("selfcare_commits_total", [("transport", t.label)], store.commits(t))
                counter("selfcare_failed_commits_total", [("transport", t.label)], store.failedCommits(t))
            }
        }
        if let logins = s.logins {
            counter("selfcare_login_locks_total", [("scope", "address")], logins.addressLocks)
            counter("selfcare_login_locks_total", [("scope", "account")], logins.accountLocks)
            counter("selfcare_login_refused_locked_total", logins.refusedWhileLocked)
        }
        for l in s.smppLinks {
            let link = ("link", l.name)
            gauge("selfcare_smpp_link_bound", [link], l.bound ? 1 : 0)
            gauge("selfcare_smpp_link_window_in_flight", [link], l.inFlight)
            gauge("selfcare_smpp_link_window_size", [link], l.window)
            counter("selfcare_smpp_binds_total", [link], l.stats.binds)
            counter("selfcare_smpp_mo_total", [link, ("outcome", "run")], l.stats.mo)
            counter("selfcare_smpp_mo_total", [link, ("outcome", "refused")], l.stats.moRefused)
            counter("selfcare_smpp_mo_total", [link, ("outcome", "duplicate")], l.stats.duplicates)
            counter("selfcare_smpp_submits_total", [link, ("result", "ok")], l.stats.submits)
            counter("selfcare_smpp_submits_total", [link, ("result", "refused")], l.stats.submitFailures)
            counter("selfcare_smpp_submits_total", [link, ("result", "throttled")], l.stats.throttled)
            let r = l.stats
            counter("selfcare_smpp_receipts_total", [link, ("state", "delivered")], r.receiptsDelivered)
            counter("selfcare_smpp_receipts_total", [link, ("state", "failed")], r.receiptsFailed)
            counter("selfcare_smpp_receipts_total", [link, ("state", "other")],
                    max(0, r.receipts - r.receiptsDelivered - r.receiptsFailed - r.receiptsUnmatched))
            counter("selfcare_smpp_receipts_total", [link, ("state", "unmatched")], r.receiptsUnmatched)
        }
        if let server = s.smppServer {
            let st = server.stats
            gauge("selfcare_connections", [("transport", "smpp")], server.connections)
            counter("selfcare_smpp_server_binds_total", [("result", "ok")], st.binds)
            counter("selfcare_smpp_server_binds_total", [("result", "failed")], st.bindFailures)
            counter("selfcare_smpp_server_mo_total", [("outcome", "run")], st.mo)
            counter("selfcare_smpp_server_mo_total", [("outcome", "refused")], st.moRefused)
            counter("selfcare_smpp_server_mo_total", [("outcome", "duplicate")], st.duplicates)
            counter("selfcare_smpp_server_deliveries_total", [("result", "confirmed")], st.replies)
            counter("selfcare_smpp_server_deliveries_total", [("result", "undeliverable")], st.repliesUndeliverable)
        }
        if !s.build.isEmpty { gauge("selfcare_build_info", s.build, 1) }
        if let p = s.process {
            // The names and units of the Prometheus client libraries' process collector.
            floatCounter("process_cpu_seconds_total", p.cpuSeconds)
            gauge("process_resident_memory_bytes", p.residentBytes)
            gauge("process_virtual_memory_bytes", p.virtualBytes)
            gauge("process_open_fds", p.openFileDescriptors)
            gauge("process_max_fds", p.maxFileDescriptors)
            gauge("process_start_time_seconds", p.startTime)
        }
        return self
    }
}
