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
        let copied = try DatabaseQueue(path: backup).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ledger WHERE kind = 'topup'") ?? -1 }
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
