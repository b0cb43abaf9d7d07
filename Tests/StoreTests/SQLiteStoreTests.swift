import Foundation
import Model
import Numbering
@testable import Store
import Testing

@Suite struct SQLiteStoreTests {
    @Test func opensInWALWithSynchronousFull() throws {
        let dir = try TempDir()
        // The parent directory does not exist yet: the store creates it.
        let path = dir.url.appendingPathComponent("data/nested/selfcare.sqlite").path
        let store = try SQLiteStore(path: path)
        #expect(store.journalMode == "wal")
        #expect(store.synchronous == 2)
        #expect(store.walAutocheckpoint == 1000)  // SQLite's default, untouched
        #expect(!store.sqliteVersion.isEmpty)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func sqliteRunsMultiThreadedWithoutMemoryStatistics() throws {
        // Every connection of this test process is opened by SQLiteStore, which configures
        // SQLite before the first one: the settings must have taken.
        let dir = try TempDir()
        _ = try SQLiteStore(path: dir.db())
        #expect(SQLiteStore.processConfigured)
    }

    @Test func migrationsAreNamedAndIdempotentOnReopen() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        #expect(try store.appliedMigrations() == Migrations.names)
        #expect(Migrations.names == ["v1-subscribers", "v1-accounts", "v1-ledger", "v1-audit", "v1-bills",
                                     "v2-rates", "v2-subscriptions", "v2-settings", "v2-counters", "v2-outbox",
                                     "v3-hot-rows", "v4-outbox-receipts", "v5-outbox-secrets", "v6-meta", "v7-idempotency", "v8-smpp-recent", "v9-smpp-recent-slots",
                                     "v10-subscriber-lifecycle"])
        try store.addPrepaid("36301234567", balance: 100)
        try store.close()

        let reopened = try SQLiteStore(path: dir.db())
        #expect(try reopened.appliedMigrations() == Migrations.names)
        #expect(try reopened.subscriberCount() == 1)
        let again = try SQLiteStore(path: dir.db())  // a second connection migrates nothing either
        #expect(try again.appliedMigrations() == Migrations.names)
    }

    @Test func dataSurvivesCloseAndReopen() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try DemoData.install(into: store, now: 1_750_000_000)
        try store.write { tx in
            try tx.post(LedgerEntry(msisdn: msisdn("36301111111"), bucket: .balance, amount: 1_000,
                                    kind: .topup, reference: "ops", at: 1_750_000_100))
            try tx.audit(AuditEntry(at: 1_750_000_100, account: "ops", channel: "line",
                                    msisdn: "36301111111", request: "TOPUP 36301111111 1000", outcome: "250 6 000 Ft"))
        }
        let ledgerRows = try store.ledgerCount()
        try store.close()
        #expect(throws: StoreFailure.closed) { try store.subscriberCount() }

        let reopened = try SQLiteStore(path: dir.db())
        #expect(try reopened.subscriber("36301111111")?.balance == 6_000)
        #expect(try reopened.ledgerCount() == ledgerRows)
        #expect(try reopened.auditEntries(msisdn: "36301111111").map(\.request) == ["TOPUP 36301111111 1000"])
        #expect(try reopened.ledgerDiscrepancies().isEmpty)
    }

    @Test func throwingBodyLeavesNothing() throws {
        struct Boom: Error {}
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567", balance: 500)
        let before = (try store.ledgerCount(), try store.auditCount(), try store.subscriberCount())

        #expect(throws: Boom.self) {
            try store.write { tx in
                try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: 100,
                                        kind: .topup, at: 1))
                try tx.audit(AuditEntry(at: 1, account: "ops", channel: "line", msisdn: "36301234567",
                                        request: "TOPUP", outcome: "250"))
                try tx.addSubscriber(Subscriber(msisdn: msisdn("36309999999"), product: .mix),
                                     pin: PINRecord(hash: nil))
                try tx.setPIN(PINRecord(hash: "x", failures: 2), of: msisdn("36301234567"))
                try tx.saveAccount(Account(name: "a", role: .network, passwordHash: "h"))
                try tx.addBill(Bill(period: "2025-01", amount: 10), of: msisdn("36301234567"))
                throw Boom()
            }
        }
        #expect(try store.ledgerCount() == before.0)
        #expect(try store.auditCount() == before.1)
        #expect(try store.subscriberCount() == before.2)
        #expect(try store.subscriber("36301234567")?.balance == 500)
        try store.write { (tx) throws -> Void in
            #expect(try tx.pin(of: msisdn("36301234567")) == PINRecord(hash: nil))
            #expect(try tx.account(named: "a") == nil)
            #expect(try tx.lastBill(of: msisdn("36301234567")) == nil)
        }
    }

    @Test func transactionRolledBackBySQLiteKeepsNothingAfterwards() throws {
        // After SQLite rolled the transaction back on its own (disk full, I/O error), the
        // statements that follow must not run in autocommit mode and be kept.
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567", balance: 100)
        #expect(throws: (any Error).self) {
            try store.write { tx in
                try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: 1, kind: .topup, at: 1))
                (tx as? SQLiteTransaction)?.simulateAutomaticRollback()
                // The engine may catch a request's error and go on with the next ones.
                _ = try? tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: 2,
                                             kind: .topup, at: 1))
                _ = try? tx.audit(AuditEntry(at: 1, account: nil, channel: "line", msisdn: nil, request: "x", outcome: "y"))
            }
        }
        #expect(try store.subscriber("36301234567")?.balance == 100)
        #expect(try store.ledgerCount() == 1)
        #expect(try store.auditCount() == 0)
        // The store is usable again.
        _ = try store.write { tx in
            try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: 5, kind: .topup, at: 2))
        }
        #expect(try store.subscriber("36301234567")?.balance == 105)
    }

    @Test func postToUnknownSubscriberThrows() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        #expect(throws: StoreError.unknownSubscriber("36301234567")) {
            try store.write { tx in
                try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: 1,
                                        kind: .topup, at: 1))
            }
        }
        #expect(try store.ledgerCount() == 0)
    }

    @Test func overflowThrowsAndChangesNothing() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567", balance: 1)
        func post(_ bucket: Bucket, _ amount: Int64) throws -> Int64 {
            try store.write { tx in
                try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: bucket, amount: amount,
                                        kind: .charge, at: 2))
            }
        }
        // 1 + Int64.max overflows; the error leaves bucket and ledger as they were.
        #expect(throws: StoreError.overflow) { try post(.balance, .max) }
        #expect(try store.subscriber("36301234567")?.balance == 1)
        #expect(try store.ledgerCount() == 1)

        // The exact boundaries are fine, one past them is not, in both directions.
        #expect(try post(.universal, .max) == .max)
        #expect(throws: StoreError.overflow) { try post(.universal, 1) }
        #expect(try post(.unbilled, .min) == .min)
        #expect(throws: StoreError.overflow) { try post(.unbilled, -1) }
        #expect(try post(.allowance, -1) == -1)
        #expect(throws: StoreError.overflow) { try post(.allowance, .min) }

        let subscriber = try #require(try store.subscriber("36301234567"))
        #expect(subscriber.universalBalance == .max)
        #expect(subscriber.unbilled == .min)
        #expect(subscriber.allowance == -1)
        #expect(try store.ledgerCount() == 4)
        #expect(try store.ledgerDiscrepancies().isEmpty)
    }

    @Test func overflowInsideAGroupKeepsTheRestOfTheGroup() throws {
        // The server catches a request's error and carries on with the group.
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567", balance: 10)
        try store.write { tx in
            #expect(throws: StoreError.overflow) {
                try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: .max,
                                        kind: .topup, at: 1))
            }
            try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance, amount: 5, kind: .topup, at: 1))
        }
        #expect(try store.subscriber("36301234567")?.balance == 15)
        #expect(try store.ledgerCount() == 2)
    }

    @Test(arguments: [1, 3, 4, 63, 64, 65, 150, 600])
    func auditRowsOfOneWriteAreAllKeptInOrder(count: Int) throws {
        // Rows are queued and inserted in batches of 64, 16, 4 and 1 before the commit:
        // every count must come out whole, in order, field for field.
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        func entry(_ i: Int) -> AuditEntry {
            AuditEntry(at: Int64(1_750_000_000 + i), account: i % 3 == 0 ? nil : "acct\(i)",
                       channel: i % 2 == 0 ? "line" : "http", msisdn: i % 5 == 0 ? nil : "3630\(1_000_000 + i)",
                       request: "SMS 3630\(1_000_000 + i) 1730 egyenleg \(String(repeating: "é", count: i % 7))",
                       outcome: i % 4 == 0 ? "" : "ok: balance \(i)")
        }
        try store.write { tx in
            for i in 0..<count { try tx.audit(entry(i)) }
            // The transaction's own rows are visible to it before the commit.
            #expect(try tx.auditEntries(msisdn: nil, since: nil, limit: 2).map(\.entry) ==
                    (max(0, count - 2)..<count).map(entry))
            try tx.audit(entry(count))
        }
        #expect(try store.auditEntries(msisdn: nil) == (0...count).map(entry))
    }

    @Test func auditOutcomeInPiecesIsStoredJoined() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.write { tx in
            try tx.audit(AuditEntry(at: 1, account: "a", channel: "line", msisdn: nil, request: "r",
                                    outcomeHead: "refused: ", outcomeTail: "jogosulatlan – ő"))
            try tx.audit(AuditEntry(at: 2, account: "a", channel: "line", msisdn: nil, request: "r",
                                    outcomeHead: "", outcomeTail: "unknown subscriber"))
            try tx.audit(AuditEntry(at: 3, account: "a", channel: "line", msisdn: nil, request: "r",
                                    outcomeHead: "ok: ", outcomeTail: ""))
        }
        #expect(try store.auditEntries(msisdn: nil).map(\.outcome) == ["refused: jogosulatlan – ő", "unknown subscriber", "ok: "])
    }

    @Test func queuedAuditRowsRollBackWithTheirWrite() throws {
        struct Boom: Error {}
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        #expect(throws: Boom.self) {
            try store.write { tx in
                for i in 0..<100 {
                    try tx.audit(AuditEntry(at: Int64(i), account: nil, channel: "line", msisdn: nil,
                                            request: "PING", outcome: "ok"))
                }
                throw Boom()
            }
        }
        #expect(try store.auditCount() == 0)
        try store.write { tx in
            try tx.audit(AuditEntry(at: 1, account: nil, channel: "line", msisdn: nil, request: "after", outcome: "ok"))
        }
        // Nothing of the failed write was left queued for the next one.
        #expect(try store.auditEntries(msisdn: nil).map(\.request) == ["after"])
    }

    @Test func failEveryNthCommitRollsBackExactlyTheNthWrites() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db(), failEveryNthCommit: 3)
        try store.addPrepaid("36301234567")  // write 1
        var outcomes: [String] = []
        for i in 2...7 {
            do {
                let value = try store.write { tx in
                    try tx.audit(AuditEntry(at: Int64(i), account: nil, channel: "line", msisdn: "36301234567",
                                            request: "TOPUP \(i)", outcome: "250"))
                    return try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .balance,
                                                   amount: Int64(i), kind: .topup, at: Int64(i)))
                }
                outcomes.append("ok \(value)")
            } catch let error as StoreFailure {
                outcomes.append("\(error == .injectedCommitFailure(write: i) ? "failed" : "wrong error") \(i)")
            }
        }
        // Writes 3 and 6 fail; 2, 4, 5 and 7 commit (write 7's read of 6's value shows 6 kept nothing).
        #expect(outcomes == ["ok 2", "failed 3", "ok 6", "ok 11", "failed 6", "ok 18"])
        #expect(try store.subscriber("36301234567")?.balance == 18)
        #expect(try store.ledgerCount() == 4)
        #expect(try store.auditEntries(msisdn: nil).map(\.request) == ["TOPUP 2", "TOPUP 4", "TOPUP 5", "TOPUP 7"])
        #expect(try store.ledgerDiscrepancies().isEmpty)
    }

    @Test func populateCreatesCeilingNumbersAndKeepsTheInvariant() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        var reports: [Int] = []
        try store.populate(count: 1_000, balance: 100_000) { reports.append($0) }
        #expect(reports == [1_000])
        #expect(try store.subscriberCount() == 1_000)
        #expect(try store.ledgerCount() == 1_000)
        #expect(try store.ledgerDiscrepancies().isEmpty)

        let first = try #require(try store.subscriber("36300000000"))
        #expect(first == Subscriber(msisdn: msisdn("36300000000"), product: .prepaid, balance: 100_000))
        #expect(try store.subscriber("36300000999")?.balance == 100_000)
        #expect(try store.subscriber("36300000427")?.balance == 100_000)
        #expect(try store.subscriber("36300001000") == nil)
        let ledger = try store.ledgerEntries(msisdn: "36300000999")
        #expect(ledger.map(\.amount) == [100_000])
        #expect(ledger.map(\.kind) == [.opening])
        #expect(ledger.map(\.bucket) == [.balance])

        // Refuses a store with subscribers, and changes nothing.
        #expect(throws: StoreFailure.notEmpty(subscribers: 1_000)) {
            try store.populate(count: 10, balance: 1) { _ in }
        }
        #expect(throws: StoreFailure.populateCount(10_000_001)) {
            try store.populate(count: 10_000_001, balance: 1) { _ in }
        }
        #expect(try store.subscriberCount() == 1_000)
    }

    @Test func populateReportsEveryHundredThousand() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        var reports: [Int] = []
        try store.populate(count: 200_001, balance: 5) { reports.append($0) }
        #expect(reports == [100_000, 200_000, 200_001])
        #expect(try store.subscriber("36300200000")?.balance == 5)
        #expect(try store.ledgerDiscrepancies().isEmpty)
    }

    @Test func ledgerDiscrepanciesFindsABrokenInvariant() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try DemoData.install(into: store, now: 1_750_000_000)
        #expect(try store.ledgerDiscrepancies().isEmpty)

        try store.unsafeExecute("UPDATE subscribers SET universal_balance = universal_balance + 7 WHERE msisdn = '36301111111'")
        try store.unsafeExecute("UPDATE subscribers SET allowance = 1 WHERE msisdn = '36304444444'")
        try store.unsafeExecute("""
            PRAGMA foreign_keys = OFF;
            INSERT INTO ledger(at, msisdn, bucket, amount, kind) VALUES (1, '36309999999', 'balance', 42, 'topup');
            PRAGMA foreign_keys = ON;
            """)
        #expect(try store.ledgerDiscrepancies() == [
            "36301111111 universal: bucket 1007, ledger 1000",
            "36304444444 allowance: bucket 1, ledger 0",
            "36309999999 balance: no subscriber, ledger 42",
        ])
    }

    @Test func ledgerDiscrepanciesSurvivesExtremeAmounts() throws {
        // Rows summed in another order than posted would overflow SQLite's SUM.
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567")
        try store.write { tx in
            for amount: Int64 in [.max, -.max, .max, -.max, .max, -1, .min + 1, .min + 2] {
                try tx.post(LedgerEntry(msisdn: msisdn("36301234567"), bucket: .allowance, amount: amount,
                                        kind: .charge, at: 1))
            }
        }
        #expect(try store.subscriber("36301234567")?.allowance == .min + 1)
        #expect(try store.ledgerDiscrepancies().isEmpty)
        try store.unsafeExecute("UPDATE subscribers SET allowance = allowance + 1 WHERE msisdn = '36301234567'")
        #expect(try store.ledgerDiscrepancies() == [
            "36301234567 allowance: bucket \(Int64.min + 2), ledger \(Int64.min + 1)",
        ])
    }

    @Test func exactTotals() {
        func split(_ values: [Int64]) -> (Int64, Int64) {
            (values.map { $0 >> 32 }.reduce(0, +), values.map { $0 & 0xFFFF_FFFF }.reduce(0, +))
        }
        for values: [Int64] in [[], [1], [-1], [.max], [.min], [.max, -.max, .max], [.min, 1, -1], [-5, 3]] {
            let (high, low) = split(values)
            let expected = values.reduce(Int64(0), &+)
            #expect(SQLiteStore.total(high: high, low: low) == expected, "\(values)")
        }
        let (high, low) = split([.max, .max])
        #expect(SQLiteStore.total(high: high, low: low) == nil)
        let (high2, low2) = split([.min, -1])
        #expect(SQLiteStore.total(high: high2, low: low2) == nil)
    }

    @Test func closedStoreThrowsInsteadOfCrashing() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.close()
        try store.close()
        #expect(throws: StoreFailure.closed) { try store.subscriberCount() }
        #expect(throws: StoreFailure.closed) { try store.write { try $0.subscriber(msisdn("36301234567")) } }
        #expect(throws: StoreFailure.closed) { try store.ledgerDiscrepancies() }
        #expect(throws: StoreFailure.closed) { try store.populate(count: 1, balance: 1) { _ in } }
    }

    @Test func schemaRejectsWhatTheModelCannotHold() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567")
        // STRICT tables: a forint column cannot hold a REAL or text.
        #expect(throws: (any Error).self) {
            try store.unsafeExecute("UPDATE subscribers SET balance = 1.5 WHERE msisdn = '36301234567'")
        }
        #expect(throws: (any Error).self) {
            try store.unsafeExecute("UPDATE subscribers SET product = 'gold' WHERE msisdn = '36301234567'")
        }
        #expect(throws: (any Error).self) {
            try store.write { try $0.addBill(Bill(period: "January", amount: 1), of: msisdn("36301234567")) }
        }
    }

    @Test func birthDateParsing() {
        #expect(SQLiteTransaction.date("2012-06-01".utf8) == CalendarDate(year: 2012, month: 6, day: 1))
        #expect(SQLiteTransaction.date("2000-02-29".utf8) == CalendarDate(year: 2000, month: 2, day: 29))
        #expect(SQLiteTransaction.date("1900-02-29".utf8) == nil)
        #expect(SQLiteTransaction.date("2012-6-01".utf8) == nil)
        #expect(SQLiteTransaction.date("2012-06-011".utf8) == nil)
        #expect(SQLiteTransaction.date("2012/06/01".utf8) == nil)
        #expect(SQLiteTransaction.date("".utf8) == nil)
    }
}
