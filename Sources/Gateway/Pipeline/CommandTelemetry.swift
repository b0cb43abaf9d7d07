import Engine
import Logging

/// What the pipeline tells of each command it committed: one `info` line per engine
/// command (channel, account, service, outcome, latency, batch — never the text, which
/// may hold a PIN: the audit row has it, masked).
///
/// ```
/// ts=2026-12-03T21:29:00.123Z level=info msg=command channel=line account=simulator service=balance outcome=ok ms=0.41 batch=7
/// ```
///
/// Runs on the loop after each commit, once per batch; nothing when the level is above
/// `info`.
public final class CommandTelemetry {
    let logger: Logger
    /// Whether per-command lines are written (the logger's level is `info` or lower).
    public let logsCommands: Bool

    init(logger: Logger) {
        self.logger = logger
        logsCommands = logger.logLevel <= .info
    }

    /// Whether ``committed(_:works:replies:batch:now:)`` has anything to do.
    var wanted: Bool { logsCommands }

    /// The batch `batch` committed: its jobs (in order), the works of those with one, and
    /// their replies.
    func committed(_ jobs: [Pipeline.Job], works: [StoreWork], replies: [StoreReply], batch: Int, now: Double) {
        var next = 0
        for job in jobs where job.hasWork {
            defer { next += 1 }
            guard case .command(let work) = works[next], case .outcome(let outcome) = replies[next] else { continue }
            let service: String
            if case .ussd = work.command { service = "ussd" } else { service = outcome.service }
            logger.info("command", metadata: [
                "channel": .string(work.channel),
                "account": .string(work.account ?? "-"),
                "service": .string(service),
                "outcome": .string(HTTPMetrics.label(outcome.status)),
                "ms": .stringConvertible(CommandTelemetry.milliseconds(now - job.submitted)),
                "batch": .stringConvertible(batch),
            ])
        }
    }

    /// Milliseconds to two decimals (µs are noise in a log line).
    static func milliseconds(_ seconds: Double) -> Double {
        (max(0, seconds) * 100_000).rounded() / 100
    }
}
