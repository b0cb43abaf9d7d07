import CSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import GRDBSQLite
import Model
import Numbering

/// Failures of the SQLite store itself (the domain errors are Model's ``StoreError``).
public enum StoreFailure: Error, Equatable, CustomStringConvertible {
    /// The test hook `failEveryNthCommit` rolled back this write (the `write`-th call).
    case injectedCommitFailure(write: Int)
    /// SQLite refused WAL or `synchronous=FULL`; the store will not run without both.
    case durabilityNotConfigured(journalMode: String, synchronous: Int)
    /// `populate` only fills an empty store.
    case notEmpty(subscribers: Int)
    /// `populate` numbers are `3630` + 7 digits, so at most 10,000,000 of them.
    case populateCount(Int)
    /// A stored value the Model cannot represent (hand-edited database?).
    case corruptRow(String)
    /// The store was closed.
    case closed
    /// Opened as existing, but there is no file at that path.
    case noStore(path: String)
    /// Opened as existing, but the file is not a Selfcare store.
    case notAStore(path: String)
    /// A file the store writes (a backup) cannot be created.
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .injectedCommitFailure(let n):
            return "commit of write #\(n) failed (injected by failEveryNthCommit / SELFCARE_FAIL_COMMIT)"
        case .durabilityNotConfigured(let mode, let sync):
            return "could not set journal_mode=WAL and synchronous=FULL (got journal_mode=\(mode), synchronous=\(sync))"
        case .notEmpty(let n):
            return "the store already has \(n) subscribers; populate needs an empty one"
        case .populateCount(let n):
            return "populate count \(n) out of range 0...10000000 (numbers are 3630 + 7 digits)"
        case .corruptRow(let what):
            return "corrupt row: \(what)"
        case .closed:
            return "the store is closed"
        case .noStore(let path):
            return "there is no store at \(path): create one with `selfcare db init --db \(path)` (add --demo for the demo data)"
        case .notAStore(let path):
            return "\(path) is not a Selfcare store (no schema of ours in it)"
        case .cannotCreate(let path, let why):
            return "cannot create \(path): \(why)"
        }
    }
}

/// The durable ``SubscriberStore``: one SQLite file through a GRDB `DatabaseQueue`
/// (one connection, so writes are serialised and statements can be reused), in WAL mode
/// with `synchronous=FULL`, so a committed transaction survives power loss.
///
/// The server calls ``write(_:)`` once per event-loop pass with every request of the pass
/// inside (group commit): one `BEGIN IMMEDIATE … COMMIT`, one fsync for the whole group.
public final class SQLiteStore: SubscriberStore, @unchecked Sendable {
    /// SQLite's process-wide settings, made once before the first connection opens:
    /// - multi-thread mode: GRDB's queue already serialises every use of a connection,
    ///   so SQLite's own mutex around each bind, step and column call is pure cost;
    /// - no memory statistics: they take a global mutex around every SQLite malloc.
    /// A call after SQLite has initialised (another library opened a database first)
    /// changes nothing, and SQLite stays in its safe default mode: then this is `false`
    /// (the server logs it at start-up).
    public static let processConfigured: Bool = {
        let multithread = selfcare_sqlite_multithread()
        let memstatus = selfcare_sqlite_memstatus_off()
        return multithread == SQLITE_OK && memstatus == SQLITE_OK
    }()

    /// Bytes of the database file SQLite may read through mmap (1 GiB: the whole store
    /// of a few million subscribers; the kernel keeps only what is touched).
    public static let mmapBytes = 1 << 30

    // @unchecked Sendable: all mutable state (`writes`, the bind arena, the connection) is touched only
    // inside the DatabaseQueue's serial closures.

    /// The database file.
    public let path: String
    /// `PRAGMA journal_mode` read back after opening: always `wal`.
    public let journalMode: String
    /// `PRAGMA synchronous` read back after opening: always 2 (FULL).
    public let synchronous: Int
    /// `PRAGMA wal_autocheckpoint` (pages), left at SQLite's default, for the logs.
    public let walAutocheckpoint: Int
    /// The linked SQLite library version, for the logs.
    public let sqliteVersion: String

    private let dbQueue: DatabaseQueue
    private let failEveryNthCommit: Int?
    /// Calls of `write` so far (the test hook counts them).
    private var writes = 0
    /// Set by `close()`: GRDB treats any later use of the connection as a programmer
    /// error and crashes, so every access checks this first.
    private var closed = false
    /// Text parameters of the write in progress (touched only inside `write`).
    private let bindArena = BindArena()
    /// The rate table between writes (see ``RateTable``).
    private let rateCache = RateCache()
    private let rememberRing = RememberRing()

    /// Whether opening may create the store.
    public enum Opening: Sendable {
        /// Creates the file (and its folder) when missing: `db init`, `db populate`, tests.
        case createIfMissing
        /// The store must exist and be ours: every other command (a typo in `--db` must
        /// not leave an empty store behind that later commands take for the real one).
        case existingOnly
    }

    /// Opens and migrates the database at `path`, creating it (and its directory) only
    /// when `opening` allows.
    ///
    /// - Parameter failEveryNthCommit: test hook: every Nth call of ``write(_:)`` runs its
    ///   body, then rolls back instead of committing and throws
    ///   ``StoreFailure/injectedCommitFailure(write:)``. `nil` or ≤ 0: never.
    public init(path: String, opening: Opening = .createIfMissing, failEveryNthCommit: Int? = nil) throws {
        _ = SQLiteStore.processConfigured
        self.path = path
        self.failEveryNthCommit = failEveryNthCommit.flatMap { $0 > 0 ? $0 : nil }

        if opening == .existingOnly {
            try SQLiteStore.checkIsStore(path)
        } else {
            try SQLiteStore.createPrivately(path)
        }

        var config = Configuration()
        config.label = "selfcare.store"
        // A second process (`selfcare db …` while the server runs) waits instead of failing.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // journal_mode is persistent in the file; synchronous is per connection, so
            // both are set on every open. The autocheckpoint stays at SQLite's default.
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Reads through a memory map: a subscriber look-up that misses SQLite's page
            // cache costs no pread syscall and no copy (perf: 16% of the 1730 path).
            // Writes still go through the WAL; only touched pages count in RSS.
            try db.execute(sql: "PRAGMA mmap_size = \(SQLiteStore.mmapBytes)")
        }
        dbQueue = try DatabaseQueue(path: path, configuration: config)

        // Read back rather than trust: some file systems refuse WAL silently.
        let (mode, sync, checkpoint, version) = try dbQueue.inDatabase { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
             try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
             try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1,
             try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "")
        }
        journalMode = mode
        synchronous = sync
        walAutocheckpoint = checkpoint
        sqliteVersion = version
        guard mode.lowercased() == "wal", sync == 2 else {
            try? dbQueue.close()
            throw StoreFailure.durabilityNotConfigured(journalMode: mode, synchronous: sync)
        }

        try Migrations.migrator.migrate(dbQueue)
    }

    /// Creates the store's folder (0700 when new) and an empty file readable by its owner
    /// only (0600) when there is none: SQLite gives the WAL and shared-memory files the
    /// mode of the database file, and the store holds balances, PIN hashes and the audit.
    static func createPrivately(_ path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let fd = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Throws unless `path` is a SQLite file holding our migrations table; read with a
    /// plain read-only connection, so nothing is written to a file that is not ours.
    static func checkIsStore(_ path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw StoreFailure.noStore(path: path)
        }
        var config = Configuration()
        config.readonly = true
        do {
            let probe = try DatabaseQueue(path: path, configuration: config)
            defer { try? probe.close() }
            let ours = try probe.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('grdb_migrations', 'subscribers')") ?? 0
            }
            guard ours == 2 else { throw StoreFailure.notAStore(path: path) }
        } catch let failure as StoreFailure {
            throw failure
        } catch {
            throw StoreFailure.notAStore(path: path)
        }
    }

    /// Closes the connection (checkpointing the WAL when it is the last one). Any later
    /// call throws ``StoreFailure/closed``; closing twice does nothing.
    public func close() throws {
        let wasClosed = dbQueue.inDatabase { _ in
            defer { closed = true }
            return closed
        }
        if !wasClosed { try dbQueue.close() }
    }

    /// Runs `body` on the connection's serial queue, unless the store is closed.
    func access<T>(_ body: (Database) throws -> T) throws -> T {
        try dbQueue.inDatabase { db in
            guard !closed else { throw StoreFailure.closed }
            return try body(db)
        }
    }

    /// Runs `body` in a read (deferred) transaction, so its queries see one snapshot.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try access { db in
            var result: T?
            try db.inTransaction(.deferred) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    // MARK: - SubscriberStore

    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try access { db in
            writes += 1
            let injectFailure = failEveryNthCommit.map { writes % $0 == 0 } ?? false
            var result: T?
            try db.inTransaction(.immediate) {
                // Created per write so the statements it holds are released before the
                // connection can be closed; within the write each is looked up once.
                let tx = SQLiteTransaction(db, arena: bindArena, rates: rateCache, ring: rememberRing)
                defer { tx.finish() }
                try tx.begin()
                result = try body(tx)
                try tx.flushAudits()
                // A half-done `post` (its ledger insert failed after the bucket update)
                // must not be committed even if the caller swallowed the error.
                if let poison = tx.poison { throw poison }
                return injectFailure ? .rollback : .commit
            }
            if injectFailure { throw StoreFailure.injectedCommitFailure(write: writes) }
            return result!
        }
    }

    // MARK: - Operations outside the protocol

    /// Number of subscribers.
    public func subscriberCount() throws -> Int { try count("subscribers") }
    /// Number of login accounts.
    public func accountCount() throws -> Int { try count("accounts") }
    /// Number of ledger rows.
    public func ledgerCount() throws -> Int { try count("ledger") }
    /// Number of audit rows.
    public func auditCount() throws -> Int { try count("audit") }

    /// Outbox messages not delivered yet: one read transaction, counted on the partial
    /// index `outbox_pending`, so a `/metrics` scrape does not take the write lock.
    public func pendingOutboxCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") ?? 0 }
    }

    public func rememberedMOs(since: Int64) throws -> [RememberedMO] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT scope, key, at, replies FROM smpp_recent WHERE at >= ? ORDER BY seq",
                             arguments: [since]).compactMap { row in
                RememberedMO.replies(stored: row[3]).map {
                    RememberedMO(scope: row[0], key: UInt64(bitPattern: row[1]), at: row[2], replies: $0)
                }
            }
        }
    }

    private func count(_ table: String) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    /// The audit rows of one number (all rows when `nil`), oldest first.
    public func auditEntries(msisdn: String?) throws -> [AuditEntry] {
        try read { db in
            let select = "SELECT at, account, channel, msisdn, request, outcome FROM audit"
            let rows = if let msisdn {
                try Row.fetchCursor(db, sql: select + " WHERE msisdn = ? ORDER BY id", arguments: [msisdn])
            } else {
                try Row.fetchCursor(db, sql: select + " ORDER BY id")
            }
            var entries: [AuditEntry] = []
            while let row = try rows.next() {
                entries.append(AuditEntry(at: row[0], account: row[1], channel: row[2],
                                          msisdn: row[3], request: row[4], outcome: row[5]))
            }
            return entries
        }
    }

    /// The ledger rows of one number (all rows when `nil`), oldest first.
    public func ledgerEntries(msisdn: String?) throws -> [LedgerEntry] {
        try read { db in
            let select = "SELECT msisdn, bucket, amount, kind, ref, at FROM ledger"
            let rows = if let msisdn {
                try Row.fetchCursor(db, sql: select + " WHERE msisdn = ? ORDER BY id", arguments: [msisdn])
            } else {
                try Row.fetchCursor(db, sql: select + " ORDER BY id")
            }
            var entries: [LedgerEntry] = []
            while let row = try rows.next() {
                let bucketText: String = row[1], kindText: String = row[3]
                guard let bucket = Bucket(rawValue: bucketText), let kind = LedgerKind(rawValue: kindText) else {
                    throw StoreFailure.corruptRow("ledger bucket \(bucketText) kind \(kindText)")
                }
                entries.append(LedgerEntry(msisdn: MSISDN(canonical: row[0]), bucket: bucket, amount: row[2],
                                           kind: kind, reference: row[4], at: row[5]))
            }
            return entries
        }
    }

    /// Writes a consistent copy of the store to `path` (SQLite's `VACUUM INTO`: one read
    /// transaction, so the gateway goes on writing meanwhile), created 0600. `path` must
    /// not exist.
    public func backup(to path: String) throws {
        let fd = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreFailure.cannotCreate(path, String(cString: strerror(errno))) }
        Glibc.close(fd)
        do {
            try dbQueue.inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Deletes at most `batch` audit rows written before `before` (unix seconds), oldest
    /// first, in one short transaction; how many went. The audit's rowid follows time,
    /// so the scan starts at the old rows and stops after `batch` of them.
    public func pruneAudit(before: Int64, batch: Int) throws -> Int {
        try dbQueue.write { db in
            try db.execute(sql: "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? ORDER BY id LIMIT ?)",
                           arguments: [before, batch])
            return db.changesCount
        }
    }

    /// Deletes at most `batch` outbox messages delivered before `before`, oldest first,
    /// with the receipts still awaited for them; how many went. Pending ones stay.
    public func pruneOutbox(deliveredBefore before: Int64, batch: Int) throws -> Int {
        try dbQueue.write { db in
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS prune_ids(id INTEGER PRIMARY KEY);
                DELETE FROM prune_ids;
                INSERT INTO prune_ids SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ? ORDER BY id LIMIT ?;
                DELETE FROM outbox_receipts WHERE outbox_id IN (SELECT id FROM prune_ids);
                DELETE FROM outbox WHERE id IN (SELECT id FROM prune_ids);
                """, arguments: [before, batch])
            return db.changesCount
        }
    }

    /// A fact about the store (table `meta`): `nil` when unset.
    public func meta(_ name: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    public func setMeta(_ name: String, _ value: String) throws {
        try dbQueue.write { db in
            try db.execute(sql: "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           arguments: [name, value])
        }
    }

    /// The names of the migrations applied to this file, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Migrations.migrator.appliedMigrations(db) }
    }
}

extension SQLiteStore {
    /// Runs raw SQL outside the Model's rules. Internal, for tests that must break the
    /// invariant on purpose (`@testable import Store`).
    func unsafeExecute(_ sql: String) throws {
        try access { db in try db.execute(sql: sql) }
    }

    /// The `EXPLAIN QUERY PLAN` details of `sql`, to check a statement is index-driven.
    func queryPlan(_ sql: String) throws -> [String] {
        try access { db in
            let statement = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
            // Every parameter NULL: the plan does not depend on the values.
            let parameters = Int(sqlite3_bind_parameter_count(statement.sqliteStatement))
            let arguments = StatementArguments(Array(repeating: DatabaseValue.null, count: parameters))
            return try Row.fetchAll(statement, arguments: arguments).map { $0["detail"] }
        }
    }

    /// Creates (or migrates) the database at `path` with the migrations up to and including
    /// `lastMigration` only, then runs `sql` in it: an older release's file, for migration tests.
    static func createOlderDatabase(path: String, upTo lastMigration: String, sql: String) throws {
        _ = processConfigured
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: lastMigration)
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }
}
