import Engine

/// Engine commands committed, by service and outcome: the `selfcare_commands_total` of
/// `/metrics`. An SMS counts under its grammar service (`infosms`, `balance` …), other
/// commands under their verb (`topup`, `mt`, `ussd`, `rate`, `sub`, `outbox`): the
/// ``Outcome/service`` the engine sets. Labels stay bounded: services come from the
/// grammar, outcomes from `Outcome.Status`.
///
/// Recording runs once per request on the hot path, so it hashes nothing: a handful of
/// services, found by a linear search that starts at the last one used.
public struct CommandCounts: Sendable, Equatable {
    public struct Key: Hashable, Sendable, Comparable {
        public let service: String
        public let outcome: String

        public static func < (a: Key, b: Key) -> Bool { (a.service, a.outcome) < (b.service, b.outcome) }
    }

    private var services: [String] = []
    /// Per service, one count per `Outcome.Status` (in ``statuses`` order).
    private var tallies: [Int] = []
    private var last = 0

    private static let statuses: [Outcome.Status] = [.ok, .refused, .unknownSubscriber, .invalid]

    public init() {}

    public mutating func record(service: String, outcome: Outcome.Status) {
        let slot: Int
        switch outcome {
        case .ok: slot = 0
        case .refused: slot = 1
        case .unknownSubscriber: slot = 2
        case .invalid: slot = 3
        }
        tallies[index(of: service) * 4 + slot] += 1
    }

    private mutating func index(of service: String) -> Int {
        if last < services.count, services[last] == service { return last }
        if let i = services.firstIndex(of: service) {
            last = i
            return i
        }
        services.append(service)
        tallies.append(contentsOf: [0, 0, 0, 0])
        last = services.count - 1
        return last
    }

    /// Adds another transport's (or a committed pass's) counts.
    public mutating func add(_ other: CommandCounts) {
        for (i, service) in other.services.enumerated() {
            let base = index(of: service) * 4
            for slot in 0..<4 { tallies[base + slot] += other.tallies[i * 4 + slot] }
        }
    }

    /// Every count that is not zero, by service and outcome label (`unknown_subscriber`).
    public var counts: [Key: Int] {
        var result: [Key: Int] = [:]
        for (i, service) in services.enumerated() {
            for (slot, status) in Self.statuses.enumerated() where tallies[i * 4 + slot] > 0 {
                result[Key(service: service, outcome: HTTPMetrics.label(status))] = tallies[i * 4 + slot]
            }
        }
        return result
    }

    public subscript(service: String, outcome: String) -> Int { counts[Key(service: service, outcome: outcome)] ?? 0 }

    public static func == (a: CommandCounts, b: CommandCounts) -> Bool { a.counts == b.counts }
}
