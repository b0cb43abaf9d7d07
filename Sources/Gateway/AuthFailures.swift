import Engine
import Logging
import Model

/// Failed logins, counted per source (the client's address) and second, and audited as
/// one row each once that second is over: someone without an account can add at most a
/// row a second per address to the store, however many attempts they send and however
/// long the names they try (names are bounded and escaped, ``Engine/auditedAccountName(_:)``).
///
/// Shared by the line protocol and the HTTP front (both see the same attackers); the
/// pass that runs first after a second is over writes its rows, in its own transaction.
/// Loop thread only.
///
/// ```swift
/// let failures = AuthFailures()
/// failures.record(source: "192.0.2.7", now: 100.2, name: "root", channel: "line")
/// failures.record(source: "192.0.2.7", now: 100.7, name: "admin", channel: "line")
/// failures.takeDue(now: 101)   // one summary: 2 attempts, first name "root"
/// ```
public final class AuthFailures {
    public struct Summary: Equatable, Sendable {
        public var source: String
        public var second: Int64
        public var channel: String
        /// The first name tried in that second (as sent; the engine bounds it).
        public var firstName: String
        public var count: Int

        public init(source: String, second: Int64, channel: String, firstName: String, count: Int) {
            self.source = source
            self.second = second
            self.channel = channel
            self.firstName = firstName
            self.count = count
        }
    }

    private struct Key: Hashable {
        var source: String
        var second: Int64
    }

    private var pending: [Key: Summary] = [:]
    /// Past this many distinct sources in flight, new ones are counted under `*`: many
    /// addresses (IPv6) must not grow this table without bound either.
    public static let maximumSources = 10_000

    /// The counts across connections and transports, and their locks.
    public private(set) var throttle: LoginThrottle

    /// Where failed and locked logins are told (rate limited).
    public let warnings: RateLimitedWarnings?

    public init(throttle policy: LoginThrottle.Policy = .init(), warnings: RateLimitedWarnings? = nil) {
        throttle = LoginThrottle(policy: policy)
        self.warnings = warnings
    }

    public var isEmpty: Bool { pending.isEmpty }

    /// Seconds until `source` may try to log in as `name` again; `nil`: it may now.
    public func lockedFor(source: String, name: String, now: Double) -> Double? {
        throttle.lockedFor(source: source, account: name, now: now)
    }

    /// A wrong name or password: audited (a row per source and second) and counted
    /// towards the locks.
    public func record(source: String, now: Double, name: String, channel: String) {
        count(source: source, second: Int64(now), name: name, channel: channel)
        throttle.failed(source: source, account: name, now: now)
        warnings?.warn("login_failed", "login failed", AuthFailures.fields(source, name, channel), now: now)
    }

    /// A login refused because a lock was on: audited like a failure.
    public func recordLocked(source: String, now: Double, name: String, channel: String) {
        count(source: source, second: Int64(now), name: name, channel: channel)
        throttle.refusedWhileLocked(source: source, now: now)
        warnings?.warn("login_locked", "login refused: locked after failures", AuthFailures.fields(source, name, channel), now: now)
    }

    /// The name as tried, cut to what the audit keeps (the log escapes the rest).
    static func fields(_ source: String, _ name: String, _ channel: String) -> Logger.Metadata {
        ["channel": .string(channel), "source": .string(source), "account": .string(String(name.prefix(Engine.auditedNameLength)))]
    }

    /// A login succeeded: its address's and account's counts start again.
    public func succeeded(source: String, name: String) {
        throttle.succeeded(source: source, account: name)
    }

    func count(source: String, second: Int64, name: String, channel: String) {
        var key = Key(source: source, second: second)
        if pending[key] == nil, pending.count >= Self.maximumSources { key.source = "*" }
        if pending[key] != nil {
            pending[key]!.count += 1
        } else {
            pending[key] = Summary(source: key.source, second: second, channel: channel,
                                   firstName: String(name.prefix(Engine.auditedNameLength + 1)), count: 1)
        }
    }

    /// Whether some second is over and its row is waiting to be written.
    public func hasDue(now: Int64) -> Bool {
        pending.keys.contains { $0.second < now }
    }

    /// The summaries of the seconds that are over (all of them when `everything`),
    /// oldest first, removed from the table.
    public func takeDue(now: Int64, everything: Bool = false) -> [Summary] {
        let due = pending.filter { everything || $0.key.second < now }
        for key in due.keys { pending[key] = nil }
        return due.values.sorted { ($0.second, $0.source) < ($1.second, $1.source) }
    }

    /// Puts summaries back (their transaction did not commit).
    public func restore(_ summaries: [Summary]) {
        for s in summaries {
            let key = Key(source: s.source, second: s.second)
            if var known = pending[key] {
                known.count += s.count
                pending[key] = known
            } else {
                pending[key] = s
            }
        }
    }

    /// Writes each summary's audit row.
    public static func write(_ summaries: [Summary], engine: Engine, in tx: any StoreTransaction) throws {
        for s in summaries {
            try engine.auditFailedLogins(name: s.firstName, count: s.count, source: s.source,
                                         channel: s.channel, at: s.second, in: tx)
        }
    }

    /// Hands the summaries of the seconds past to `pipeline` as one job (a `system` one):
    /// they are written with the next batch, and counted again if its commit fails.
    public func submitDue(to pipeline: Pipeline, now: Int64) {
        guard hasDue(now: now) else { return }
        let summaries = takeDue(now: now)
        pipeline.submit(.system, work: { batch in
            try AuthFailures.write(summaries, engine: batch.engine, in: batch.tx)
            return .done
        }) { [weak self] result in
            if case .failed = result { self?.restore(summaries) }
        }
    }

    /// Hands every summary over, due or not (shutdown).
    public func submitAll(to pipeline: Pipeline, now: Int64) {
        guard !isEmpty else { return }
        let summaries = takeDue(now: now, everything: true)
        pipeline.submit(.system, work: { batch in
            try AuthFailures.write(summaries, engine: batch.engine, in: batch.tx)
            return .done
        }) { _ in }
    }
}
