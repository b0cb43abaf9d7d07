import Engine

/// The HTTP front's counts for its stop line (`/metrics` has them through
/// ``GatewayMetrics``): the commits that carried HTTP requests and the requests a failed
/// commit turned into `503`s.
public struct HTTPMetrics: Sendable {
    public var commits = 0
    public var failedCommits = 0
    /// Requests answered `503` because their commit failed.
    public var failedRequests = 0
    public var largestGroup = 0

    public init() {}

    /// `ok`, `refused`, `unknown_subscriber`, `invalid`: an outcome as a label.
    static func label(_ status: Outcome.Status) -> String {
        String(status.rawValue.map { $0 == " " ? "_" : $0 })
    }
}
