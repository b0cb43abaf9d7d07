import Engine
import EventLoop
import Logging
import Model
#if canImport(Glibc)
import Glibc
#endif

/// The one request pipeline of the gateway, on the loop thread.
///
/// Transports decode their input into jobs — a ``StoreWork`` to run in the store (or
/// none: `PING` behind a `TOPUP` of the same connection still waits its turn) and a
/// completion that renders the answer. ``endOfPass()``, called once after every loop pass
/// (Redis' `beforeSleep`), ships everything submitted since the last batch, from every
/// transport, to the ``StoreExecutor`` as ONE batch: one transaction, one fsync. While
/// that batch commits the loop keeps reading and the next batch grows, so the group
/// commit adapts to the load. When the batch is durable the completions run in
/// submission order (so each connection's answers keep their order) with the replies;
/// when its commit fails every job that used the store is told so (`451` on the line,
/// `503` on HTTP) and none of the batch's USSD changes are applied.
///
/// ```swift
/// let pipeline = Pipeline(loop: loop, executor: try ThreadStoreExecutor(store: sqlite, loop: loop), engine: engine)
/// pipeline.submit(.line, work: .command(command, channel: "line", account: "simulator")) { result in
///     render(result)            // on the loop, after the commit
/// }
/// while running { loop.runOnce(); pipeline.endOfPass() }
/// ```
public final class Pipeline {
    /// Where a job came from, for the per-transport counters.
    public enum Transport: Int, Sendable, CaseIterable {
        case line, http, smpp, system
        public var label: String { ["line", "http", "smpp", "system"][rawValue] }
        /// What its requests get when their commit fails.
        var failureAnswer: String { ["451", "503", "ESME_RX_T_APPN", "a retry"][rawValue] }
    }

    /// What a job's completion is told.
    public enum JobResult {
        /// The batch committed; the work's reply.
        case committed(StoreReply)
        /// The job had no store work; its turn has come.
        case turn
        /// The batch rolled back: nothing of it was kept.
        case failed(any Error)
    }

    /// A job as the loop keeps it; its work, if any, waits in ``buildingList`` (a work
    /// is a big enum: it is moved once into the batch, never copied along with the job).
    struct Job {
        let transport: Transport
        let hasWork: Bool
        /// The loop's clock when the request was read (its latency runs from here).
        let submitted: Double
        let done: (JobResult) -> Void
    }

    let loop: EventLoop
    let executor: any StoreExecutor
    let logger: Logger
    /// The engine batches are shipped with (a RELOAD replaces it; a batch in flight
    /// finishes with the one it took).
    public var engine: Engine
    /// The open USSD dialogues of every transport.
    public let dialogues: USSDDialogues
    /// The USSD callback's sessions (HTTP `/ussd`).
    public let callbackSessions: USSDCallback.Sessions

    private var building: [Job] = []
    private var buildingWorks = 0
    /// The works of ``building``, in order.
    private var buildingList: [StoreWork] = []
    private var inFlight: [Job] = []
    /// The works of ``inFlight``, kept for the per-command log and metrics.
    private var inFlightWorks: [StoreWork] = []
    private var busy = false
    /// The number of the last batch shipped (1, 2, …): the `batch` of the log lines.
    public private(set) var batchNumber = 0
    /// What the pipeline tells of every committed command: a log line, the metrics.
    public var telemetry: CommandTelemetry
    /// The rate-limited warnings every transport shares (a peer's flood of bad logins,
    /// malformed PDUs or refused messages writes at most 10 lines of a kind per 10 s).
    public let warnings: RateLimitedWarnings
    /// When the batch in flight was shipped (monotonic seconds).
    private var shippedAt = 0.0
    /// After a completion: the next batch waits (until ``gatherUntil``) for this many
    /// works — those that were waiting plus the follow-ups of the clients just answered.
    private var gatherTarget = 0
    private var gatherUntil = 0.0
    private var gatherTimer: LoopTimer?
    /// How well waiting has paid lately: up by one when requests came while it waited,
    /// down by two when none did. At zero the pipeline stops waiting (a
    /// client like Kannel's smsbox sends its next request later than any wait worth
    /// making, and the wait would only add to every answer's latency) and tries again
    /// every 32nd batch.
    private var gatherCredit = 4
    private var batchesWithoutGather = 0
    /// Works waiting when the wait began.
    private var gatherStart = 0
    /// Longest a batch waits after a completion for the answered clients' next
    /// requests; at most half the last batch's time in the store.
    /// Measured (TOPUP, 50 clients, one request each): without it batches of 25 and
    /// 46–58 µs of CPU a request; with 0.5 ms, batches of 43–46 and 42–43 µs.
    public var maxGather = 0.0005
    /// Called at the start of ``endOfPass()``: contributors submit what is due (the
    /// failed-login audit rows of the second).
    public var beforeShip: [() -> Void] = []
    /// Called at the end of ``endOfPass()``: transports write what their sessions hold.
    public var afterPass: [() -> Void] = []
    /// Called after a batch of requests committed (the outbox pusher looks again); not
    /// after a batch of `system` jobs only (the pusher's own look would call it again).
    public var afterCommit: [() -> Void] = []
    public private(set) var stats = Stats()

    public struct Stats: Sendable, CustomStringConvertible {
        /// Transactions committed / rolled back.
        public var commits = 0
        public var failedCommits = 0
        /// Store works committed (requests that used the store).
        public var works = 0
        /// Store works whose batch failed.
        public var failedWorks = 0
        public var largestBatch = 0
        /// Commits / failed commits that carried work of each transport.
        public var commitsBy = [Int](repeating: 0, count: Transport.allCases.count)
        public var failedCommitsBy = [Int](repeating: 0, count: Transport.allCases.count)

        public init() {}

        public var averageBatch: Double {
            commits + failedCommits == 0 ? 0 : Double(works + failedWorks) / Double(commits + failedCommits)
        }

        public func commits(_ transport: Transport) -> Int { commitsBy[transport.rawValue] }
        public func failedCommits(_ transport: Transport) -> Int { failedCommitsBy[transport.rawValue] }

        public var description: String {
            "commits \(commits), average batch \(String(format1(averageBatch))), largest batch \(largestBatch), "
                + "failed commits \(failedCommits) (\(failedWorks) requests)"
        }

        private func format1(_ x: Double) -> String {
            let tenths = Int((x * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
    }

    public init(loop: EventLoop, executor: any StoreExecutor, engine: Engine, logger: Logger,
                dialogues: USSDDialogues) {
        self.loop = loop
        self.executor = executor
        self.engine = engine
        self.logger = logger
        self.dialogues = dialogues
        telemetry = CommandTelemetry(logger: logger, metrics: GatewayMetrics())
        warnings = RateLimitedWarnings(logger: logger)
        callbackSessions = USSDCallback.Sessions(timeout: dialogues.timeout)
        building.reserveCapacity(4096)
        inFlight.reserveCapacity(4096)
    }

    /// Queues a job for the next batch. `done` runs on the loop: after the batch's commit
    /// when `work` is given, else in its turn among the batch's completions.
    public func submit(_ transport: Transport, work: StoreWork?, done: @escaping (JobResult) -> Void) {
        building.append(Job(transport: transport, hasWork: work != nil, submitted: loop.now, done: done))
        if let work {
            buildingList.append(work)
            buildingWorks += 1
        }
    }

    /// ``submit(_:work:done:)`` with the work as a closure (``StoreWork/custom(_:)``).
    public func submit(_ transport: Transport, work: @escaping @Sendable (BatchContext) throws -> StoreReply,
                       done: @escaping (JobResult) -> Void) {
        submit(transport, work: .custom(work), done: done)
    }

    /// Nothing shipped and nothing waiting.
    public var isIdle: Bool { !busy && building.isEmpty }

    /// Once per loop pass: ships what was submitted as one batch unless one is in flight
    /// (then it goes when that one completes, at the end of that pass), then lets the
    /// transports write.
    public func endOfPass() {
        for hook in beforeShip { hook() }
        // The answers first: the clients answered by a batch just completed send their
        // next requests while this pass decides whether to ship.
        for hook in afterPass { hook() }
        guard !busy, !building.isEmpty, !gathering() else { return }
        ship()
        if !busy { for hook in afterPass { hook() } }
    }

    /// Whether the next batch should wait a little longer. A batch that ships as soon as
    /// the store is free carries only what came during the last commit; the clients that
    /// commit answered come back a round trip later and would form a batch of their own,
    /// so the group halves and each request pays for twice the fsyncs. Waiting at most
    /// ``maxGather`` (and half the last batch's store time) for them keeps the group whole.
    private func gathering() -> Bool {
        guard gatherTarget > 0 else { return false }
        guard buildingWorks < gatherTarget else {
            // The awaited requests came (or came at once: nothing was waited for).
            if gatherUntil > 0 { gatherCredit = min(8, gatherCredit + 1) }
            gatherTarget = 0
            return false
        }
        let now = Pipeline.monotonicNow()
        if buildingWorks != gatherSeen {
            gatherSeen = buildingWorks
            gatherLastGrowth = now
        }
        // Past the wait, requests still arriving get a little longer: a client that
        // answers late but in parts (an SMSC simulator wrote 49 MOs, then 15 more 14 µs
        // later, 0.3 ms after the answers left) would otherwise split every group in two.
        let settling = buildingWorks > gatherStart && now - gatherLastGrowth < Pipeline.settle
            && now < gatherUntil + maxGather
        guard now < gatherUntil || settling else {
            // Some came while it waited: worth it; none: it only delayed the answers.
            gatherCredit = buildingWorks > gatherStart ? min(8, gatherCredit + 1) : max(0, gatherCredit - 2)
            gatherTarget = 0
            return false
        }
        if gatherTimer == nil { gatherTimer = LoopTimer(loop: loop) {} }
        gatherTimer?.schedule(after: now < gatherUntil ? gatherUntil - now : gatherLastGrowth + Pipeline.settle - now)
        return true
    }

    /// How long after the last arrival a wait past ``gatherUntil`` goes on.
    static let settle = 0.0001
    private var gatherSeen = 0
    private var gatherLastGrowth = 0.0

    static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func ship() {
        swap(&building, &inFlight)
        let works = buildingWorks
        buildingWorks = 0
        guard works > 0 else {
            // Nothing for the store: every job's turn is now.
            completeInFlight { _ in .turn }
            return
        }
        var list: [StoreWork] = []
        swap(&list, &buildingList)
        batchNumber += 1
        inFlightWorks = list
        let batch = StoreBatch(engine: engine, now: Int64(loop.now), clock: loop.now,
                               dialogues: dialogues.snapshot(), callbackSessions: callbackSessions.snapshot(),
                               works: list)
        busy = true
        gatherTarget = 0
        shippedAt = Pipeline.monotonicNow()
        executor.execute(batch) { [unowned self] result in
            self.busy = false
            let now = Pipeline.monotonicNow()
            self.batchesWithoutGather += 1
            if self.gatherCredit > 0 || self.batchesWithoutGather >= 32 {
                self.batchesWithoutGather = 0
                if self.gatherCredit == 0 { self.gatherCredit = 1 }
                self.gatherStart = self.buildingWorks
                self.gatherSeen = self.buildingWorks
                self.gatherLastGrowth = now
                self.gatherTarget = self.buildingWorks + works
                self.gatherUntil = now + min(self.maxGather, (now - self.shippedAt) / 2)
            }
            self.completed(result, works: works)
        }
    }

    private func completed(_ result: StoreBatchResult, works: Int) {
        let now = Pipeline.monotonicNow()
        telemetry.metrics.batch(requests: works, seconds: now - shippedAt)
        var seen = [Bool](repeating: false, count: Transport.allCases.count)
        var counts = [Int](repeating: 0, count: Transport.allCases.count)
        for i in inFlight.indices where inFlight[i].hasWork {
            seen[inFlight[i].transport.rawValue] = true
            counts[inFlight[i].transport.rawValue] += 1
        }
        switch result {
        case .committed(let replies, let dialogueChanges, let sessionChanges):
            stats.commits += 1
            stats.works += works
            stats.largestBatch = max(stats.largestBatch, works)
            for t in Transport.allCases where seen[t.rawValue] { stats.commitsBy[t.rawValue] += 1 }
            if !dialogueChanges.isEmpty { dialogues.apply(dialogueChanges, now: loop.now) }
            if !sessionChanges.isEmpty { callbackSessions.apply(sessionChanges, now: loop.now) }
            telemetry.committed(inFlight, works: inFlightWorks, replies: replies, batch: batchNumber, now: loop.now)
            var next = 0
            completeInFlight { job in
                guard job.hasWork else { return .turn }
                defer { next += 1 }
                return .committed(replies[next])
            }
            if seen[Transport.line.rawValue] || seen[Transport.http.rawValue] {
                for hook in afterCommit { hook() }
            }
        case .failed(let error):
            stats.failedCommits += 1
            stats.failedWorks += works
            for t in Transport.allCases where seen[t.rawValue] {
                stats.failedCommitsBy[t.rawValue] += 1
                logger.error("\(t.label) commit failed, \(counts[t.rawValue]) requests answered \(t.failureAnswer): \(error)")
            }
            completeInFlight { job in job.hasWork ? .failed(error) : .turn }
        }
        inFlightWorks = []
    }

    private func completeInFlight(_ result: (Job) -> JobResult) {
        // Completions may submit again (a held request after an AUTH): into `building`.
        // `inFlight` is empty meanwhile; its buffer comes back for the next batch.
        var jobs: [Job] = []
        swap(&jobs, &inFlight)
        for i in jobs.indices { jobs[i].done(result(jobs[i])) }
        jobs.removeAll(keepingCapacity: true)
        if inFlight.isEmpty { swap(&jobs, &inFlight) }
    }

    /// Runs passes until everything submitted has completed (or `deadline`, loop clock).
    public func drain(until deadline: Double) {
        endOfPass()
        while !isIdle, loop.now < deadline {
            loop.runOnce()
            endOfPass()
        }
    }
}
