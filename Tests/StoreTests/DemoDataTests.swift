import Foundation
import Model
import Numbering
import Store
import Testing

@Suite struct DemoDataTests {
    let now: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z: the previous month is 2025-12

    @Test func installsTheDocumentedFigures() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try DemoData.install(into: store, now: now)

        try store.write { tx in
            let simulator = try #require(try tx.account(named: "simulator"))
            #expect(simulator.role == .network)
            #expect(PasswordHash.verify("simulator", against: simulator.passwordHash))
            let ops = try #require(try tx.account(named: "ops"))
            #expect(ops.role == .operator)
            #expect(PasswordHash.verify("ops", against: ops.passwordHash))
            #expect(!PasswordHash.verify("simulator", against: ops.passwordHash))

            let prepaid = try #require(try tx.subscriber(msisdn("36301111111")))
            #expect(prepaid.product == .prepaid && prepaid.status == .active && prepaid.language == .hu)
            #expect(prepaid.balance == 5_000 && prepaid.universalBalance == 1_000)
            #expect(prepaid.birthDate == CalendarDate(year: 1985, month: 3, day: 21))
            #expect(try tx.lastPurchase(of: msisdn("36301111111")) == Purchase(at: now - 3 * 86_400, amount: 300))

            let postpaid = try #require(try tx.subscriber(msisdn("36302222222")))
            #expect(postpaid.product == .postpaid && postpaid.language == .en)
            #expect(postpaid.unbilled == 3_450)
            #expect(try tx.lastBill(of: msisdn("36302222222")) == Bill(period: "2025-12", amount: 8_990))
            #expect(try tx.lastPurchase(of: msisdn("36302222222")) == nil)

            let mix = try #require(try tx.subscriber(msisdn("36303333333")))
            #expect(mix.product == .mix && mix.language == .hu)
            #expect(mix.allowance == 2_600 && mix.balance == 1_500 && mix.universalBalance == 0)

            let minor = try #require(try tx.subscriber(msisdn("36304444444")))
            #expect(minor.product == .prepaid && minor.balance == 2_000)
            #expect(minor.birthDate == CalendarDate(year: 2012, month: 6, day: 1))

            let suspended = try #require(try tx.subscriber(msisdn("36305555555")))
            #expect(suspended.product == .prepaid && suspended.status == .suspended && suspended.balance == 800)

            for (number, pin) in [("36301111111", "11111"), ("36302222222", "22222"), ("36303333333", "33333"),
                                  ("36304444444", "44444"), ("36305555555", "55555")] {
                let record = try #require(try tx.pin(of: msisdn(number)))
                #expect(record.failures == 0 && record.lockedUntil == nil)
                #expect(PasswordHash.verify(pin, against: record.hash ?? ""), "PIN of \(number)")
            }
        }
        #expect(try store.subscriberCount() == 5)
        #expect(try store.ledgerDiscrepancies().isEmpty)
        // Every amount is a ledger row: the 1111 balance is 5 300 opening − 300 purchase.
        #expect(try store.ledgerEntries(msisdn: "36301111111").map(\.amount) == [5_300, 1_000, -300])
        #expect(try store.ledgerEntries(msisdn: "36302222222").map(\.amount).reduce(0, +) == 3_450)
    }

    @Test func seedsDescribeWhatIsInstalled() {
        for seed in DemoData.subscribers {
            for bucket in Bucket.allCases {
                let sum = seed.posts.filter { $0.bucket == bucket }.map(\.amount).reduce(0, +)
                #expect(seed.subscriber[bucket] == sum, "\(seed.subscriber.msisdn) \(bucket)")
            }
        }
        #expect(DemoData.accounts.map(\.name) == ["simulator", "ops"])
        #expect(DemoData.subscribers.map(\.subscriber.msisdn.digits)
                == ["36301111111", "36302222222", "36303333333", "36304444444", "36305555555"])
    }

    @Test func installingTwiceThrowsAndChangesNothing() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try DemoData.install(into: store, now: now)
        let ledgerRows = try store.ledgerCount()
        #expect(throws: DemoData.Failure.alreadyInstalled("account simulator")) {
            try DemoData.install(into: store, now: now)
        }
        #expect(try store.ledgerCount() == ledgerRows)
        #expect(try store.subscriber("36301111111")?.balance == 5_000)

        let memory = InMemoryStore()
        try DemoData.install(into: memory, now: now)
        #expect(throws: DemoData.Failure.self) { try DemoData.install(into: memory, now: now) }
        #expect(memory.state.ledger.count == ledgerRows)
    }

    @Test func previousMonth() {
        #expect(DemoData.previousMonth(of: 1_767_225_600) == "2025-12")  // 2026-01-01 00:00Z
        #expect(DemoData.previousMonth(of: 1_767_225_599) == "2025-11")  // 2025-12-31 23:59:59Z
        #expect(DemoData.previousMonth(of: 1_709_251_200) == "2024-02")  // 2024-03-01
        #expect(DemoData.previousMonth(of: 0) == "1969-12")
        #expect(DemoData.previousMonth(of: 951_782_400) == "2000-01")  // 2000-02-29
    }
}
