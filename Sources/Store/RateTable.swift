import Model

/// The rate table in memory, for the longest-prefix look-up every charged SMS makes.
///
/// In SQL that look-up was `prefix IN (20 candidate prefixes)`, which SQLite answers by
/// building an ephemeral index per execution: 90k instructions, three times a whole
/// TOPUP. Rates are few and change rarely, so ``SQLiteStore`` keeps them here and
/// forgets them when they may have changed: after a write that set or deleted a rate
/// (committed or not), and when `PRAGMA data_version` says another connection (an ops
/// `sqlite3` session, `selfcare db …`) committed.
final class RateTable {
    /// By kind, by prefix.
    private var rates: [RateKind: [String: Rate]] = [:]
    /// The prefix lengths present, longest first: the only lengths worth probing.
    private var lengths: [Int] = []

    init(_ all: [Rate]) {
        var seen = Set<Int>()
        for rate in all {
            rates[rate.kind, default: [:]][rate.prefix] = rate
            seen.insert(rate.prefix.utf8.count)
        }
        lengths = seen.sorted(by: >)
    }

    /// The rate of `kind` with the longest prefix of `number`, if any.
    func rate(for number: String, kind: RateKind) -> Rate? {
        guard let byPrefix = rates[kind] else { return nil }
        let digits = number.utf8.count
        for length in lengths where length <= digits {
            if let rate = byPrefix[String(number.utf8.prefix(length))!] { return rate }
        }
        return nil
    }
}

/// The store's ``RateTable`` between writes, and when it must be read again.
final class RateCache {
    var table: RateTable?
    /// `PRAGMA data_version` when the table was valid: another connection's commit
    /// changes it.
    private var dataVersion: Int64?
    /// This write set or deleted a rate: whether it commits or not, forget the table.
    private var changedInWrite = false

    init() {}

    /// The start of a write, with the connection's `data_version`.
    func begin(dataVersion version: Int64) {
        if version != dataVersion { table = nil }
        dataVersion = version
        changedInWrite = false
    }

    /// A rate was set or deleted in this write: later look-ups of it read the table again.
    func changed() {
        table = nil
        changedInWrite = true
    }

    /// The end of a write, committed or rolled back.
    func end() {
        if changedInWrite { table = nil }
    }
}
