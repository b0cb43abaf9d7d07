import Foundation
import GRDB
import Model
import Numbering
@testable import Store
import Testing

/// The store methods of the SMS/USSD services (rates, profile, subscriptions, settings,
/// counters, outbox, audit query). Each test runs on the SQLite store and on its twin,
/// InMemoryStore, with the same expectations.
@Suite struct StoreServicesTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, memory
        var testDescription: String { rawValue }
    }

    /// A store and what must live as long as it (the SQLite file's directory).
    struct Fixture {
        let store: any SubscriberStore
        let dir: TempDir?

        init(_ kind: Kind) throws {
            switch kind {
            case .sqlite:
                let dir = try TempDir()
                self.dir = dir
                store = try SQLiteStore(path: dir.db())
            case .memory:
                dir = nil
                store = InMemoryStore()
            }
        }

        func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try store.write(body) }
    }

    static let alice = msisdn("36301234567"), bob = msisdn("36209876543"), nobody = msisdn("36709999999")

    /// A fixture with alice (prepaid, 1 000 Ft) and bob (postpaid).
    func fixture(_ kind: Kind) throws -> Fixture {
        let f = try Fixture(kind)
        try f.write { tx throws in
            try tx.addSubscriber(Subscriber(msisdn: Self.alice, product: .prepaid), pin: PINRecord(hash: nil))
            try tx.addSubscriber(Subscriber(msisdn: Self.bob, product: .postpaid, language: .en), pin: PINRecord(hash: nil))
            try tx.post(LedgerEntry(msisdn: Self.alice, bucket: .balance, amount: 1_000, kind: .opening, at: 1))
        }
        return f
    }

    // MARK: Rates

    static let table = [
        Rate(prefix: "3690", price: 300, kind: .premium),
        Rate(prefix: "369", price: 200, kind: .premium),
        Rate(prefix: "3691", price: 500, kind: .premium, adult: true),
        Rate(prefix: "3690", price: 100, kind: .premiumMT),
        Rate(prefix: "16", price: 150, kind: .premium),
        Rate(prefix: "777", price: 500, kind: .subscription),
        Rate(prefix: "12345678901234567890", price: 7, kind: .donation),
    ]

    @Test(arguments: Kind.allCases) func rateIsTheLongestPrefixOfTheKind(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            for rate in Self.table { #expect(try tx.setRate(rate) == nil) }
            func price(_ number: String, _ kind: RateKind) throws -> Int64? { try tx.rate(for: number, kind: kind)?.price }
            #expect(try tx.rate(for: "3690123456", kind: .premium) == Self.table[0])
            #expect(try tx.rate(for: "3691123456", kind: .premium) == Self.table[2])
            #expect(try price("3692123456", .premium) == 200)  // falls back to 369
            #expect(try price("3690", .premium) == 300)  // the prefix itself
            #expect(try price("369", .premium) == 200)
            #expect(try price("36", .premium) == nil)
            #expect(try price("16123", .premium) == 150)
            #expect(try price("1730", .premium) == nil)
            #expect(try price("", .premium) == nil)
            // Only rates of the kind asked: no fallback to another kind's longer prefix.
            #expect(try price("3690123456", .premiumMT) == 100)
            #expect(try price("3691123456", .premiumMT) == nil)
            #expect(try price("3690123456", .donation) == nil)
            #expect(try price("7771", .subscription) == 500)
            #expect(try price("777", .premium) == nil)
            // A 20-digit prefix matches a longer number.
            #expect(try price("1234567890123456789012345", .donation) == 7)
            #expect(try price("1234567890123456789", .donation) == nil)
        }
    }

    @Test(arguments: Kind.allCases) func ratesListByPrefixThenKind(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            for rate in Self.table.reversed() { try tx.setRate(rate) }
            func listed(_ prefix: String?) throws -> [String] {
                try tx.rates(prefix: prefix).map { "\($0.prefix) \($0.kind.rawValue) \($0.price)" }
            }
            #expect(try listed("369") == ["369 premium 200", "3690 premium 300", "3690 premium-mt 100", "3691 premium 500"])
            #expect(try listed("3690") == ["3690 premium 300", "3690 premium-mt 100"])
            #expect(try listed(nil) == [
                "12345678901234567890 donation 7", "16 premium 150", "369 premium 200", "3690 premium 300",
                "3690 premium-mt 100", "3691 premium 500", "777 subscription 500",
            ])
            #expect(try listed("") == listed(nil))
            #expect(try listed("4").isEmpty)
            #expect(try listed("36901").isEmpty)
            #expect(try listed("x").isEmpty)
        }
    }

    @Test(arguments: Kind.allCases) func setRateReplacesAndReturnsThePreviousOne(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            let first = Rate(prefix: "3691", price: 500, kind: .premium, adult: true)
            #expect(try tx.setRate(first) == nil)
            let second = Rate(prefix: "3691", price: 450, kind: .premium, adult: false)
            #expect(try tx.setRate(second) == first)
            #expect(try tx.rate(for: "3691000000", kind: .premium) == second)
            // Same prefix, another kind: a separate rate.
            #expect(try tx.setRate(Rate(prefix: "3691", price: 90, kind: .premiumMT)) == nil)
            #expect(try tx.rates(prefix: nil).count == 2)
        }
    }

    @Test(arguments: Kind.allCases) func invalidRatesAreRefusedAndChangeNothing(_ kind: Kind) throws {
        let f = try fixture(kind)
        _ = try f.write { tx in try tx.setRate(Rate(prefix: "3690", price: 300, kind: .premium)) }
        for (bad, why) in [
            (Rate(prefix: "3690", price: -1, kind: .premium), "price -1 is negative"),
            (Rate(prefix: "", price: 1, kind: .premium), "prefix \"\" is not 1 to 20 digits"),
            (Rate(prefix: "0690a", price: 1, kind: .premium), "prefix \"0690a\" is not 1 to 20 digits"),
            (Rate(prefix: "+3690", price: 1, kind: .premium), "prefix \"+3690\" is not 1 to 20 digits"),
            (Rate(prefix: String(repeating: "1", count: 21), price: 1, kind: .premium),
             "prefix \"\(String(repeating: "1", count: 21))\" is not 1 to 20 digits"),
        ] {
            #expect(bad.problem == why)
            #expect(throws: StoreError.invalidRate(why)) { try f.write { tx in try tx.setRate(bad) } }
            #expect(StoreError.invalidRate(why).description == "invalid rate: \(why)")
        }
        #expect(try f.write { tx in try tx.rates(prefix: nil) } == [Rate(prefix: "3690", price: 300, kind: .premium)])
    }

    @Test(arguments: Kind.allCases) func deleteRatesTakesTheExactPrefix(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            for rate in Self.table { try tx.setRate(rate) }
            #expect(try tx.deleteRates(prefix: "36", kind: nil).isEmpty)
            #expect(try tx.deleteRates(prefix: "369", kind: nil) == [Rate(prefix: "369", price: 200, kind: .premium)])
            #expect(try tx.deleteRates(prefix: "3690", kind: .donation).isEmpty)
            #expect(try tx.deleteRates(prefix: "3690", kind: .premiumMT) == [Rate(prefix: "3690", price: 100, kind: .premiumMT)])
            #expect(try tx.rate(for: "3690123", kind: .premium)?.price == 300)
            try tx.setRate(Rate(prefix: "3690", price: 5, kind: .donation))
            #expect(try tx.deleteRates(prefix: "3690", kind: nil).map(\.kind) == [.donation, .premium])
            #expect(try tx.rate(for: "3690123", kind: .premium) == nil)  // 369 is gone too
            #expect(try tx.rates(prefix: "369").map(\.prefix) == ["3691"])
        }
    }

    // MARK: Profile

    @Test(arguments: Kind.allCases) func updateProfileNeverTouchesMoney(_ kind: Kind) throws {
        let f = try fixture(kind)
        let changed = Subscriber(msisdn: Self.alice, product: .mix, status: .suspended,
                                 birthDate: CalendarDate(year: 2001, month: 2, day: 3), language: .en,
                                 balance: 999_999, universalBalance: 5, unbilled: 6, allowance: 7)
        try f.write { tx in try tx.updateProfile(changed) }
        let stored = try #require(try f.write { tx in try tx.subscriber(Self.alice) })
        #expect(stored == Subscriber(msisdn: Self.alice, product: .mix, status: .suspended,
                                     birthDate: CalendarDate(year: 2001, month: 2, day: 3), language: .en,
                                     balance: 1_000))
        // And back: a birth date can be cleared.
        try f.write { tx in try tx.updateProfile(Subscriber(msisdn: Self.alice, product: .prepaid)) }
        #expect(try f.write { tx in try tx.subscriber(Self.alice) }
                == Subscriber(msisdn: Self.alice, product: .prepaid, balance: 1_000))
        #expect(throws: StoreError.unknownSubscriber(Self.nobody.digits)) {
            try f.write { tx in try tx.updateProfile(Subscriber(msisdn: Self.nobody, product: .prepaid)) }
        }
        #expect(try f.write { tx in try tx.subscriber(Self.nobody) } == nil)
        if let sqlite = f.store as? SQLiteStore {
            #expect(try sqlite.ledgerCount() == 1)
            #expect(try sqlite.ledgerDiscrepancies().isEmpty)
        }
    }

    // MARK: Subscriptions

    @Test(arguments: Kind.allCases) func subscriptionsAreUniquePerService(_ kind: Kind) throws {
        let f = try fixture(kind)
        let sport = Subscription(service: "777:SPORT", fee: 500, startedAt: 10)
        let horoscope = Subscription(service: "horoscope", fee: 600, startedAt: 11, detail: "1985-03-21")
        let partner = Subscription(service: "partner:36308080712", fee: 400, startedAt: 12)
        try f.write { tx throws in
            #expect(try tx.subscriptions(of: Self.alice).isEmpty)
            #expect(try tx.addSubscription(horoscope, of: Self.alice))
            #expect(try tx.addSubscription(sport, of: Self.alice))
            #expect(try tx.addSubscription(partner, of: Self.alice))
            #expect(try tx.addSubscription(sport, of: Self.bob))
            // The same service again: false, and the first one stays as it was.
            #expect(try !tx.addSubscription(Subscription(service: "777:SPORT", fee: 1, startedAt: 99, detail: "x"),
                                            of: Self.alice))
        }
        try f.write { tx throws in
            #expect(try tx.subscriptions(of: Self.alice) == [sport, horoscope, partner])
            #expect(try tx.subscription("777:SPORT", of: Self.alice) == sport)
            #expect(try tx.subscription("horoscope", of: Self.alice)?.detail == "1985-03-21")
            #expect(try tx.subscription("horoscope", of: Self.bob) == nil)
            #expect(try tx.subscription("777:sport", of: Self.alice) == nil)  // services are case-sensitive
            #expect(try tx.removeSubscription("777:SPORT", of: Self.alice))
            #expect(try !tx.removeSubscription("777:SPORT", of: Self.alice))
            #expect(try !tx.removeSubscription("777:SPORT", of: Self.nobody))
            #expect(try tx.subscriptions(of: Self.alice) == [horoscope, partner])
            #expect(try tx.subscriptions(of: Self.bob) == [sport])
            #expect(try tx.subscriptions(of: Self.nobody).isEmpty)
        }
        #expect(throws: StoreError.unknownSubscriber(Self.nobody.digits)) {
            try f.write { tx in try tx.addSubscription(sport, of: Self.nobody) }
        }
    }

    // MARK: Settings

    @Test(arguments: Kind.allCases) func settingsSetReplaceAndDelete(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            #expect(try tx.setting("premium-mt", of: Self.alice) == nil)
            try tx.setSetting("premium-mt", to: "unblocked", of: Self.alice)
            try tx.setSetting("forward", to: "36201111111", of: Self.alice)
            try tx.setSetting("forward", to: "36202222222", of: Self.alice)
            try tx.setSetting("clir", to: "", of: Self.bob)  // the empty string is a value
        }
        try f.write { tx throws in
            #expect(try tx.setting("forward", of: Self.alice) == "36202222222")
            #expect(try tx.settings(of: Self.alice) == ["premium-mt": "unblocked", "forward": "36202222222"])
            #expect(try tx.settings(of: Self.bob) == ["clir": ""])
            #expect(try tx.setting("forward", of: Self.bob) == nil)
            try tx.setSetting("forward", to: nil, of: Self.alice)
            try tx.setSetting("never-set", to: nil, of: Self.alice)
            try tx.setSetting("anything", to: nil, of: Self.nobody)  // deleting nothing is no error
            #expect(try tx.settings(of: Self.alice) == ["premium-mt": "unblocked"])
            #expect(try tx.settings(of: Self.nobody).isEmpty)
        }
        #expect(throws: StoreError.unknownSubscriber(Self.nobody.digits)) {
            try f.write { tx in try tx.setSetting("clir", to: "on", of: Self.nobody) }
        }
    }

    // MARK: Counters

    @Test(arguments: Kind.allCases) func countersCountPerNameAndPeriod(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            #expect(try tx.counter("callmeback:36209876543", period: "2026-01-15", of: Self.alice) == 0)
            #expect(try tx.incrementCounter("callmeback:36209876543", period: "2026-01-15", of: Self.alice) == 1)
            #expect(try tx.incrementCounter("callmeback:36209876543", period: "2026-01-15", of: Self.alice) == 2)
            #expect(try tx.incrementCounter("callmeback:36209876543", period: "2026-01-16", of: Self.alice) == 1)
            #expect(try tx.incrementCounter("callmeback:36201111111", period: "2026-01-15", of: Self.alice) == 1)
            #expect(try tx.incrementCounter("topups", period: "2026-01", of: Self.bob) == 1)
        }
        try f.write { tx throws in
            #expect(try tx.counter("callmeback:36209876543", period: "2026-01-15", of: Self.alice) == 2)
            #expect(try tx.counter("callmeback:36209876543", period: "2026-01-16", of: Self.alice) == 1)
            #expect(try tx.counter("callmeback:36209876543", period: "2026-01-17", of: Self.alice) == 0)
            #expect(try tx.counter("topups", period: "2026-01", of: Self.alice) == 0)
            #expect(try tx.counter("topups", period: "2026-01", of: Self.bob) == 1)
            #expect(try tx.counter("topups", period: "2026-01", of: Self.nobody) == 0)
        }
        #expect(throws: StoreError.unknownSubscriber(Self.nobody.digits)) {
            try f.write { tx in try tx.incrementCounter("topups", period: "2026-01", of: Self.nobody) }
        }
    }

    // MARK: Outbox

    @Test(arguments: Kind.allCases) func outboxQueuesUntilDelivered(_ kind: Kind) throws {
        let f = try fixture(kind)
        let ids = try f.write { tx throws in
            [
                try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "first", at: 100)),
                try tx.enqueue(OutgoingSMS(sender: "36301234567", recipient: Self.bob, text: "call me", at: 101)),
                try tx.enqueue(OutgoingSMS(sender: "777", recipient: Self.alice, text: "second", at: 102)),
                // Any number may receive an SMS, subscriber or not.
                try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.nobody, text: "third", at: 103)),
            ]
        }
        #expect(ids == [1, 2, 3, 4])
        try f.write { tx throws in
            #expect(try tx.pendingOutbox(recipient: nil, limit: 10).map(\.id) == ids)
            #expect(try tx.pendingOutbox(recipient: nil, limit: 2).map(\.text) == ["first", "call me"])
            #expect(try tx.pendingOutbox(recipient: nil, limit: 0).isEmpty)
            #expect(try tx.pendingOutbox(recipient: nil, limit: -1).isEmpty)
            #expect(try tx.pendingOutbox(recipient: Self.alice, limit: 10)
                    == [OutboxMessage(id: 1, sender: "1430", recipient: "36301234567", text: "first", at: 100),
                        OutboxMessage(id: 3, sender: "777", recipient: "36301234567", text: "second", at: 102)])
            #expect(try tx.pendingOutbox(recipient: Self.alice, limit: 1).map(\.id) == [1])
            try tx.markDelivered([1, 2, 99], at: 200)
            #expect(try tx.pendingOutbox(recipient: nil, limit: 10).map(\.id) == [3, 4])
            #expect(try tx.pendingOutbox(recipient: Self.alice, limit: 10).map(\.id) == [3])
            #expect(try tx.pendingOutbox(recipient: Self.bob, limit: 10).isEmpty)
            try tx.markDelivered([], at: 201)
            try tx.markDelivered([3, 3, 1], at: 202)
            #expect(try tx.pendingOutbox(recipient: nil, limit: 10).map(\.id) == [4])
            #expect(try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.bob, text: "later", at: 300)) == 5)
        }
        if let memory = f.store as? InMemoryStore {
            // A message keeps its first delivery time.
            #expect(memory.state.delivered == [1: 200, 2: 200, 3: 202])
        }
    }

    @Test(arguments: Kind.allCases) func idempotencyRecordsArePerAccountAndPrunedByAge(_ kind: Kind) throws {
        let f = try fixture(kind)
        let a = IdempotencyRecord(account: "simulator", key: "bill-77", request: "TOPUP 36301234567 1000", answer: "{}", at: 100)
        try f.write { tx throws in
            try tx.saveIdempotencyRecord(a)
            try tx.saveIdempotencyRecord(IdempotencyRecord(account: "ops", key: "bill-77", request: "TOPUP 36209876543 5", answer: "[]", at: 200))
        }
        try f.write { tx throws in
            #expect(try tx.idempotencyRecord(account: "simulator", key: "bill-77") == a)
            #expect(try tx.idempotencyRecord(account: "ops", key: "bill-77")?.request == "TOPUP 36209876543 5")
            #expect(try tx.idempotencyRecord(account: "simulator", key: "bill-78") == nil)
            #expect(try tx.pruneIdempotencyRecords(before: 150, limit: 0) == 0)
            #expect(try tx.pruneIdempotencyRecords(before: 150, limit: 10) == 1)
            #expect(try tx.idempotencyRecord(account: "simulator", key: "bill-77") == nil)
            #expect(try tx.idempotencyRecord(account: "ops", key: "bill-77") != nil)
        }
    }

    /// `SUB LIST`'s read: a prefix range in number order, filters, a page after a number.
    @Test(arguments: Kind.allCases) func subscribersAreReadAPageAtATime(_ kind: Kind) throws {
        let f = try fixture(kind)
        let numbers = ["36701000001", "36701000002", "36701000003", "36711000001", "36709000001"]
        try f.write { tx throws in
            for (i, n) in numbers.enumerated() {
                try tx.addSubscriber(Subscriber(msisdn: MSISDN(canonical: n), product: i == 1 ? .postpaid : .prepaid,
                                                status: i == 2 ? .suspended : .active), pin: PINRecord(hash: nil))
            }
        }
        try f.write { tx throws in
            func list(_ q: SubscriberQuery) throws -> [String] { try tx.subscribers(matching: q).map(\.msisdn.digits) }
            #expect(try list(SubscriberQuery(prefix: "367010")) == ["36701000001", "36701000002", "36701000003"])
            #expect(try list(SubscriberQuery(prefix: "3670", product: .prepaid)) == ["36701000001", "36701000003", "36709000001"])
            #expect(try list(SubscriberQuery(prefix: "3670", status: .suspended)) == ["36701000003"])
            #expect(try list(SubscriberQuery(prefix: "3670", after: "36701000001", limit: 2)) == ["36701000002", "36701000003"])
            #expect(try list(SubscriberQuery(prefix: "3671")) == ["36711000001"])
            #expect(try list(SubscriberQuery(prefix: "3672")) == [])
        }
    }

    /// The SMPP duplicate memory's durable half: MOs kept with their replies, read back
    /// from a time on, and the oldest making room past the capacity.
    @Test(arguments: Kind.allCases) func rememberedMOsAreARingOfTheLatest(_ kind: Kind) throws {
        let f = try fixture(kind)
        let first = RememberedMO(scope: "smsc:a", key: 0xFFFF_0000_0000_0001, at: 100, replies: ["Egyenleg: 5 000 Ft", "2: ő:ű"])
        try f.write { tx throws in
            try tx.rememberMO(first)
            try tx.rememberMO(RememberedMO(scope: "smpp-server", key: 7, at: 200, replies: []))
        }
        try f.write { tx throws in
            #expect(try tx.rememberedMOs(since: 0) == [first, RememberedMO(scope: "smpp-server", key: 7, at: 200, replies: [])])
            #expect(try tx.rememberedMOs(since: 150).map(\.key) == [7])
            for n in 0..<RememberedMO.capacity { try tx.rememberMO(RememberedMO(scope: "smsc:a", key: UInt64(n), at: 300, replies: ["x"])) }
            let kept = try tx.rememberedMOs(since: 0)
            #expect(kept.count == RememberedMO.capacity)
            #expect(kept.first?.key == 0 && kept.last?.key == UInt64(RememberedMO.capacity - 1))
        }
    }

    @Test func storedRepliesRoundTripAndDamagedOnesAreRefused() {
        for parts in [[], [""], ["a:b", "12:3"], ["árvíztűrő tükörfúrógép", "€"]] {
            let mo = RememberedMO(scope: "s", key: 1, at: 1, replies: parts)
            #expect(RememberedMO.replies(stored: mo.storedReplies) == parts)
        }
        for damaged in ["x", "5:abc", "-1:", "3"] { #expect(RememberedMO.replies(stored: damaged) == nil, "\(damaged)") }
    }

    @Test(arguments: Kind.allCases) func aSecretTextIsHandedOverOnceThenBlanked(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "Your code: 483920", at: 100, secret: true))
            try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "a notice", at: 101))
        }
        try f.write { tx throws in
            // Pending: readable, so that it can be sent.
            #expect(try tx.pendingOutbox(recipient: nil, limit: 10).map(\.text) == ["Your code: 483920", "a notice"])
            try tx.markDelivered([1, 2], at: 110)
        }
        let texts: [String]
        if let memory = f.store as? InMemoryStore {
            texts = memory.state.outbox.map(\.text)
        } else {
            let sqlite = try #require(f.store as? SQLiteStore)
            texts = try sqlite.read { db in try String.fetchAll(db, sql: "SELECT text FROM outbox ORDER BY id") }
        }
        #expect(texts == ["", "a notice"])
    }

    @Test(arguments: Kind.allCases) func receiptsFindTheirMessageByThePeersID(_ kind: Kind) throws {
        let f = try fixture(kind)
        try f.write { tx throws in
            let one = try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "one part", at: 100))
            let two = try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.bob, text: "two parts", at: 101))
            try tx.markDelivered([one, two], at: 110)
            try tx.awaitReceipts(link: "smsc", peerIDs: ["A1F"], outbox: one)
            try tx.awaitReceipts(link: "smsc", peerIDs: ["b01", "b02"], outbox: two)
            #expect(try tx.failedOutboxCount() == 0)
        }
        try f.write { tx throws in
            let delivered = DeliveryReport(state: "DELIVRD"), undeliverable = DeliveryReport(messageState: 5)!
            // Another link's SMSC, an id nobody awaits: nothing.
            #expect(try tx.recordReceipt(link: "other", peerIDs: ["a1f"], report: delivered, at: 120) == nil)
            #expect(try tx.recordReceipt(link: "smsc", peerIDs: ["2591", "zz"], report: delivered, at: 120) == nil)
            // Found in any case, under any of the forms given, once.
            #expect(try tx.recordReceipt(link: "smsc", peerIDs: ["2591", "a1f"], report: delivered, at: 121) == 1)
            #expect(try tx.recordReceipt(link: "smsc", peerIDs: ["a1f"], report: delivered, at: 122) == nil)
            // One failed part fails the message, whatever the other part says after it.
            #expect(try tx.recordReceipt(link: "smsc", peerIDs: ["B02"], report: undeliverable, at: 123) == 2)
            #expect(try tx.recordReceipt(link: "smsc", peerIDs: ["b01"], report: delivered, at: 124) == 2)
            #expect(try tx.failedOutboxCount() == 1)
            // The receipts change no delivery mark.
            #expect(try tx.pendingOutbox(recipient: nil, limit: 10).isEmpty)
        }
        if let memory = f.store as? InMemoryStore {
            #expect(memory.state.receipts == [1: .init(state: "DELIVRD", failed: false), 2: .init(state: "UNDELIV", failed: true)])
            #expect(memory.state.receiptsAwaited.isEmpty)
        } else if let sqlite = f.store as? SQLiteStore {
            let rows = try sqlite.read { db in
                try Row.fetchAll(db, sql: "SELECT id, receipt, receipt_at, failed FROM outbox ORDER BY id")
                    .map { "\($0[0] as Int64) \($0[1] as String) \($0[2] as Int64) \($0[3] as Int64)" }
            }
            #expect(rows == ["1 DELIVRD 121 0", "2 UNDELIV 124 1"])
            #expect(try sqlite.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_receipts") } == 0)
        }
    }

    @Test func deliveryReportReadsBothForms() {
        #expect(DeliveryReport(messageState: 2)?.state == "DELIVRD")
        #expect(DeliveryReport(messageState: 8)?.isFailure == true)
        #expect(DeliveryReport(messageState: 0) == nil)
        #expect(DeliveryReport(messageState: 9) == nil)
        #expect(DeliveryReport(state: "undeliv").isFailure)
        #expect(DeliveryReport(state: "ACCEPTD").isDelivered)
        let enroute = DeliveryReport(state: "ENROUTE")
        #expect(!enroute.isFailure && !enroute.isDelivered)
        #expect(DeliveryReport(state: String(repeating: "X", count: 40)).state.count == 16)
    }

    // MARK: Audit

    @Test(arguments: Kind.allCases) func auditQueryReturnsTheLastMatchingRows(_ kind: Kind) throws {
        let f = try fixture(kind)
        let rows: [(Int64, String?)] = [(10, "36301234567"), (20, nil), (30, "36209876543"), (40, "36301234567"),
                                        (50, "36301234567"), (60, "36209876543")]
        try f.write { tx throws in
            for (at, number) in rows {
                try tx.audit(AuditEntry(at: at, account: "simulator", channel: "line", msisdn: number,
                                        request: "request \(at)", outcome: "ok"))
            }
        }
        try f.write { tx throws in
            func ids(_ number: String?, _ since: Int64?, _ limit: Int) throws -> [Int64] {
                try tx.auditEntries(msisdn: number, since: since, limit: limit).map(\.id)
            }
            let all = try tx.auditEntries(msisdn: nil, since: nil, limit: 100)
            #expect(all.map(\.id) == [1, 2, 3, 4, 5, 6])
            #expect(all.map(\.entry.at) == rows.map(\.0))
            #expect(all[1].entry == AuditEntry(at: 20, account: "simulator", channel: "line", msisdn: nil,
                                               request: "request 20", outcome: "ok"))
            #expect(try ids(nil, nil, 2) == [5, 6])  // the newest two, newest last
            #expect(try ids("36301234567", nil, 100) == [1, 4, 5])
            #expect(try ids("36301234567", nil, 2) == [4, 5])
            #expect(try ids("36301234567", 40, 100) == [4, 5])
            #expect(try ids("36301234567", 41, 100) == [5])
            #expect(try ids(nil, 30, 100) == [3, 4, 5, 6])
            #expect(try ids(nil, 61, 100).isEmpty)
            #expect(try ids("36700000000", nil, 100).isEmpty)
            #expect(try ids(nil, nil, 0).isEmpty)
            #expect(try ids(nil, nil, -5).isEmpty)
        }
    }

    // MARK: Transactions

    @Test(arguments: Kind.allCases) func aThrowingWriteKeepsNoneOfTheServiceChanges(_ kind: Kind) throws {
        struct Boom: Error {}
        let f = try fixture(kind)
        #expect(throws: Boom.self) {
            try f.write { tx throws in
                try tx.setRate(Rate(prefix: "3690", price: 300, kind: .premium))
                try tx.addSubscription(Subscription(service: "horoscope", fee: 600, startedAt: 1), of: Self.alice)
                try tx.setSetting("premium-mt", to: "unblocked", of: Self.alice)
                try tx.incrementCounter("topups", period: "2026-01", of: Self.alice)
                try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "lost", at: 1))
                try tx.updateProfile(Subscriber(msisdn: Self.alice, product: .mix))
                throw Boom()
            }
        }
        try f.write { tx throws in
            #expect(try tx.rates(prefix: nil).isEmpty)
            #expect(try tx.subscriptions(of: Self.alice).isEmpty)
            #expect(try tx.settings(of: Self.alice).isEmpty)
            #expect(try tx.counter("topups", period: "2026-01", of: Self.alice) == 0)
            #expect(try tx.pendingOutbox(recipient: nil, limit: 10).isEmpty)
            #expect(try tx.subscriber(Self.alice)?.product == .prepaid)
            // The id of the lost message is given again.
            #expect(try tx.enqueue(OutgoingSMS(sender: "1430", recipient: Self.alice, text: "kept", at: 2)) == 1)
        }
    }
}

/// SQLite only: schema, migration and query plans.
@Suite struct StoreLifecycleTests {
    /// A savepoint inside a write: undone alone, or kept, the rest of the write stays.
    @Test func tentativeChangesAreUndoneAloneOrKept() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        let a = MSISDN(canonical: "36301234567"), b = MSISDN(canonical: "36307654321")
        try store.write { tx throws in
            try tx.addSubscriber(Subscriber(msisdn: a, product: .prepaid), pin: PINRecord(hash: nil))
            try tx.post(LedgerEntry(msisdn: a, bucket: .balance, amount: 100, kind: .topup, at: 1))
            try tx.tentatively {
                try tx.addSubscriber(Subscriber(msisdn: b, product: .prepaid), pin: PINRecord(hash: nil))
                try tx.post(LedgerEntry(msisdn: a, bucket: .balance, amount: 50, kind: .topup, at: 2))
                return false
            }
            #expect(try tx.subscriber(b) == nil && tx.subscriber(a)?.balance == 100)
            try tx.post(LedgerEntry(msisdn: a, bucket: .balance, amount: 1, kind: .topup, at: 3))
            try tx.tentatively {
                try tx.setRate(Rate(prefix: "3690", price: 5, kind: .premium))
                return true
            }
        }
        #expect(try store.write { try $0.subscriber(a)?.balance } == 101)
        #expect(try store.subscriberCount() == 1 && store.ledgerCount() == 2)
        #expect(try store.write { try $0.rate(for: "36901234", kind: .premium)?.price } == 5)
        #expect(try store.ledgerDiscrepancies().isEmpty)
    }

    /// What SUB SHOW lists and what a terminated number leaves behind.
    @Test func recentLedgerIsNewestFirstAndForgettingKeepsTheRowAndTheLedger() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        let a = MSISDN(canonical: "36301234567"), b = MSISDN(canonical: "36307654321")
        try store.write { tx throws in
            for m in [a, b] { try tx.addSubscriber(Subscriber(msisdn: m, product: .postpaid), pin: PINRecord(hash: "x")) }
            for i in 1...5 {
                try tx.post(LedgerEntry(msisdn: i % 2 == 0 ? b : a, bucket: .unbilled, amount: Int64(i), kind: .charge,
                                        reference: "r\(i)", at: Int64(i)))
            }
            #expect(try tx.recentLedger(of: a, limit: 2).map(\.amount) == [5, 3])
            #expect(try tx.recentLedger(of: b, limit: 10).map(\.reference) == ["r4", "r2"])
            try tx.addBill(Bill(period: "2026-10", amount: 9), of: a)
            try tx.addBill(Bill(period: "2026-10", amount: 10), of: a)  // replaces
            #expect(try tx.lastBill(of: a) == Bill(period: "2026-10", amount: 10))
            try tx.setSetting("clir", to: "on", of: a)
            _ = try tx.addSubscription(Subscription(service: "horoscope", fee: 600, startedAt: 1), of: a)
            _ = try tx.incrementCounter("topups", period: "2026-01", of: a)
            try tx.forgetSubscriber(a, bills: false)
            #expect(try tx.lastBill(of: a) != nil && tx.settings(of: a).isEmpty && tx.subscriptions(of: a).isEmpty)
            #expect(try tx.pin(of: a)?.hash == nil && tx.counter("topups", period: "2026-01", of: a) == 0)
            try tx.forgetSubscriber(a, bills: true)
            #expect(try tx.lastBill(of: a) == nil && tx.subscriber(a)?.unbilled == 9)
            #expect(try tx.recentLedger(of: a, limit: 10).count == 3 && tx.pin(of: b)?.hash == "x")
        }
    }
}

@Suite struct StoreServicesSchemaTests {
    @Test func aVersion1DatabaseMigratesAndKeepsItsData() throws {
        let dir = try TempDir()
        let v1 = ["v1-subscribers", "v1-accounts", "v1-ledger", "v1-audit", "v1-bills"]
        try SQLiteStore.createOlderDatabase(path: dir.db(), upTo: "v1-bills", sql: """
            INSERT INTO subscribers(msisdn, product, balance) VALUES ('36301234567', 'prepaid', 700);
            INSERT INTO ledger(at, msisdn, bucket, amount, kind) VALUES (1, '36301234567', 'balance', 700, 'opening');
            INSERT INTO audit(at, channel, msisdn, request, outcome) VALUES (1, 'line', '36301234567', 'SMS', 'ok');
            """)
        let store = try SQLiteStore(path: dir.db())
        #expect(try store.appliedMigrations() == Migrations.names)
        #expect(Array(Migrations.names.prefix(v1.count)) == v1)
        #expect(Migrations.names.dropFirst(v1.count)
                == ["v2-rates", "v2-subscriptions", "v2-settings", "v2-counters", "v2-outbox", "v3-hot-rows", "v4-outbox-receipts", "v5-outbox-secrets", "v6-meta", "v7-idempotency", "v8-smpp-recent", "v9-smpp-recent-slots",
                   "v10-subscriber-lifecycle"])
        #expect(try store.subscriber("36301234567")?.balance == 700)
        #expect(try store.ledgerDiscrepancies().isEmpty)
        let number = msisdn("36301234567")
        try store.write { tx throws in
            #expect(try tx.auditEntries(msisdn: nil, since: nil, limit: 5).map(\.entry.request) == ["SMS"])
            try tx.setRate(Rate(prefix: "3690", price: 300, kind: .premium))
            #expect(try tx.addSubscription(Subscription(service: "horoscope", fee: 600, startedAt: 1), of: number))
            try tx.setSetting("clir", to: "on", of: number)
            #expect(try tx.incrementCounter("topups", period: "2026-01", of: number) == 1)
            #expect(try tx.enqueue(OutgoingSMS(sender: "1430", recipient: number, text: "hi", at: 1)) == 1)
            // v10 widened two CHECKs in place: a terminated status and the new ledger kinds go in.
            try tx.post(LedgerEntry(msisdn: number, bucket: .balance, amount: -700, kind: .writeoff, at: 2))
            var ended = try #require(try tx.subscriber(number))
            ended.status = .terminated
            try tx.updateProfile(ended)
            #expect(try tx.subscriber(number)?.status == .terminated)
            #expect(try tx.recentLedger(of: number, limit: 1).map(\.kind) == [.writeoff])
        }
        try store.close()
        let reopened = try SQLiteStore(path: dir.db())
        #expect(try reopened.appliedMigrations() == Migrations.names)
        try reopened.write { tx throws in
            #expect(try tx.rate(for: "3690123456", kind: .premium)?.price == 300)
            #expect(try tx.subscriptions(of: number).map(\.service) == ["horoscope"])
            #expect(try tx.settings(of: number) == ["clir": "on"])
            #expect(try tx.pendingOutbox(recipient: number, limit: 5).map(\.text) == ["hi"])
        }
    }

    /// v3 rebuilds the subscriber row: a store of v2 keeps its subscribers and PINs and
    /// gets each last purchase from its ledger; `db check` tells a row that disagrees
    /// with the ledger.
    @Test func aVersion2DatabaseKeepsItsPINsAndGetsItsLastPurchasesFromTheLedger() throws {
        let dir = try TempDir()
        try SQLiteStore.createOlderDatabase(path: dir.db(), upTo: "v2-outbox", sql: """
            INSERT INTO subscribers(msisdn, product, balance) VALUES ('36301234567', 'prepaid', 450), ('36302222222', 'prepaid', 0);
            INSERT INTO subscribers(msisdn, product, status, birth_date, language, pin_hash, pin_failures, pin_locked_until)
                VALUES ('36303333333', 'mix', 'suspended', '2001-02-03', 'en', 'h', 2, 99);
            INSERT INTO subscriptions(msisdn, service, fee, started_at) VALUES ('36303333333', 'horoscope', 600, 1);
            INSERT INTO ledger(at, msisdn, bucket, amount, kind) VALUES
                (1, '36301234567', 'balance', 1000, 'opening'),
                (2, '36301234567', 'balance', -300, 'purchase'),
                (3, '36301234567', 'balance', -250, 'purchase'),
                (4, '36301234567', 'balance', 0, 'topup');
            """)
        let store = try SQLiteStore(path: dir.db())
        #expect(try store.appliedMigrations().last == "v10-subscriber-lifecycle")
        #expect(try store.ledgerDiscrepancies().isEmpty)
        try store.write { tx throws in
            let mix = try #require(try tx.subscriber(msisdn("36303333333")))
            #expect(mix.product == .mix && mix.status == .suspended && mix.language == .en
                    && mix.birthDate == CalendarDate(year: 2001, month: 2, day: 3))
            #expect(try tx.pin(of: msisdn("36303333333")) == PINRecord(hash: "h", failures: 2, lockedUntil: 99))
            #expect(try tx.pin(of: msisdn("36301234567")) == PINRecord(hash: nil, failures: 0, lockedUntil: nil))
            #expect(try tx.pin(of: msisdn("36309999999")) == nil)
            #expect(try tx.subscriptions(of: msisdn("36303333333")).map(\.service) == ["horoscope"])
            #expect(try tx.subscriber(msisdn("36301234567"))?.balance == 450)
            #expect(try tx.lastPurchase(of: msisdn("36301234567")) == Purchase(at: 3, amount: 250))
            #expect(try tx.lastPurchase(of: msisdn("36302222222")) == nil)
            // A new purchase replaces it, read through the subscriber row or on its own.
            try tx.post(LedgerEntry(msisdn: msisdn("36302222222"), bucket: .balance, amount: 0, kind: .purchase, at: 9))
            #expect(try tx.subscriber(msisdn("36302222222")) != nil)
            #expect(try tx.lastPurchase(of: msisdn("36302222222")) == Purchase(at: 9, amount: 0))
        }
        try store.unsafeExecute("UPDATE subscribers SET last_purchase_amount = -1 WHERE msisdn = '36301234567'")
        #expect(try store.ledgerDiscrepancies()
                == ["36301234567 last purchase: row amount -1 at 3, ledger amount -250 at 3"])
    }

    /// The rate table is kept in memory between writes (see `RateTable`); it is never
    /// stale: a rate set in a write that rolls back is forgotten, and a change committed
    /// by another connection (an ops `sqlite3` session) is seen by the next write.
    @Test func theRateTableInMemoryFollowsRollbacksAndOtherConnections() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.write { tx throws in try tx.setRate(Rate(prefix: "3690", price: 300, kind: .premium)) }
        func price() throws -> Int64? { try store.write { tx throws in try tx.rate(for: "3690123456", kind: .premium)?.price } }
        #expect(try price() == 300)

        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try store.write { tx throws in
                try tx.setRate(Rate(prefix: "369012", price: 999, kind: .premium))
                #expect(try tx.rate(for: "3690123456", kind: .premium)?.price == 999)  // seen inside the write
                throw Abort()
            }
        }
        #expect(try price() == 300)

        let other = try SQLiteStore(path: dir.db())
        try other.unsafeExecute("UPDATE rates SET price = 450 WHERE prefix = '3690'")
        try other.unsafeExecute("INSERT INTO rates(prefix, kind, price) VALUES ('3691', 'premium', 500)")
        #expect(try price() == 450)
        #expect(try store.write { tx throws in try tx.rate(for: "3691000000", kind: .premium)?.price } == 500)
        try other.close()
    }

    @Test func schemaRejectsWhatTheModelCannotHold() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        try store.addPrepaid("36301234567")
        for sql in [
            "INSERT INTO rates(prefix, kind, price, adult) VALUES ('3690', 'gold', 1, 0)",
            "INSERT INTO rates(prefix, kind, price, adult) VALUES ('3690', 'premium', -1, 0)",
            "INSERT INTO rates(prefix, kind, price, adult) VALUES ('3690', 'premium', 1.5, 0)",
            "INSERT INTO rates(prefix, kind, price, adult) VALUES ('3690', 'premium', 1, 2)",
            "INSERT INTO rates(prefix, kind, price, adult) VALUES ('06a', 'premium', 1, 0)",
            "INSERT INTO rates(prefix, kind, price, adult) VALUES ('', 'premium', 1, 0)",
            "INSERT INTO subscriptions(msisdn, service, fee, started_at) VALUES ('36709999999', 'x', 1, 1)",
            "INSERT INTO settings(msisdn, key, value) VALUES ('36709999999', 'x', 'y')",
            "INSERT INTO counters(msisdn, name, period, count) VALUES ('36301234567', 'x', 'y', -1)",
            // v3 spells these checks with OR (see v3-hot-rows): they still hold.
            "INSERT INTO ledger(at, msisdn, bucket, amount, kind) VALUES (1, '36301234567', 'gold', 1, 'topup')",
            "INSERT INTO ledger(at, msisdn, bucket, amount, kind) VALUES (1, '36301234567', 'balance', 1, 'gift')",
            "INSERT INTO ledger(at, msisdn, bucket, amount, kind) VALUES (1, '36309999999', 'balance', 1, 'topup')",
            "INSERT INTO subscribers(msisdn, product) VALUES ('36307777777', 'platinum')",
            "INSERT INTO subscribers(msisdn, product) VALUES ('36307777777', 3)",
            "INSERT INTO subscribers(msisdn, product, language) VALUES ('36307777777', 0, 2)",
            "INSERT INTO pins(msisdn, hash) VALUES ('36309999999', 'h')",
        ] {
            #expect(throws: (any Error).self, "\(sql)") { try store.unsafeExecute(sql) }
        }
    }

    /// The hot look-ups probe indexes instead of scanning their table.
    @Test func lookupsAreIndexDriven() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        let plans: [(SQLiteTransaction.SQL, String)] = [
            (.exactRate, "SEARCH rates USING PRIMARY KEY (prefix=? AND kind=?)"),
            (.rates, "SEARCH rates USING PRIMARY KEY (prefix>? AND prefix<?)"),
            (.subscriptions, "SEARCH subscriptions USING PRIMARY KEY (msisdn=?)"),
            (.setting, "SEARCH settings USING PRIMARY KEY (msisdn=? AND key=?)"),
            (.counter, "SEARCH counters USING PRIMARY KEY (msisdn=? AND name=? AND period=?)"),
            // A scan of the partial index: pending rows only, however long the history.
            (.pendingOutbox, "SCAN outbox USING INDEX outbox_pending"),
            (.pendingOutboxTo, "SEARCH outbox USING INDEX outbox_pending_by_recipient (recipient=?)"),
        ]
        for (sql, expected) in plans {
            let plan = try store.queryPlan(sql.text)
            #expect(plan.first == expected, "\(sql): \(plan)")
        }
    }
}
