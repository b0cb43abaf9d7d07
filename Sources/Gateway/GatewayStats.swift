import Engine
import Grammar
#if canImport(Glibc)
import Glibc
#endif

/// Counters of a server run, logged at shutdown (the benchmark reads them).
public struct GatewayStats: Sendable, CustomStringConvertible {
    /// Request lines answered (empty lines are not requests).
    public var requests = 0
    /// Requests that reached the engine and so wrote an audit row when committed.
    public var engineCommands = 0
    public var commits = 0
    public var failedCommits = 0
    /// Requests answered `451` because their commit failed.
    public var failedRequests = 0
    public var largestGroup = 0
    public var connections = 0
    public var refusedConnections = 0
    /// Engine commands committed, by service and outcome.
    public var commands = CommandCounts()

    public var averageGroup: Double { commits == 0 ? 0 : Double(engineCommands) / Double(commits + failedCommits) }

    public var description: String {
        "requests served \(requests), engine commands \(engineCommands), commits \(commits), "
            + "average group \(String(Int(averageGroup.rounded()))), largest group \(largestGroup), "
            + "failed commits \(failedCommits) (\(failedRequests) requests got 451), "
            + "connections \(connections), refused connections \(refusedConnections), "
            + "peak RSS \(GatewayStats.peakRSSKiB() / 1024) MB"
    }

    /// VmHWM from /proc/self/status, KiB (0 where there is no /proc).
    public static func peakRSSKiB() -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                return Int(text.dropFirst(6).filter(\.isNumber)) ?? 0
            }
        }
        return 0
    }
}

/// Engine commands committed, by service and outcome: the `selfcare_commands_total` of
/// `/metrics`. An SMS counts under its grammar service (`infosms`, `balance` …), other
/// commands under their verb (`topup`, `mt`, `ussd`, `rate`, `sub`, `outbox`). Labels
/// stay bounded: services come from the grammar, outcomes from `Outcome.Status`.
public struct CommandCounts: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public let service: String
        public let outcome: String

        public static func < (a: Key, b: Key) -> Bool { (a.service, a.outcome) < (b.service, b.outcome) }
    }

    public private(set) var counts: [Key: Int] = [:]

    public init() {}

    public mutating func record(service: String, outcome: Outcome.Status) {
        counts[Key(service: service, outcome: HTTPMetrics.label(outcome)), default: 0] += 1
    }

    /// Adds another transport's (or a committed pass's) counts.
    public mutating func add(_ other: CommandCounts) {
        for (key, n) in other.counts { counts[key, default: 0] += n }
    }

    public subscript(service: String, outcome: String) -> Int { counts[Key(service: service, outcome: outcome)] ?? 0 }

    /// The service label of `command`; `unknown` for an SMS to a number no service has.
    public static func service(of command: Command, grammar: Grammar) -> String {
        switch command {
        case .sms(_, let to, _): return grammar.service(for: to) ?? "unknown"
        case .mt: return "mt"
        case .topUp: return "topup"
        case .outbox: return "outbox"
        case .setRate, .deleteRates, .listRates: return "rate"
        case .addSubscriber, .showSubscriber, .updateSubscriber: return "sub"
        case .ussd: return "ussd"
        }
    }
}
