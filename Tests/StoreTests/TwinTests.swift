import Foundation
import Model
import Numbering
import Store
import Testing

/// The SQLite store must behave exactly like Model's InMemoryStore, the twin the engine's
/// unit tests run against: the same scenario runs on both and every observation must match.
@Suite struct TwinTests {
    /// Runs every StoreTransaction method, errors included, and logs what it sees.
    static func scenario(_ store: any SubscriberStore) -> [String] {
        var log: [String] = []
        func record(_ label: String, _ body: () throws -> Any?) {
            do {
                let value = try body()
                log.append("\(label): \(value.map { String(describing: $0) } ?? "nil")")
            } catch {
                log.append("\(label): error \(describe(error))")
            }
        }
        func write(_ label: String, _ body: (any StoreTransaction) throws -> Void) {
            record(label) { try store.write { tx in try body(tx) } }
        }
        let a = msisdn("36301234567"), b = msisdn("36209876543"), missing = msisdn("36700000000")

        write("accounts") { tx in
            record("account missing") { try tx.account(named: "ops") }
            try tx.saveAccount(Account(name: "ops", role: .operator, passwordHash: "h1"))
            record("account saved") { try tx.account(named: "ops") }
            try tx.saveAccount(Account(name: "ops", role: .network, passwordHash: "h2"))
            record("account replaced") { try tx.account(named: "ops") }
            record("account case-sensitive") { try tx.account(named: "OPS") }
        }
        write("subscribers") { tx in
            // Buckets passed in are ignored: they start at 0.
            try tx.addSubscriber(
                Subscriber(msisdn: a, product: .prepaid, status: .active,
                           birthDate: CalendarDate(year: 1985, month: 3, day: 21), language: .hu,
                           balance: 99, universalBalance: 98, unbilled: 97, allowance: 96),
                pin: PINRecord(hash: "pin-a", failures: 1, lockedUntil: 1_700_000_000))
            try tx.addSubscriber(
                Subscriber(msisdn: b, product: .mix, status: .suspended, language: .en),
                pin: PINRecord(hash: nil))
            record("duplicate") {
                try tx.addSubscriber(Subscriber(msisdn: a, product: .postpaid), pin: PINRecord(hash: "other"))
            }
            record("subscriber a") { try tx.subscriber(a) }
            record("subscriber b") { try tx.subscriber(b) }
            record("subscriber missing") { try tx.subscriber(missing) }
            record("pin a") { try tx.pin(of: a) }
            record("pin b") { try tx.pin(of: b) }
            record("pin missing") { try tx.pin(of: missing) }
        }
        write("pins") { tx in
            try tx.setPIN(PINRecord(hash: "new", failures: 0, lockedUntil: nil), of: a)
            try tx.setPIN(PINRecord(hash: nil, failures: 3, lockedUntil: 42), of: b)
            record("set missing") { try tx.setPIN(PINRecord(hash: "x"), of: missing) }
            record("pin a") { try tx.pin(of: a) }
            record("pin b") { try tx.pin(of: b) }
        }
        write("ledger") { tx in
            record("last purchase none") { try tx.lastPurchase(of: a) }
            for (bucket, amount, kind, ref) in [
                (Bucket.balance, Int64(5_300), LedgerKind.opening, "demo" as String?),
                (.universal, 1_000, .opening, nil),
                (.balance, -300, .purchase, "06901234567 premium SMS"),
                (.balance, 2_000, .topup, "ops"),
                (.balance, -150, .purchase, "mobile purchase"),
                (.balance, -10, .charge, nil),
                (.unbilled, 460, .charge, "calls"),
                (.allowance, 2_600, .opening, nil),
            ] {
                record("post a \(bucket) \(amount)") {
                    try tx.post(LedgerEntry(msisdn: a, bucket: bucket, amount: amount, kind: kind,
                                            reference: ref, at: 1_700_000_000 + amount))
                }
            }
            record("post b purchase") {
                try tx.post(LedgerEntry(msisdn: b, bucket: .universal, amount: -70, kind: .purchase, at: 5))
            }
            record("post missing") {
                try tx.post(LedgerEntry(msisdn: missing, bucket: .balance, amount: 1, kind: .topup, at: 5))
            }
            record("post overflow") {
                try tx.post(LedgerEntry(msisdn: a, bucket: .balance, amount: .max, kind: .topup, at: 5))
            }
            record("post underflow") {
                try tx.post(LedgerEntry(msisdn: b, bucket: .universal, amount: .min, kind: .charge, at: 5))
            }
            record("last purchase a") { try tx.lastPurchase(of: a) }
            record("last purchase b") { try tx.lastPurchase(of: b) }
            record("last purchase missing") { try tx.lastPurchase(of: missing) }
            record("subscriber a") { try tx.subscriber(a) }
        }
        write("bills") { tx in
            record("last bill none") { try tx.lastBill(of: a) }
            try tx.addBill(Bill(period: "2025-02", amount: 8_990), of: a)
            try tx.addBill(Bill(period: "2024-12", amount: 7_000), of: a)
            try tx.addBill(Bill(period: "2025-01", amount: 7_500), of: a)
            try tx.addBill(Bill(period: "2023-06", amount: 100), of: b)
            record("last bill a") { try tx.lastBill(of: a) }
            record("last bill b") { try tx.lastBill(of: b) }
            record("last bill missing") { try tx.lastBill(of: missing) }
        }
        write("audit") { tx in
            try tx.audit(AuditEntry(at: 1, account: "simulator", channel: "line", msisdn: a.digits,
                                    request: "SMS 36301234567 1730 EGYENLEG", outcome: "250 balance"))
            try tx.audit(AuditEntry(at: 2, account: nil, channel: "line", msisdn: nil,
                                    request: "AUTH ops ****", outcome: "535 failed"))
        }
        write("audit query") { tx in
            record("audit all") { try tx.auditEntries(msisdn: nil, since: nil, limit: 10) }
            record("audit last") { try tx.auditEntries(msisdn: nil, since: nil, limit: 1) }
            record("audit a") { try tx.auditEntries(msisdn: a.digits, since: 1, limit: 10) }
            record("audit since") { try tx.auditEntries(msisdn: nil, since: 2, limit: 10) }
            record("audit none") { try tx.auditEntries(msisdn: nil, since: nil, limit: 0) }
        }
        write("rates") { tx in
            for (prefix, price, kind, adult) in [
                ("3690", Int64(300), RateKind.premium, false), ("3691", 500, .premium, true), ("369", 200, .premium, false),
                ("3690", 100, .premiumMT, false), ("16", 150, .premium, false), ("777", 500, .subscription, false),
                ("3691", 450, .premium, false), ("1356", 250, .donation, false), ("3690", -1, .premium, false),
                ("06a", 1, .premium, false), ("", 1, .donation, false),
            ] {
                record("set \(prefix) \(kind) \(price)") { try tx.setRate(Rate(prefix: prefix, price: price, kind: kind, adult: adult)) }
            }
            for number in ["3690123456", "3691123456", "3692000000", "16123", "1730", "7771", "1356", "", "3"] {
                for kind in RateKind.allCases {
                    record("rate \(number) \(kind)") { try tx.rate(for: number, kind: kind) }
                }
            }
            for prefix in [nil, "", "369", "3690", "1", "9", "x"] as [String?] {
                record("rates \(prefix ?? "nil")") { try tx.rates(prefix: prefix) }
            }
            record("delete 369") { try tx.deleteRates(prefix: "369", kind: nil) }
            record("delete 3690 mt") { try tx.deleteRates(prefix: "3690", kind: .premiumMT) }
            record("delete 36") { try tx.deleteRates(prefix: "36", kind: nil) }
            record("rates after delete") { try tx.rates(prefix: nil) }
        }
        write("profile") { tx in
            record("update a") {
                try tx.updateProfile(Subscriber(msisdn: a, product: .mix, status: .suspended, birthDate: nil,
                                                language: .en, balance: 1, universalBalance: 2, unbilled: 3, allowance: 4))
            }
            record("update missing") { try tx.updateProfile(Subscriber(msisdn: missing, product: .prepaid)) }
            record("subscriber a") { try tx.subscriber(a) }
        }
        write("subscriptions") { tx in
            let sport = Subscription(service: "777:SPORT", fee: 500, startedAt: 10)
            record("add sport a") { try tx.addSubscription(sport, of: a) }
            record("add horoscope a") {
                try tx.addSubscription(Subscription(service: "horoscope", fee: 600, startedAt: 11, detail: "1985-03-21"), of: a)
            }
            record("add sport again") { try tx.addSubscription(Subscription(service: "777:SPORT", fee: 1, startedAt: 1), of: a) }
            record("add sport b") { try tx.addSubscription(sport, of: b) }
            record("add missing") { try tx.addSubscription(sport, of: missing) }
            record("list a") { try tx.subscriptions(of: a) }
            record("one a") { try tx.subscription("horoscope", of: a) }
            record("one b") { try tx.subscription("horoscope", of: b) }
            record("remove b") { try tx.removeSubscription("777:SPORT", of: b) }
            record("remove b again") { try tx.removeSubscription("777:SPORT", of: b) }
            record("remove missing") { try tx.removeSubscription("777:SPORT", of: missing) }
            record("list b") { try tx.subscriptions(of: b) }
        }
        write("settings and counters") { tx in
            record("set") { try tx.setSetting("premium-mt", to: "unblocked", of: a) }
            record("set forward") { try tx.setSetting("forward", to: "36201111111", of: a) }
            record("replace forward") { try tx.setSetting("forward", to: "36202222222", of: a) }
            record("set missing") { try tx.setSetting("forward", to: "1", of: missing) }
            record("delete missing") { try tx.setSetting("forward", to: nil, of: missing) }
            record("get forward") { try tx.setting("forward", of: a) }
            record("all a") { try tx.settings(of: a).sorted { $0.key < $1.key } }
            record("delete forward") { try tx.setSetting("forward", to: nil, of: a) }
            record("all a after") { try tx.settings(of: a).sorted { $0.key < $1.key } }
            record("all b") { try tx.settings(of: b) }
            for (name, period, number) in [("cmb", "2026-01-15", a), ("cmb", "2026-01-15", a), ("cmb", "2026-01-16", a),
                                           ("topups", "2026-01", b), ("topups", "2026-01", missing)] {
                record("increment \(name) \(period) \(number)") { try tx.incrementCounter(name, period: period, of: number) }
            }
            record("counter cmb") { try tx.counter("cmb", period: "2026-01-15", of: a) }
            record("counter none") { try tx.counter("cmb", period: "2026-01-17", of: a) }
            record("counter missing") { try tx.counter("topups", period: "2026-01", of: missing) }
        }
        write("outbox") { tx in
            for (sender, recipient, text) in [("1430", a, "one"), ("777", b, "two"), ("1430", a, "three"), ("1430", missing, "four")] {
                record("enqueue \(text)") { try tx.enqueue(OutgoingSMS(sender: sender, recipient: recipient, text: text, at: 7)) }
            }
            record("pending") { try tx.pendingOutbox(recipient: nil, limit: 10) }
            record("pending 2") { try tx.pendingOutbox(recipient: nil, limit: 2) }
            record("pending a") { try tx.pendingOutbox(recipient: a, limit: 10) }
            record("deliver") { try tx.markDelivered([1, 4, 42], at: 8) }
            record("pending after") { try tx.pendingOutbox(recipient: nil, limit: 10) }
            record("pending a after") { try tx.pendingOutbox(recipient: a, limit: 10) }
        }
        // A failing write keeps nothing; the next one sees the state before it.
        write("rolled back") { tx in
            try tx.post(LedgerEntry(msisdn: a, bucket: .balance, amount: 1_000, kind: .topup, at: 9))
            try tx.setPIN(PINRecord(hash: "lost"), of: a)
            try tx.addBill(Bill(period: "2025-03", amount: 1), of: a)
            try tx.audit(AuditEntry(at: 9, account: nil, channel: "line", msisdn: nil, request: "lost", outcome: "lost"))
            try tx.addSubscriber(Subscriber(msisdn: missing, product: .prepaid), pin: PINRecord(hash: nil))
            try tx.setRate(Rate(prefix: "1", price: 1, kind: .premium))
            try tx.updateProfile(Subscriber(msisdn: a, product: .postpaid))
            try tx.addSubscription(Subscription(service: "lost", fee: 1, startedAt: 9), of: a)
            try tx.setSetting("lost", to: "lost", of: a)
            try tx.incrementCounter("cmb", period: "2026-01-15", of: a)
            try tx.enqueue(OutgoingSMS(sender: "1", recipient: a, text: "lost", at: 9))
            try tx.markDelivered([2, 3], at: 9)
            try tx.post(LedgerEntry(msisdn: a, bucket: .balance, amount: .max, kind: .topup, at: 9))
        }
        write("after rollback") { tx in
            record("subscriber a") { try tx.subscriber(a) }
            record("pin a") { try tx.pin(of: a) }
            record("last bill a") { try tx.lastBill(of: a) }
            record("last purchase a") { try tx.lastPurchase(of: a) }
            record("subscriber missing") { try tx.subscriber(missing) }
            record("rates") { try tx.rates(prefix: nil) }
            record("subscriptions a") { try tx.subscriptions(of: a) }
            record("settings a") { try tx.settings(of: a) }
            record("counter cmb") { try tx.counter("cmb", period: "2026-01-15", of: a) }
            record("pending") { try tx.pendingOutbox(recipient: nil, limit: 10) }
            record("enqueue after rollback") { try tx.enqueue(OutgoingSMS(sender: "1", recipient: b, text: "kept", at: 10)) }
        }
        record("write returns the body's value") { try store.write { tx in try tx.subscriber(b)?.universalBalance } }
        return log
    }

    @Test func sqliteBehavesLikeInMemoryStore() throws {
        let dir = try TempDir()
        let sqlite = try SQLiteStore(path: dir.db())
        let memory = InMemoryStore()
        let sqliteLog = Self.scenario(sqlite)
        let memoryLog = Self.scenario(memory)
        #expect(sqliteLog.count == memoryLog.count)
        for (s, m) in zip(sqliteLog, memoryLog) {
            #expect(s == m)
        }
        // Spot checks that the scenario really exercised the paths.
        #expect(sqliteLog.contains("post missing: error unknown subscriber 36700000000"))
        #expect(sqliteLog.contains("post overflow: error amount out of range"))
        #expect(sqliteLog.contains("post underflow: error amount out of range"))
        #expect(sqliteLog.contains("duplicate: error subscriber 36301234567 exists"))
        #expect(sqliteLog.contains("set missing: error unknown subscriber 36700000000"))
        #expect(sqliteLog.contains("rolled back: error amount out of range"))
        #expect(sqliteLog.contains("set 3690 premium -1: error invalid rate: price -1 is negative"))
        #expect(sqliteLog.contains("add sport again: false"))
        #expect(sqliteLog.contains("increment topups 2026-01 36700000000: error unknown subscriber 36700000000"))
        #expect(sqliteLog.contains("update missing: error unknown subscriber 36700000000"))
        #expect(sqliteLog.contains("enqueue after rollback: 5"))

        // What is stored, row for row.
        #expect(try sqlite.ledgerEntries(msisdn: nil) == memory.state.ledger)
        #expect(try sqlite.auditEntries(msisdn: nil) == memory.state.audit)
        #expect(try sqlite.auditEntries(msisdn: "36301234567") == memory.state.audit.filter { $0.msisdn == "36301234567" })
        #expect(try sqlite.subscriberCount() == memory.state.subscribers.count)
        #expect(try sqlite.ledgerDiscrepancies().isEmpty)
    }

    @Test func demoDataIsTheSameInBothStores() throws {
        let dir = try TempDir()
        let sqlite = try SQLiteStore(path: dir.db())
        let memory = InMemoryStore()
        let now: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
        try DemoData.install(into: sqlite, now: now)
        try DemoData.install(into: memory, now: now)
        for seed in DemoData.subscribers {
            let number = seed.subscriber.msisdn
            func look(_ store: any SubscriberStore) throws -> String {
                try store.write { tx in
                    "\(String(describing: try tx.subscriber(number))) \(String(describing: try tx.lastPurchase(of: number))) "
                        + "\(String(describing: try tx.lastBill(of: number))) \(try tx.pin(of: number)?.failures ?? -1)"
                }
            }
            #expect(try look(sqlite) == look(memory))
        }
        #expect(try sqlite.ledgerEntries(msisdn: nil) == memory.state.ledger)
        #expect(try sqlite.write { tx in try tx.rates(prefix: nil) } == memory.write { tx in try tx.rates(prefix: nil) })
    }
}
