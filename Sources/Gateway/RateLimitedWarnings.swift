import LogFormat
import Logging

/// The gateway's warnings about what peers do wrong (failed logins, locked accounts,
/// connections refused for want of room, malformed PDUs, refused or retried messages):
/// each kind at most 10 lines per 10 s, the next
/// one after that telling how many were left out (`suppressed=N`). A flood of bad logins
/// is visible in the log without filling the disk. Loop thread only.
///
/// ```swift
/// warnings.warn("login_failed", "login failed", ["channel": "line", "source": "192.0.2.7"], now: loop.now)
/// // ts=… level=warning msg="login failed" channel=line source=192.0.2.7
/// ```
public final class RateLimitedWarnings {
    let logger: Logger
    private var limiter = LogLimiter()

    public init(logger: Logger) {
        self.logger = logger
    }

    public func warn(_ kind: String, _ message: @autoclosure () -> String, _ metadata: @autoclosure () -> Logger.Metadata = [:],
                     level: Logger.Level = .warning, now: Double) {
        guard logger.logLevel <= level, let suppressed = limiter.admit(kind, now: now) else { return }
        var fields = metadata()
        if suppressed > 0 { fields["suppressed"] = .stringConvertible(suppressed) }
        logger.log(level: level, "\(message())", metadata: fields)
    }
}
