import Engine
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
    /// Accepts that failed for want of a descriptor or memory (the listener paused).
    public var failedAccepts = 0

    public init() {}

    public var averageGroup: Double { commits == 0 ? 0 : Double(engineCommands) / Double(commits + failedCommits) }

    public var description: String {
        "requests served \(requests), engine commands \(engineCommands), commits \(commits), "
            + "average group \(String(Int(averageGroup.rounded()))), largest group \(largestGroup), "
            + "failed commits \(failedCommits) (\(failedRequests) requests got 451), "
            + "connections \(connections), refused connections \(refusedConnections), "
            + "failed accepts \(failedAccepts), "
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
