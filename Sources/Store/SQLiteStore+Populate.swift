import Foundation
import GRDB
import GRDBSQLite
import Model
import Numbering

/// `selfcare db populate`: the benchmarks' million subscribers, generated inside SQLite.
extension SQLiteStore {
    /// Bulk-creates `count` active, Hungarian, PIN-less prepaid subscribers numbered like
    /// `ceiling mkdb`: `3630` + the index zero-padded to 7 digits (36300000000,
    /// 36300000001, …), each with an `opening` ledger row of `balance` on the `balance`
    /// bucket, so the invariant holds. Benchmarks only.
    ///
    /// Refuses a store that has subscribers. Calls `progress` with the number created
    /// after every 100,000 and once at the end.
    ///
    /// The rows are generated inside SQLite (a recursive CTE and `printf`), so no value
    /// crosses into Swift per row; keys ascend, so every insert appends to its b-trees.
    /// One transaction per 100,000 bounds the WAL (~14 MB) between checkpoints.
    public func populate(count: Int, balance: Int64, progress: (Int) -> Void) throws {
        guard (0...10_000_000).contains(count) else { throw StoreFailure.populateCount(count) }
        let now = Int64(Date().timeIntervalSince1970)
        let chunk = 100_000
        try access { db in
            let existing = try Int.fetchOne(db, sql: "SELECT count(*) FROM subscribers") ?? 0
            guard existing == 0 else { throw StoreFailure.notEmpty(subscribers: existing) }

            // A bigger page cache for the bulk load only; restored below.
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -65536")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }

            // ?1...?2-1: the indexes of the chunk.
            let numbers = "WITH RECURSIVE k(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?2) "
            let subscribers = try db.makeStatement(sql: numbers + """
                INSERT INTO subscribers(msisdn, product, status, language, balance)
                SELECT printf('3630%07d', i), \(Product.prepaid.storeCode), \(SubscriberStatus.active.storeCode),
                       \(Language.hu.storeCode), ?3 FROM k
                """)
            let ledger = try db.makeStatement(sql: numbers + """
                INSERT INTO ledger(at, msisdn, bucket, amount, kind, ref)
                SELECT ?4, printf('3630%07d', i), 'balance', ?3, 'opening', 'populate' FROM k
                """)
            var done = 0
            while done < count {
                let end = min(count, done + chunk)
                try db.inTransaction(.immediate) {
                    try subscribers.execute(arguments: [done, end, balance])
                    try ledger.execute(arguments: [done, end, balance, now])
                    return .commit
                }
                done = end
                progress(done)
            }
        }
    }
}
