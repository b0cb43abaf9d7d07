/// Rate limit of repeated warnings: at most ``burst`` lines of one kind per ``window``
/// seconds; the first line after a quiet spell says how many were left out
/// (`suppressed=N`). An attacker hammering logins fills no disk; the operator still sees
/// that it happens, and how much. Kinds are a closed set of the caller's (never a
/// peer's address), so the table stays small. One thread (the loop's).
///
/// ```swift
/// var limiter = LogLimiter()
/// if let suppressed = limiter.admit("login_failed", now: loop.now) {
///     logger.warning("login failed", metadata: suppressed > 0 ? ["suppressed": "\(suppressed)"] : [:])
/// }
/// ```
public struct LogLimiter: Sendable {
    public var burst: Int
    public var window: Double
    private var kinds: [String: (start: Double, lines: Int, suppressed: Int)] = [:]

    public init(burst: Int = 10, window: Double = 10) {
        self.burst = burst
        self.window = window
    }

    /// `nil`: leave this one out; else write it, telling how many were left out before it.
    public mutating func admit(_ kind: String, now: Double) -> Int? {
        var entry = kinds[kind] ?? (start: now, lines: 0, suppressed: 0)
        if now - entry.start >= window {
            entry.start = now
            entry.lines = 0
        }
        guard entry.lines < burst else {
            entry.suppressed += 1
            kinds[kind] = entry
            return nil
        }
        let suppressed = entry.suppressed
        entry.lines += 1
        entry.suppressed = 0
        kinds[kind] = entry
        return suppressed
    }
}
