import TestSupport
import Model
import Numbering
import Testing

@Suite("InMemoryStore: the store rules the engine relies on")
struct InMemoryStoreTests {
    static let alice = MSISDN(canonical: "36301234567")
    static let bob = MSISDN(canonical: "36209876543")
    static let nobody = MSISDN(canonical: "36309999999")

    struct Boom: Error, Equatable {}

    /// A store with two subscribers: alice (prepaid, 5 000 Ft opening balance) and bob
    /// (postpaid, nothing posted).
    func makeStore() throws -> InMemoryStore {
        let store = InMemoryStore()
        try store.write { tx throws in
            try tx.addSubscriber(Subscriber(msisdn: Self.alice, product: .prepaid, birthDate: CalendarDate(year: 1985, month: 3, day: 21)),
                                 pin: PINRecord(hash: "pin-a"))
            try tx.addSubscriber(Subscriber(msisdn: Self.bob, product: .postpaid, language: .en), pin: PINRecord(hash: nil))
            try tx.post(LedgerEntry(msisdn: Self.alice, bucket: .balance, amount: 5_000, kind: .opening, at: 1_000))
        }
        return store
    }

    func entry(_ msisdn: MSISDN, _ bucket: Bucket, _ amount: Int64, _ kind: LedgerKind = .topup, at: Int64 = 2_000) -> LedgerEntry {
        LedgerEntry(msisdn: msisdn, bucket: bucket, amount: amount, kind: kind, reference: "test", at: at)
    }

    /// A post to alice's balance.
    func entry(amount: Int64, _ kind: LedgerKind = .topup, at: Int64 = 2_000) -> LedgerEntry {
        entry(Self.alice, .balance, amount, kind, at: at)
    }

    // MARK: subscribers

    @Test func addedSubscribersStartAtZeroAndKeepTheirDetails() throws {
        let store = InMemoryStore()
        let subscriber = Subscriber(msisdn: Self.alice, product: .mix, status: .suspended,
                                    birthDate: CalendarDate(year: 2012, month: 6, day: 1), language: .en,
                                    balance: 99, universalBalance: 98, unbilled: 97, allowance: 96)
        try store.write { tx in try tx.addSubscriber(subscriber, pin: PINRecord(hash: "h", failures: 2, lockedUntil: 5)) }
        let stored = try #require(store.state.subscribers[Self.alice])
        #expect(Bucket.allCases.allSatisfy { stored[$0] == 0 }, "opening amounts are ledger posts")
        #expect(stored.product == .mix && stored.status == .suspended && stored.language == .en)
        #expect(stored.birthDate == CalendarDate(year: 2012, month: 6, day: 1))
        #expect(store.state.pins[Self.alice] == PINRecord(hash: "h", failures: 2, lockedUntil: 5))
        #expect(store.state.ledger.isEmpty)
        try store.write { tx throws in
            #expect(try tx.subscriber(Self.alice) == stored)
            #expect(try tx.subscriber(Self.nobody) == nil)
            #expect(try tx.pin(of: Self.alice) == PINRecord(hash: "h", failures: 2, lockedUntil: 5))
            #expect(try tx.pin(of: Self.nobody) == nil)
        }
    }

    @Test func aDuplicateSubscriberIsRefusedAndTheFirstIsKept() throws {
        let store = try makeStore()
        let before = store.state
        #expect(throws: StoreError.duplicateSubscriber("36301234567")) {
            try store.write { tx throws in
                try tx.addSubscriber(Subscriber(msisdn: Self.alice, product: .postpaid), pin: PINRecord(hash: "other"))
            }
        }
        #expect(store.state == before)
        #expect(store.state.subscribers[Self.alice]?.balance == 5_000)
        #expect(store.state.pins[Self.alice]?.hash == "pin-a")
        // Refused inside a transaction that goes on: the first one stays as it was.
        try store.write { tx throws in
            #expect(throws: StoreError.duplicateSubscriber("36301234567")) {
                try tx.addSubscriber(Subscriber(msisdn: Self.alice, product: .mix), pin: PINRecord(hash: nil))
            }
            #expect(try tx.subscriber(Self.alice)?.product == .prepaid)
            #expect(try tx.pin(of: Self.alice)?.hash == "pin-a")
        }
        #expect(store.state == before)
    }

    // MARK: posting money

    @Test(arguments: Bucket.allCases)
    func postUpdatesTheBucketAndTheLedgerTogether(_ bucket: Bucket) throws {
        let store = try makeStore()
        let before = store.state
        let posted = entry(Self.alice, bucket, 1_250, .topup, at: 3_000)
        let value = try store.write { tx in try tx.post(posted) }
        let expected = before.subscribers[Self.alice]![bucket] + 1_250
        #expect(value == expected)
        let after = try #require(store.state.subscribers[Self.alice])
        #expect(after[bucket] == expected)
        for other in Bucket.allCases where other != bucket {
            #expect(after[other] == before.subscribers[Self.alice]![other], "\(other) must not move")
        }
        #expect(store.state.ledger == before.ledger + [posted])
        #expect(store.state.subscribers[Self.bob] == before.subscribers[Self.bob])
    }

    @Test func chargesAreNegativeAndMayGoBelowZero() throws {
        let store = try makeStore()
        let value = try store.write { tx in try tx.post(entry(amount: -5_300, .purchase)) }
        #expect(value == -300)
        #expect(store.state.subscribers[Self.alice]?.balance == -300)
    }

    @Test func postingToAnUnknownSubscriberThrowsAndChangesNothing() throws {
        let store = try makeStore()
        let before = store.state
        #expect(throws: StoreError.unknownSubscriber("36309999999")) {
            try store.write { tx in try tx.post(entry(Self.nobody, .balance, 100)) }
        }
        #expect(store.state == before)
        // Caught inside the transaction: the rest of it still commits, without a ledger row.
        try store.write { tx throws in
            #expect(throws: StoreError.unknownSubscriber("36309999999")) { try tx.post(entry(Self.nobody, .balance, 100)) }
            try tx.post(entry(amount: 1))
        }
        #expect(store.state.ledger.count == before.ledger.count + 1)
        #expect(store.state.ledger.allSatisfy { $0.msisdn != Self.nobody })
        #expect(store.state.subscribers[Self.nobody] == nil)
    }

    @Test(arguments: [
        (Int64.max - 10, Int64(11)),
        (Int64.max, Int64(1)),
        (Int64.min + 10, Int64(-11)),
        (-1, Int64.min),
    ] as [(Int64, Int64)])
    func overflowThrowsAndChangesNothing(_ start: Int64, _ amount: Int64) throws {
        let store = InMemoryStore()
        try store.write { tx throws in
            try tx.addSubscriber(Subscriber(msisdn: Self.alice, product: .prepaid), pin: PINRecord(hash: nil))
            try tx.post(entry(amount: start, .opening))
        }
        let before = store.state
        #expect(throws: StoreError.overflow) {
            try store.write { tx in try tx.post(entry(amount: amount)) }
        }
        #expect(store.state == before)
        // Caught inside the transaction: neither the bucket nor the ledger moved.
        try store.write { tx throws in
            #expect(throws: StoreError.overflow) { try tx.post(entry(amount: amount)) }
            #expect(try tx.subscriber(Self.alice)?.balance == start)
        }
        #expect(store.state == before)
        #expect(store.state.subscribers[Self.alice]?.balance == start)
        #expect(store.state.ledger.count == 1)
    }

    @Test func theExtremesThemselvesAreNoOverflow() throws {
        let store = try makeStore()
        let top = try store.write { tx in try tx.post(entry(amount: Int64.max - 5_000)) }
        #expect(top == Int64.max)
        let bottom = try store.write { tx in try tx.post(entry(Self.bob, .unbilled, Int64.min, .charge)) }
        #expect(bottom == Int64.min)
    }

    /// A subscriber's bucket always equals the sum of its ledger rows, whatever mix of
    /// posts, failures and rolled-back transactions came before.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func bucketsEqualTheSumOfTheirLedger(seed: UInt64) throws {
        let store = try makeStore()
        var rng = SeededGenerator(seed: seed)
        let people = [Self.alice, Self.bob, Self.nobody]
        for round in 0..<300 {
            let rollback = Int.random(in: 0..<5, using: &rng) == 0
            _ = try? store.write { tx throws in
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let who = people[Int.random(in: 0..<people.count, using: &rng)]
                    let bucket = Bucket.allCases[Int.random(in: 0..<Bucket.allCases.count, using: &rng)]
                    let amount = Int64.random(in: -10_000...10_000, using: &rng)
                    _ = try? tx.post(entry(who, bucket, amount, .charge, at: Int64(round)))
                }
                if rollback { throw Boom() }
            }
        }
        for who in [Self.alice, Self.bob] {
            let subscriber = try #require(store.state.subscribers[who])
            for bucket in Bucket.allCases {
                let sum = store.state.ledger.filter { $0.msisdn == who && $0.bucket == bucket }.reduce(0) { $0 + $1.amount }
                #expect(subscriber[bucket] == sum, "seed \(seed): \(who) \(bucket)")
            }
        }
        #expect(store.state.ledger.allSatisfy { $0.msisdn != Self.nobody })
    }

    // MARK: all or nothing

    @Test func aThrowingWriteKeepsNothing() throws {
        let store = try makeStore()
        let before = store.state
        #expect(throws: Boom()) {
            try store.write { tx throws in
                try tx.post(entry(amount: 700))
                try tx.post(entry(Self.bob, .unbilled, 300, .purchase))
                try tx.addSubscriber(Subscriber(msisdn: Self.nobody, product: .prepaid), pin: PINRecord(hash: nil))
                try tx.setPIN(PINRecord(hash: "new", failures: 3, lockedUntil: 9_999), of: Self.alice)
                try tx.addBill(Bill(period: "2026-10", amount: 8_990), of: Self.bob)
                try tx.saveAccount(Account(name: "ops", role: .operator, passwordHash: "x"))
                try tx.audit(AuditEntry(at: 1, account: "ops", channel: "line", msisdn: nil, request: "r", outcome: "o"))
                // The transaction sees its own changes…
                #expect(try tx.subscriber(Self.alice)?.balance == 5_700)
                #expect(try tx.subscriber(Self.nobody) != nil)
                throw Boom()
            }
        }
        // …and none of them survive.
        #expect(store.state == before)
        try store.write { tx throws in
            #expect(try tx.subscriber(Self.alice)?.balance == 5_000)
            #expect(try tx.subscriber(Self.nobody) == nil)
            #expect(try tx.pin(of: Self.alice)?.hash == "pin-a")
            #expect(try tx.lastBill(of: Self.bob) == nil)
            #expect(try tx.account(named: "ops") == nil)
        }
    }

    @Test func aFailedCommitKeepsNothingAndOnlyOnce() throws {
        let store = try makeStore()
        let before = store.state
        store.failNextCommit = Boom()
        #expect(throws: Boom()) {
            try store.write { tx throws in
                try tx.post(entry(amount: 700))
                try tx.audit(AuditEntry(at: 1, account: nil, channel: "line", msisdn: Self.alice.digits, request: "r", outcome: "o"))
            }
        }
        #expect(store.state == before)
        #expect(store.failNextCommit == nil)
        let value = try store.write { tx in try tx.post(entry(amount: 700)) }
        #expect(value == 5_700)
        #expect(store.state.ledger.count == before.ledger.count + 1)
    }

    @Test func aWriteReturnsItsBodysResult() throws {
        let store = try makeStore()
        let result = try store.write { tx in try tx.subscriber(Self.bob)?.language }
        #expect(result == .en)
    }

    // MARK: PINs, purchases, bills, accounts, audit

    @Test func setPINReplacesTheRecordOfAnExistingSubscriberOnly() throws {
        let store = try makeStore()
        try store.write { tx in try tx.setPIN(PINRecord(hash: "new", failures: 3, lockedUntil: 9_999), of: Self.bob) }
        #expect(store.state.pins[Self.bob] == PINRecord(hash: "new", failures: 3, lockedUntil: 9_999))
        let before = store.state
        #expect(throws: StoreError.unknownSubscriber("36309999999")) {
            try store.write { tx in try tx.setPIN(PINRecord(hash: "x"), of: Self.nobody) }
        }
        #expect(store.state == before)
    }

    @Test func lastPurchaseIsTheLatestPurchaseOfThatNumberAsAPositiveAmount() throws {
        let store = try makeStore()
        try store.write { tx throws in
            #expect(try tx.lastPurchase(of: Self.alice) == nil)
            try tx.post(entry(amount: -300, .purchase, at: 10))
            try tx.post(entry(amount: -450, .purchase, at: 20))
            try tx.post(entry(amount: 1_000, .topup, at: 30))
            try tx.post(entry(amount: -50, .charge, at: 40))
            try tx.post(entry(Self.bob, .balance, -999, .purchase, at: 50))
        }
        try store.write { tx throws in
            #expect(try tx.lastPurchase(of: Self.alice) == Purchase(at: 20, amount: 450))
            #expect(try tx.lastPurchase(of: Self.bob) == Purchase(at: 50, amount: 999))
            #expect(try tx.lastPurchase(of: Self.nobody) == nil)
        }
    }

    /// Like the SQLite store: a purchase of Int64.min has no positive twin and saturates.
    @Test func lastPurchaseOfTheMostNegativeAmountSaturates() throws {
        let store = InMemoryStore()
        try store.write { tx throws in
            try tx.addSubscriber(Subscriber(msisdn: Self.alice, product: .prepaid), pin: PINRecord(hash: nil))
            try tx.post(entry(amount: Int64.min, .purchase, at: 10))
        }
        let purchase = try store.write { tx in try tx.lastPurchase(of: Self.alice) }
        #expect(purchase == Purchase(at: 10, amount: Int64.max))
    }

    @Test func lastBillIsTheLatestPeriodNotTheLastAdded() throws {
        let store = try makeStore()
        try store.write { tx throws in
            #expect(try tx.lastBill(of: Self.bob) == nil)
            try tx.addBill(Bill(period: "2026-10", amount: 8_990), of: Self.bob)
            try tx.addBill(Bill(period: "2025-12", amount: 1_000), of: Self.bob)
            try tx.addBill(Bill(period: "2026-09", amount: 7_000), of: Self.bob)
        }
        try store.write { tx throws in
            #expect(try tx.lastBill(of: Self.bob) == Bill(period: "2026-10", amount: 8_990))
            #expect(try tx.lastBill(of: Self.alice) == nil)
        }
    }

    @Test func accountsAreSavedReplacedAndLookedUpByExactName() throws {
        let store = InMemoryStore()
        try store.write { tx throws in
            #expect(try tx.account(named: "ops") == nil)
            try tx.saveAccount(Account(name: "ops", role: .operator, passwordHash: "h1"))
            try tx.saveAccount(Account(name: "ops", role: .network, passwordHash: "h2"))
        }
        try store.write { tx throws in
            #expect(try tx.account(named: "ops") == Account(name: "ops", role: .network, passwordHash: "h2"))
            #expect(try tx.account(named: "OPS") == nil)
        }
        #expect(store.state.accounts.count == 1)
    }

    @Test func auditRowsAreAppendedInOrder() throws {
        let store = try makeStore()
        let first = AuditEntry(at: 1, account: "smsc", channel: "line", msisdn: Self.alice.digits, request: "SMS 1730", outcome: "ok: balance")
        let second = AuditEntry(at: 2, account: nil, channel: "cli", msisdn: nil, request: "TOPUP", outcome: "unknown subscriber")
        try store.write { tx throws in
            try tx.audit(first)
            try tx.audit(second)
        }
        #expect(store.state.audit == [first, second])
    }

    // MARK: Services' state

    /// Undoing a change gives back the very same State, so tests may compare states.
    @Test func undoneServiceChangesLeaveNoEmptyEntriesBehind() throws {
        let store = try makeStore()
        let before = store.state
        try store.write { tx throws in
            try tx.setRate(Rate(prefix: "3690", price: 300, kind: .premium))
            try tx.addSubscription(Subscription(service: "horoscope", fee: 600, startedAt: 1), of: Self.alice)
            try tx.setSetting("clir", to: "on", of: Self.bob)
        }
        #expect(store.state.rates["3690"]?[.premium]?.price == 300)
        #expect(store.state.subscriptions[Self.alice]?["horoscope"]?.fee == 600)
        #expect(store.state.settings[Self.bob] == ["clir": "on"])
        try store.write { tx throws in
            try tx.deleteRates(prefix: "3690", kind: .premium)
            try tx.removeSubscription("horoscope", of: Self.alice)
            try tx.setSetting("clir", to: nil, of: Self.bob)
        }
        #expect(store.state == before)
    }

    @Test func outboxDeliveryKeepsTheFirstTimeAndIgnoresUnknownIds() throws {
        let store = try makeStore()
        try store.write { tx throws in
            try tx.markDelivered([1], at: 5)  // nothing queued yet
            #expect(try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "a", at: 1)) == 1)
            #expect(try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.bob, text: "b", at: 2)) == 2)
            try tx.markDelivered([2, 0, -1, 3], at: 10)
            try tx.markDelivered([2, 1], at: 20)
        }
        #expect(store.state.delivered == [1: 20, 2: 10])
        #expect(store.state.outbox.map(\.recipient) == [Self.alice.digits, Self.bob.digits])
    }
}
