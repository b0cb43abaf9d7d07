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

    @Test func installsARateForEveryService() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try DemoData.install(into: store, now: now)
        try store.write { tx in
            #expect(try tx.rates(prefix: nil).count == DemoData.rates.count)
            // Destinations as a subscriber would dial them.
            for (destination, kind, price, adult) in [
                ("06 90 123 456", RateKind.premium, Int64(300), false),
                ("0691123456", .premium, 500, true),
                ("16123", .premium, 150, false),
                ("0690123456", .premiumMT, 100, false),
                ("0691123456", .premiumMT, 250, true),
                ("16800", .premiumMT, 60, false),
                ("777", .subscription, 500, false),
                ("06308080712", .subscription, 400, false),
                ("+36 30 808 0799", .subscription, 400, false),
                ("06303030440", .subscription, 600, false),
                ("13600", .donation, 250, false),
            ] {
                let digits = try #require(Destination(parsing: destination)).digits
                let rate = try #require(try tx.rate(for: digits, kind: kind), "\(destination) \(kind)")
                #expect(rate.price == price && rate.adult == adult, "\(destination) \(kind)")
            }
            for (destination, kind) in [("1730", RateKind.premium), ("06308080800", .subscription),
                                        ("06303030441", .subscription), ("0692123456", .premium),
                                        ("13600", .premium), ("777", .premium)] {
                let digits = try #require(Destination(parsing: destination)).digits
                #expect(try tx.rate(for: digits, kind: kind) == nil, "\(destination) \(kind)")
            }
            // Premium MT stays blocked: no demo subscriber has settings.
            for seed in DemoData.subscribers {
                #expect(try tx.settings(of: seed.subscriber.msisdn).isEmpty)
                #expect(try tx.subscriptions(of: seed.subscriber.msisdn).isEmpty)
            }
        }
    }

    @Test func seedsDescribeWhatIsInstalled() {
        for seed in DemoData.subscribers {
            for bucket in Bucket.allCases {
                let sum = seed.posts.filter { $0.bucket == bucket }.map(\.amount).reduce(0, +)
                #expect(seed.subscriber[bucket] == sum, "\(seed.subscriber.msisdn) \(bucket)")
            }
        }
        for seed in DemoData.rates {
            #expect(seed.rate.problem == nil)
            #expect(seed.summary.contains("\(seed.rate.price) Ft"), "\(seed.summary)")
            #expect(seed.summary.contains("adult") == seed.rate.adult, "\(seed.summary)")
        }
        #expect(Set(DemoData.rates.map { "\($0.rate.prefix) \($0.rate.kind)" }).count == DemoData.rates.count)
        #expect(Set(DemoData.rates.map(\.rate.kind)) == Set(RateKind.allCases))
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
