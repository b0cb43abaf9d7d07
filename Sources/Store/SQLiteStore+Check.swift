import Foundation
import GRDB
import GRDBSQLite
import Model
import Numbering

/// `selfcare db check`: the ledger invariant, checked in SQL over the whole store.
extension SQLiteStore {
    /// The subscribers and buckets where the bucket differs from the sum of its ledger
    /// rows, the subscribers whose row names another last purchase than the ledger's
    /// latest, plus ledger rows whose subscriber does not exist. Empty when the invariant
    /// holds. Each item reads `36301111111 balance: bucket 5000, ledger 4900`.
    ///
    /// One pass over the ledger grouped by number, joined to subscribers by primary key:
    /// a few seconds at most on a million subscribers.
    ///
    /// SQLite's SUM throws "integer overflow" when a partial sum leaves Int64, which rows
    /// summed in another order than they were posted can do even though every bucket
    /// stayed in range. So each amount is split into its high 32 bits (arithmetic shift)
    /// and its low 32 bits (0 ... 2³²−1); neither sum can overflow below 2³¹ rows, and
    /// `high·2³² + low` is the exact total, compared with the bucket split the same way.
    public func ledgerDiscrepancies() throws -> [String] {
        try read { db in
            var found: [String] = []
            let buckets = Bucket.allCases
            let sums = buckets.map { b in
                "SUM(CASE bucket WHEN '\(b.rawValue)' THEN amount >> 32 ELSE 0 END) AS \(b.rawValue)_high, "
                    + "SUM(CASE bucket WHEN '\(b.rawValue)' THEN amount & 4294967295 ELSE 0 END) AS \(b.rawValue)_low"
            }.joined(separator: ", ")
            let selected = buckets.map { b in
                "s.\(Self.column(of: b)), coalesce(l.\(b.rawValue)_high, 0), coalesce(l.\(b.rawValue)_low, 0)"
            }.joined(separator: ", ")
            let differs = buckets.map { b -> String in
                let c = "s.\(Self.column(of: b))", high = "coalesce(l.\(b.rawValue)_high, 0)"
                let low = "coalesce(l.\(b.rawValue)_low, 0)"
                return "\(c) >> 32 != \(high) + (\(low) >> 32) OR \(c) & 4294967295 != \(low) & 4294967295"
            }.joined(separator: " OR ")
            let rows = try Row.fetchCursor(db, sql: """
                SELECT s.msisdn, \(selected)
                FROM subscribers s
                LEFT JOIN (SELECT msisdn, \(sums) FROM ledger GROUP BY msisdn) l ON l.msisdn = s.msisdn
                WHERE \(differs)
                ORDER BY s.msisdn
                """)
            while let row = try rows.next() {
                let msisdn: String = row[0]
                for (i, bucket) in buckets.enumerated() {
                    let value: Int64 = row[1 + 3 * i]
                    let ledger = Self.total(high: row[2 + 3 * i], low: row[3 + 3 * i])
                    if ledger != value {
                        found.append("\(msisdn) \(bucket.rawValue): bucket \(value), ledger \(ledger.map(String.init) ?? "beyond Int64")")
                    }
                }
            }
            // The last purchase the row carries for the 1730 answer (v3-hot-rows)
            // must be the ledger's latest purchase row of that number.
            let purchases = try Row.fetchCursor(db, sql: """
                SELECT s.msisdn, s.last_purchase_at, s.last_purchase_amount, l.at, l.amount
                FROM subscribers s
                LEFT JOIN (SELECT msisdn, max(id) AS id FROM ledger WHERE kind = 'purchase' GROUP BY msisdn) m
                    ON m.msisdn = s.msisdn
                LEFT JOIN ledger l ON l.id = m.id
                WHERE s.last_purchase_at IS NOT l.at OR s.last_purchase_amount IS NOT l.amount
                ORDER BY s.msisdn
                """)
            while let row = try purchases.next() {
                func show(_ at: Int64?, _ amount: Int64?) -> String {
                    guard let at, let amount else { return "none" }
                    return "amount \(amount) at \(at)"
                }
                found.append("\(row[0] as String) last purchase: row \(show(row[1], row[2])), ledger \(show(row[3], row[4]))")
            }
            // The foreign key forbids these; a hand-edited file might still have them.
            let orphans = try Row.fetchCursor(db, sql: """
                SELECT msisdn, bucket, SUM(amount >> 32), SUM(amount & 4294967295) FROM ledger
                WHERE msisdn NOT IN (SELECT msisdn FROM subscribers)
                GROUP BY msisdn, bucket ORDER BY msisdn, bucket
                """)
            while let row = try orphans.next() {
                let msisdn: String = row[0], bucket: String = row[1]
                let ledger = Self.total(high: row[2], low: row[3])
                found.append("\(msisdn) \(bucket): no subscriber, ledger \(ledger.map(String.init) ?? "beyond Int64")")
            }
            return found
        }
    }

    /// `high·2³² + low`, or `nil` beyond Int64 (`low` is a sum of non-negative 32-bit parts).
    static func total(high: Int64, low: Int64) -> Int64? {
        let (scaled, overflow) = (high + (low >> 32)).multipliedReportingOverflow(by: 1 << 32)
        guard !overflow else { return nil }
        let (sum, overflow2) = scaled.addingReportingOverflow(low & 0xFFFF_FFFF)
        return overflow2 ? nil : sum
    }

    /// The subscribers column of a bucket.
    static func column(of bucket: Bucket) -> String {
        switch bucket {
        case .balance: return "balance"
        case .universal: return "universal_balance"
        case .unbilled: return "unbilled"
        case .allowance: return "allowance"
        }
    }
}
