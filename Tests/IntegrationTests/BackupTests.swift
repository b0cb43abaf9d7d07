import Foundation
import GRDB
import Testing

/// `selfcare db backup PATH` while the gateway takes top-ups (issue 19): the copy is
/// consistent (every balance equals its ledger), opens with its own key, and is 0600.
@Suite("Backups under load", .serialized)
struct BackupTests {
    @Test func aBackupUnderLoadIsConsistentAndComesWithItsKey() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, http: false)
        let ops = try server.operatorConnection()
        // The backup on a second thread while this one sends top-ups all along.
        let backup = store.folder + "/backup.sqlite"
        let done = DispatchSemaphore(value: 0)
        let result = Box()
        let path = store.path
        Thread.detachNewThread {
            result.value = try? runSelfcare(["db", "backup", "--db", path, backup])
            done.signal()
        }
        var answered = 0
        for _ in 0..<300 where (try? ops.send("TOPUP 36301111111 1"))?.last?.hasPrefix("250") == true { answered += 1 }
        done.wait()
        #expect(answered == 300)
        let (status, output) = try #require(result.value)
        #expect(status == 0 && output.contains("backed up"), "\(output)")
        #expect(server.stop() == 0)
        let mode = { (p: String) in ((try? FileManager.default.attributesOfItem(atPath: p))?[.posixPermissions] as? Int) ?? -1 }
        #expect(mode(backup) == 0o600 && mode(backup + ".key") == 0o600)
        // Consistent, and opened with the key beside it (the default path).
        let (checked, report) = try runSelfcare(["db", "check", "--db", backup])
        #expect(checked == 0 && report.contains("every balance equals the sum of its ledger"), "\(report)")
        let copied = try rawSQLite(at: backup).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ledger WHERE kind = 'topup'") ?? -1 }
        #expect((0...300).contains(copied))
        // Not over an existing file.
        let (again, refused) = try runSelfcare(["db", "backup", "--db", store.path, backup])
        #expect(again != 0 && refused.contains("exists: a backup goes to a new path"), "\(refused)")
    }
}

/// The backup thread's result.
final class Box: @unchecked Sendable {
    var value: (Int32, String)?
}

/// `selfcare db prune` (issue 19): old audit rows and delivered outbox messages go in
/// batches; recent ones, pending messages and the ledger stay.
@Suite("Pruning the audit and the outbox")
struct PruneTests {
    @Test func oldRowsGoInBatchesAndTheRestStays() throws {
        let store = try TemporaryStore()
        let now = Int64(Date().timeIntervalSince1970), day: Int64 = 86_400
        let ledgerBefore = try store.rawDatabase().read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ledger") ?? -1 }
        try store.rawDatabase().write { db in
            for i in 0..<5 {
                try db.execute(sql: "INSERT INTO audit(at, account, channel, msisdn, request, outcome) VALUES (?, 'ops', 'line', NULL, 'old', 'ok')",
                               arguments: [now - 40 * day + Int64(i)])
            }
            try db.execute(sql: "INSERT INTO audit(at, account, channel, msisdn, request, outcome) VALUES (?, 'ops', 'line', NULL, 'recent', 'ok')",
                           arguments: [now - day])
            for (at, delivered) in [(now - 20 * day, now - 20 * day), (now - 20 * day, now - 19 * day), (now - day, now - day)] as [(Int64, Int64)] {
                try db.execute(sql: "INSERT INTO outbox(at, sender, recipient, text, delivered_at) VALUES (?, '1430', '36301111111', 'x', ?)",
                               arguments: [at, delivered])
            }
            try db.execute(sql: "INSERT INTO outbox(at, sender, recipient, text) VALUES (?, '1430', '36301111111', 'pending')", arguments: [now - 30 * day])
            try db.execute(sql: "INSERT INTO outbox_receipts(link, smsc_id, outbox_id) VALUES ('smpp a', 'x1', 1)")
        }
        let (status, output) = try runSelfcare(["db", "prune", "--db", store.path, "--audit-older-than", "30",
                                                "--outbox-delivered-older-than", "7", "--batch", "2"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("pruned 5 audit rows older than 30 days") && output.contains("pruned 2 outbox messages delivered more than 7 days ago"), "\(output)")
        let (audit, outbox, receipts, ledger) = try store.rawDatabase().read { db in
            (try String.fetchAll(db, sql: "SELECT request FROM audit WHERE request IN ('old', 'recent')"),
             try String.fetchAll(db, sql: "SELECT text || coalesce(delivered_at, 0) FROM outbox ORDER BY id").count,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_receipts") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") ?? -1)
        }
        #expect(audit == ["recent"])
        #expect(outbox == 2, "the recent delivered one and the pending one stay")
        #expect(receipts == 0 && ledger == ledgerBefore)
        let (refused, why) = try runSelfcare(["db", "prune", "--db", store.path])
        #expect(refused != 0 && why.contains("say what to prune"), "\(why)")
    }
}
