import Engine
import Logging

/// What the pipeline tells of each command it committed: the metrics (commands by
/// transport, service and outcome; latency by transport) and, at `info`, one log line
/// per engine command (channel, account, service, outcome, latency, batch — never the
/// text, which may hold a PIN: the audit row has it, masked).
///
/// ```
/// ts=2026-12-03T21:29:00.123Z level=info msg=command channel=line account=simulator service=balance outcome=ok ms=0.41 batch=7
/// ```
///
/// Runs on the loop after each commit, once per batch.
public final class CommandTelemetry {
    let logger: Logger
    public let metrics: GatewayMetrics
    /// Whether per-command lines are written (the logger's level is `info` or lower).
    public let logsCommands: Bool

    init(logger: Logger, metrics: GatewayMetrics) {
        self.logger = logger
        self.metrics = metrics
        logsCommands = logger.logLevel <= .info
    }

    /// The batch `batch` committed: its jobs (in order), the works of those with one, and
    /// their replies. A command is an engine command (the line protocol's, an SMPP MO)
    /// or an HTTP request that ran one (Kannel, the USSD callback, an ops API call).
    func committed(_ jobs: [Pipeline.Job], works: [StoreWork], replies: [StoreReply], batch: Int, now: Double) {
        var next = 0
        for job in jobs where job.hasWork {
            defer { next += 1 }
            guard job.transport != .system else { continue }
            let seconds = now - job.submitted
            metrics.latency(job.transport, seconds: seconds)
            // The facts only: binding the outcome would copy it (a dozen references).
            guard let (service, status, http) = replies[next].commandFacts else { continue }
            let work = works[next].engineWork
            // A USSD answer counts as `ussd` whatever the menu ran.
            let label = work?.isUSSD == true ? "ussd" : service
            metrics.committed(job.transport, service: label, outcome: status)
            // The HTTP front logs its requests itself, with path and status.
            if logsCommands && !http {
                // A command under an idempotency key is a closure: no channel or account
                // to show but the transport's.
                log(channel: work?.channel ?? job.transport.label, account: work?.account, service: label, outcome: status,
                    seconds: seconds, batch: batch)
            }
        }
    }

    private func log(channel: String, account: String?, service: String, outcome: Outcome.Status, seconds: Double, batch: Int) {
        logger.info("command", metadata: [
            "channel": .string(channel),
            "account": .string(account ?? "-"),
            "service": .string(service),
            "outcome": .string(HTTPMetrics.label(outcome)),
            "ms": .stringConvertible(CommandTelemetry.milliseconds(seconds)),
            "batch": .stringConvertible(batch),
        ])
    }

    /// Milliseconds to two decimals (µs are noise in a log line).
    static func milliseconds(_ seconds: Double) -> Double {
        (max(0, seconds) * 100_000).rounded() / 100
    }
}

extension StoreReply {
    /// The service and outcome of a command's reply (an engine outcome, or an HTTP
    /// request that ran one); `nil` for anything else.
    var commandFacts: (service: String, status: Outcome.Status, http: Bool)? {
        switch self {
        case .outcome(let outcome): return (outcome.service, outcome.status, false)
        case .http(let reply):
            guard let status = reply.outcome, let service = reply.service else { return nil }
            return (service, status, true)
        default: return nil
        }
    }
}

extension StoreWork {
    var engineWork: EngineWork? {
        if case .command(let work) = self { return work }
        return nil
    }
}

extension EngineWork {
    var isUSSD: Bool {
        if case .ussd = command { return true }
        return false
    }
}
