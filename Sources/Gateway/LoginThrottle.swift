/// Failed logins counted across connections and transports (line `AUTH`, HTTP basic auth,
/// SMPP binds), per source address and per account name, with a temporary lock-out that
/// applies everywhere: a guesser who reconnects, or moves from the line protocol to HTTP,
/// meets the same count.
///
/// - **Per address**: after ``Policy/freeAddressFailures`` failures the address is locked
///   for 1 s, then 2, 4 … up to ``Policy/maxLock`` per further failure.
/// - **Per account** (any name tried, whether it exists or not, so a lock tells nothing):
///   after ``Policy/freeAccountFailures`` failures from anywhere the name is locked the
///   same way — except for addresses that logged in to it before (a network element's
///   own address keeps working while someone else guesses its password).
/// - A login tried while locked is refused without a look at the password (no store
///   read, no hash): the answer is the failure's, and the address's count goes on.
/// - A success clears its address's and its account's counts; counts are forgotten after
///   ``Policy/forget`` seconds without a failure.
///
/// Loop thread only (owned by ``AuthFailures``, which every transport shares).
///
/// ```swift
/// var t = LoginThrottle(policy: .init(freeAddressFailures: 2))
/// t.failed(source: "192.0.2.7", account: "kannel", now: 0)
/// t.failed(source: "192.0.2.7", account: "kannel", now: 0)
/// t.failed(source: "192.0.2.7", account: "root", now: 0)
/// t.lockedFor(source: "192.0.2.7", account: "kannel", now: 0.5)  // 0.5: locked 1 s
/// ```
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable, Equatable {
        /// Failures an address may have before it is locked.
        public var freeAddressFailures = 10
        /// Failures an account name may have (from all addresses) before it is locked.
        public var freeAccountFailures = 30
        /// Longest lock, seconds.
        public var maxLock = 300.0
        /// Seconds without a failure after which a count starts again.
        public var forget = 900.0

        public init(freeAddressFailures: Int = 10, freeAccountFailures: Int = 30, maxLock: Double = 300, forget: Double = 900) {
            self.freeAddressFailures = freeAddressFailures
            self.freeAccountFailures = freeAccountFailures
            self.maxLock = maxLock
            self.forget = forget
        }

        /// No throttling across connections (each connection's own delays remain).
        public static let off = Policy(freeAddressFailures: .max, freeAccountFailures: .max)
    }

    struct Record: Sendable {
        var failures = 0
        var last = 0.0
        var lockedUntil = 0.0
    }

    public struct Stats: Sendable, Equatable {
        /// Locks that began, by scope.
        public var addressLocks = 0
        public var accountLocks = 0
        /// Logins refused because a lock was on.
        public var refusedWhileLocked = 0
    }

    public let policy: Policy
    public private(set) var stats = Stats()
    private var addresses: [String: Record] = [:]
    private var accounts: [String: Record] = [:]
    /// Account and address pairs that logged in: the account's lock spares them.
    private var trusted: Set<Pair> = []
    /// Past this many entries a table forgets its stale ones, then its unlocked ones:
    /// a flood of addresses or names cannot grow it without bound.
    public static let maximumEntries = 10_000

    struct Pair: Hashable, Sendable {
        var account: String
        var source: String
    }

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// How many addresses and account names are counted (tests).
    var entries: (addresses: Int, accounts: Int) { (addresses.count, accounts.count) }

    /// Seconds until `source` may try `account` again; `nil` when it may now.
    public func lockedFor(source: String, account: String, now: Double) -> Double? {
        var until = 0.0
        if let a = addresses[source] { until = a.lockedUntil }
        if let n = accounts[Self.name(account)], n.lockedUntil > until,
           !trusted.contains(Pair(account: Self.name(account), source: source)) {
            until = n.lockedUntil
        }
        return until > now ? until - now : nil
    }

    /// A wrong name or password from `source`.
    public mutating func failed(source: String, account: String, now: Double) {
        if bump(&addresses, source, free: policy.freeAddressFailures, now: now) { stats.addressLocks += 1 }
        if bump(&accounts, Self.name(account), free: policy.freeAccountFailures, now: now) { stats.accountLocks += 1 }
    }

    /// A login refused because of a lock: it counts for the address (a guesser who keeps
    /// going stays locked longer), not for the account (that would let anyone keep a
    /// locked account locked from elsewhere forever).
    public mutating func refusedWhileLocked(source: String, now: Double) {
        stats.refusedWhileLocked += 1
        if bump(&addresses, source, free: policy.freeAddressFailures, now: now) { stats.addressLocks += 1 }
    }

    public mutating func succeeded(source: String, account: String) {
        addresses[source] = nil
        let name = Self.name(account)
        accounts[name] = nil
        if trusted.count >= Self.maximumEntries { trusted.removeAll() }
        trusted.insert(Pair(account: name, source: source))
    }

    /// Counts one failure; true when it started a lock.
    private func bumped(_ record: Record?, free: Int, now: Double) -> Record {
        var r = record ?? Record()
        if now - r.last > policy.forget { r.failures = 0 }
        r.failures += 1
        r.last = now
        if r.failures > free {
            let doublings = min(r.failures - free - 1, 30)
            r.lockedUntil = now + min(policy.maxLock, Double(1 << doublings))
        }
        return r
    }

    private func bump(_ table: inout [String: Record], _ key: String, free: Int, now: Double) -> Bool {
        guard free != .max else { return false }
        if table[key] == nil, table.count >= Self.maximumEntries {
            // Full: the forgotten counts go, then the unlocked ones, then (a flood of locks)
            // everything.
            table = table.filter { now - $0.value.last <= policy.forget || $0.value.lockedUntil > now }
            if table.count >= Self.maximumEntries { table = table.filter { $0.value.lockedUntil > now } }
            if table.count >= Self.maximumEntries { table.removeAll() }
        }
        let before = table[key]
        let after = bumped(before, free: free, now: now)
        table[key] = after
        return after.lockedUntil > now && (before?.lockedUntil ?? 0) <= now
    }

    /// Names as the store compares them, bounded (longer ones cannot exist).
    static func name(_ account: String) -> String { String(account.utf8.prefix(65)) ?? account }
}
