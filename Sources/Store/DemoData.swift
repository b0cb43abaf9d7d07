import Model
import Numbering

/// The `selfcare db init --demo` data: two accounts, one subscriber of each kind the
/// 1730 answer distinguishes, and a small rate table so every SMS service can be tried. Installed through the ``SubscriberStore`` protocol only, so
/// the engine's unit tests can load the very same data into an ``InMemoryStore``.
///
/// Every amount is a ledger row (opening amounts included), so every bucket equals the
/// sum of its ledger. The passwords and PINs are public: they exist only with `--demo`.
public enum DemoData {
    /// A login and its clear-text password (hashed when installed).
    public struct AccountSeed: Sendable {
        public let name: String
        public let role: Role
        public let password: String
    }

    /// One ledger row of a demo subscriber, dated relative to the install time.
    public struct Post: Sendable {
        public let bucket: Bucket
        public let amount: Int64
        public let kind: LedgerKind
        public let reference: String?
        public let daysAgo: Int64
    }

    /// A demo subscriber: `subscriber` carries the bucket values the posts add up to.
    public struct SubscriberSeed: Sendable {
        public let subscriber: Subscriber
        public let pin: String
        public let posts: [Post]
        /// Amount of the closed bill of the month before the install time, if any.
        public let lastBillAmount: Int64?
        /// One line for the README.
        public let summary: String
    }

    /// A demo rate and the line the README lists for it.
    public struct RateSeed: Sendable {
        public let rate: Rate
        public let summary: String
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Demo data is installed once; a second install would duplicate ledger rows.
        case alreadyInstalled(String)

        public var description: String {
            switch self {
            case .alreadyInstalled(let what):
                return "demo data already installed (\(what) exists); start from an empty database"
            }
        }
    }

    public static let accounts: [AccountSeed] = [
        AccountSeed(name: "simulator", role: .network, password: "simulator"),
        AccountSeed(name: "ops", role: .operator, password: "ops"),
    ]

    public static let subscribers: [SubscriberSeed] = [
        SubscriberSeed(
            subscriber: Subscriber(
                msisdn: MSISDN(canonical: "36301111111"), product: .prepaid,
                birthDate: CalendarDate(year: 1985, month: 3, day: 21), language: .hu,
                balance: 5_000, universalBalance: 1_000),
            pin: "11111",
            posts: [
                Post(bucket: .balance, amount: 5_300, kind: .opening, reference: "demo", daysAgo: 10),
                Post(bucket: .universal, amount: 1_000, kind: .opening, reference: "demo", daysAgo: 10),
                Post(bucket: .balance, amount: -300, kind: .purchase, reference: "06901234567 premium SMS", daysAgo: 3),
            ],
            lastBillAmount: nil,
            summary: "prepaid, Hungarian, PIN 11111, balance 5 000 Ft, universal 1 000 Ft, born 1985-03-21, last purchase 300 Ft"),
        SubscriberSeed(
            subscriber: Subscriber(
                msisdn: MSISDN(canonical: "36302222222"), product: .postpaid, language: .en,
                unbilled: 3_450),
            pin: "22222",
            posts: [
                Post(bucket: .unbilled, amount: 2_990, kind: .opening, reference: "demo", daysAgo: 10),
                Post(bucket: .unbilled, amount: 460, kind: .charge, reference: "demo calls", daysAgo: 1),
            ],
            lastBillAmount: 8_990,
            summary: "postpaid, English, PIN 22222, unbilled 3 450 Ft, last bill 8 990 Ft (previous month)"),
        SubscriberSeed(
            subscriber: Subscriber(
                msisdn: MSISDN(canonical: "36303333333"), product: .mix, language: .hu,
                balance: 1_500, allowance: 2_600),
            pin: "33333",
            posts: [
                Post(bucket: .allowance, amount: 2_600, kind: .opening, reference: "demo", daysAgo: 10),
                Post(bucket: .balance, amount: 1_500, kind: .opening, reference: "demo", daysAgo: 10),
            ],
            lastBillAmount: nil,
            summary: "Mix, Hungarian, PIN 33333, allowance left 2 600 Ft, balance 1 500 Ft"),
        SubscriberSeed(
            subscriber: Subscriber(
                msisdn: MSISDN(canonical: "36304444444"), product: .prepaid,
                birthDate: CalendarDate(year: 2012, month: 6, day: 1), language: .hu,
                balance: 2_000),
            pin: "44444",
            posts: [
                Post(bucket: .balance, amount: 2_000, kind: .opening, reference: "demo", daysAgo: 10),
            ],
            lastBillAmount: nil,
            summary: "prepaid, Hungarian, PIN 44444, balance 2 000 Ft, born 2012-06-01 (a minor)"),
        SubscriberSeed(
            subscriber: Subscriber(
                msisdn: MSISDN(canonical: "36305555555"), product: .prepaid, status: .suspended,
                language: .hu, balance: 800),
            pin: "55555",
            posts: [
                Post(bucket: .balance, amount: 800, kind: .opening, reference: "demo", daysAgo: 10),
            ],
            lastBillAmount: nil,
            summary: "prepaid, Hungarian, suspended, PIN 55555, balance 800 Ft"),
    ]

    /// Prefixes are canonical digits (`PhoneNumber.normalisedPrefix("0690")` is `3690`). No
    /// demo subscriber has settings: premium MT stays blocked until they unblock it.
    public static let rates: [RateSeed] = [
        RateSeed(rate: Rate(prefix: "3690", price: 300, kind: .premium),
                 summary: "premium SMS to 0690…: 300 Ft"),
        RateSeed(rate: Rate(prefix: "3691", price: 500, kind: .premium, adult: true),
                 summary: "premium SMS to 0691… (adult): 500 Ft"),
        RateSeed(rate: Rate(prefix: "16", price: 150, kind: .premium),
                 summary: "premium SMS to any 16xxx short code: 150 Ft"),
        RateSeed(rate: Rate(prefix: "3690", price: 100, kind: .premiumMT),
                 summary: "premium SMS received from 0690…: 100 Ft"),
        RateSeed(rate: Rate(prefix: "3691", price: 250, kind: .premiumMT, adult: true),
                 summary: "premium SMS received from 0691… (adult): 250 Ft"),
        RateSeed(rate: Rate(prefix: "16", price: 60, kind: .premiumMT),
                 summary: "premium SMS received from any 16xxx short code: 60 Ft"),
        RateSeed(rate: Rate(prefix: "777", price: 500, kind: .subscription),
                 summary: "InfoSMS subscription, every 777 topic: 500 Ft a month"),
        RateSeed(rate: Rate(prefix: "363080807", price: 400, kind: .subscription),
                 summary: "partner subscription, 06 30 808 07xx (e.g. 06308080712): 400 Ft a month"),
        RateSeed(rate: Rate(prefix: "36303030440", price: 600, kind: .subscription),
                 summary: "horoscope subscription, 06 30 303 0440: 600 Ft a month"),
        RateSeed(rate: Rate(prefix: "136", price: 250, kind: .donation),
                 summary: "donation SMS to 136xx (13600 …): 250 Ft each"),
    ]

    /// Installs the accounts, subscribers and rates in one transaction, dating the ledger rows
    /// relative to `now` (Unix seconds). Throws ``Failure/alreadyInstalled(_:)``, and
    /// changes nothing, when any demo account, subscriber or rate already exists.
    public static func install(into store: any SubscriberStore, now: Int64) throws {
        // Hash outside the transaction: PBKDF2 is deliberately slow.
        let accountHashes = accounts.map { PasswordHash.make($0.password) }
        let pinHashes = subscribers.map { PasswordHash.make($0.pin) }
        let billPeriod = previousMonth(of: now)

        try store.write { tx in
            for seed in accounts where try tx.account(named: seed.name) != nil {
                throw Failure.alreadyInstalled("account \(seed.name)")
            }
            for seed in subscribers where try tx.subscriber(seed.subscriber.msisdn) != nil {
                throw Failure.alreadyInstalled("subscriber \(seed.subscriber.msisdn.digits)")
            }
            for seed in rates where try tx.rates(prefix: seed.rate.prefix).contains(where: {
                $0.prefix == seed.rate.prefix && $0.kind == seed.rate.kind
            }) {
                throw Failure.alreadyInstalled("rate \(seed.rate.prefix) \(seed.rate.kind.rawValue)")
            }
            for (seed, hash) in zip(accounts, accountHashes) {
                try tx.saveAccount(Account(name: seed.name, role: seed.role, passwordHash: hash))
            }
            for (seed, hash) in zip(subscribers, pinHashes) {
                let msisdn = seed.subscriber.msisdn
                try tx.addSubscriber(seed.subscriber, pin: PINRecord(hash: hash))
                for post in seed.posts {
                    try tx.post(LedgerEntry(msisdn: msisdn, bucket: post.bucket, amount: post.amount,
                                            kind: post.kind, reference: post.reference,
                                            at: now - post.daysAgo * 86_400))
                }
                if let amount = seed.lastBillAmount {
                    try tx.addBill(Bill(period: billPeriod, amount: amount), of: msisdn)
                }
            }
            for seed in rates { try tx.setRate(seed.rate) }
        }
    }

    /// `YYYY-MM` of the month before the one containing `now` (UTC).
    public static func previousMonth(of now: Int64) -> String {
        let today = CivilTime.date(days: CivilTime.floorDiv(now, 86_400))
        let previous = today.month == 1
            ? CalendarDate(year: today.year - 1, month: 12, day: 1)
            : CalendarDate(year: today.year, month: today.month - 1, day: 1)
        return String(previous.iso.prefix(7))
    }
}
