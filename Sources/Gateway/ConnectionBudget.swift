import EventLoop

/// How many connections each front may hold within the process's open-file limit.
///
/// Every connection is a descriptor; so are the store (database, WAL, shared memory),
/// the listeners, standard streams, the sendsms client and a socket accepted only to be
/// refused. A server allowed more connections than descriptors runs out of them under
/// load and can no longer accept anyone, so the limits are fitted at start: the line
/// protocol gives way first (the HTTP front is sized by its own flag, usually small).
///
/// ```swift
/// let b = try ConnectionBudget.fit(line: 10_000, http: 1_000, limit: .init(soft: 1024, hard: 1024, raisedFrom: 1024))
/// (b.line, b.http)   // (720, 240): 960 descriptors of room, a quarter at most for HTTP
/// ```
public struct ConnectionBudget: Sendable {
    /// Descriptors kept for everything that is not a client connection.
    public static let reserve = 64

    public var line: Int
    public var http: Int
    public var limit: FileDescriptorLimit.Reading
    /// What was clamped and why, for the log.
    public var warnings: [String] = []

    /// Too few descriptors for even one connection: the server refuses to start.
    public struct TooFew: Error, CustomStringConvertible {
        public let description: String
    }

    public var summary: String {
        let raised = limit.raisedFrom == limit.soft ? "" : " (raised from \(limit.raisedFrom))"
        return "open-file limit \(limit.soft)\(raised): up to \(line) line and \(http) http connections"
    }

    /// Clamps `line` (and `http` to a quarter of the room, when it asks for more) so that
    /// both and the reserve fit `limit.soft`; throws when not even one connection of each
    /// fits.
    public static func fit(line: Int, http: Int, limit: FileDescriptorLimit.Reading) throws -> ConnectionBudget {
        var budget = ConnectionBudget(line: line, http: http, limit: limit)
        let room = limit.soft - reserve
        guard room >= 1 + (http > 0 ? 1 : 0) else {
            throw TooFew(description: "the open-file limit is \(limit.soft) (hard \(limit.hard)): too few for a server; raise it (ulimit -n) to at least \(reserve + 2 + (http > 0 ? 1 : 0))")
        }
        if line + http > room {
            if http > room / 4 { budget.http = max(1, room / 4) }
            budget.line = min(line, room - budget.http)
            var text = "--max-connections \(line)"
            if budget.http != http { text += " and --http-max-connections \(http)" }
            text += " do not fit the open-file limit \(limit.soft) (hard \(limit.hard), \(reserve) kept for the store and listeners): serving at most \(budget.line) line"
            if http > 0 { text += " and \(budget.http) http" }
            budget.warnings.append(text + " connections; raise the hard limit (LimitNOFILE=, ulimit -Hn) for more")
        }
        return budget
    }
}
