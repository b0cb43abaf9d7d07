import GRDB
// The SQLite C API as GRDB links it (GRDB's own module for the system libsqlite3).
import GRDBSQLite
import Model
import Numbering

/// The audit rows: queued per command, inserted in multi-row batches before the commit,
/// and read back for `AUDIT`.
extension SQLiteTransaction {
    /// Queues the row; ``flushAudits()`` inserts the queue before the commit.
    ///
    /// Every command writes an audit row, and a one-row INSERT pays SQLite's statement
    /// start and halt and a descent of the audit b-tree to its end each time: two thirds
    /// of the insert. Queued rows go in as multi-row INSERTs that pay it once per up to
    /// 64 rows, still inside this transaction, so they commit (or roll back) with the
    /// effects they record. The texts are copied into the arena now, so the caller's
    /// strings need not live on.
    func audit(_ entry: AuditEntry) throws {
        pendingAudits.append(PendingAudit(
            at: entry.at, account: entry.account.map(arena.copy), channel: arena.copy(entry.channel),
            msisdn: entry.msisdn.map(arena.copy), request: arena.copy(entry.request),
            outcome: arena.copy(entry.outcomeHead, entry.outcomeTail)))
    }

    /// Inserts the queued audit rows, in the order they were queued. Runs before the
    /// commit and before anything in this transaction reads the audit table.
    func flushAudits() throws {
        guard !pendingAudits.isEmpty else { return }
        defer { pendingAudits.removeAll(keepingCapacity: true) }
        var next = 0
        for (size, sql) in SQL.auditBatches {
            while pendingAudits.count - next >= size {
                let s = try prepared(sql)
                defer { sqlite3_reset(s) }
                for row in 0..<size {
                    let a = pendingAudits[next + row]
                    let base = Int32(row * 6)
                    sqlite3_bind_int64(s, base + 1, a.at)
                    bind(s, base + 2, a.account)
                    bind(s, base + 3, a.channel)
                    bind(s, base + 4, a.msisdn)
                    bind(s, base + 5, a.request)
                    bind(s, base + 6, a.outcome)
                }
                _ = try step(s)
                next += size
            }
        }
    }

    /// An audit row waiting for ``flushAudits()``: its texts as arena copies.
    struct PendingAudit {
        var at: Int64
        var account: (UnsafeRawPointer, Int)?
        var channel: (UnsafeRawPointer, Int)
        var msisdn: (UnsafeRawPointer, Int)?
        var request: (UnsafeRawPointer, Int)
        var outcome: (UnsafeRawPointer, Int)
    }

    // MARK: Audit

    func auditEntries(msisdn: String?, since: Int64?, limit: Int) throws -> [AuditRecord] {
        guard limit > 0 else { return [] }  // SQLite reads a negative LIMIT as "no limit"
        try flushAudits()  // this transaction's own rows count too
        let s = try prepared(.auditEntries)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn)
        bind(s, 2, since)
        sqlite3_bind_int64(s, 3, Int64(limit))
        var records: [AuditRecord] = []
        while try step(s) {
            records.append(AuditRecord(
                id: sqlite3_column_int64(s, 0),
                entry: AuditEntry(at: sqlite3_column_int64(s, 1), account: optionalText(s, 2), channel: text(s, 3),
                                  msisdn: optionalText(s, 4), request: text(s, 5), outcome: text(s, 6))))
        }
        return records
    }
}
