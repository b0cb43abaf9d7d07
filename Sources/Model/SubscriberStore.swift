import Numbering

/// What the engine may read and change, inside one transaction.
///
/// The durable implementation is `Store.SQLiteStore`; ``InMemoryStore`` is its twin for
/// unit tests. Every method runs inside ``SubscriberStore/write(_:)``: either all the
/// changes of the transaction are kept, or none.
/// How many of the newest ledger rows ``StoreTransaction/recentLedger(of:limit:)`` looks at.
public let recentLedgerWindow = 100_000

public protocol StoreTransaction {
    /// The subscriber with that number, or `nil`.
    func subscriber(_ msisdn: MSISDN) throws -> Subscriber?
    /// The PIN record of an existing subscriber, or `nil` when there is no such subscriber.
    func pin(of msisdn: MSISDN) throws -> PINRecord?
    /// Replaces the PIN record (hash, failure counter, lock).
    func setPIN(_ record: PINRecord, of msisdn: MSISDN) throws
    /// The latest ledger row of kind `purchase`, as a positive amount.
    func lastPurchase(of msisdn: MSISDN) throws -> Purchase?
    /// The latest closed bill.
    func lastBill(of msisdn: MSISDN) throws -> Bill?
    /// The subscribers `query` shows, in number order.
    func subscribers(matching query: SubscriberQuery) throws -> [Subscriber]
    /// Adds a closed bill (operators, demo data); one for the same period is replaced.
    func addBill(_ bill: Bill, of msisdn: MSISDN) throws
    /// The subscriber's latest ledger rows, newest first, among the store's last
    /// ``recentLedgerWindow`` rows (the ledger has no index by number: it is written by
    /// every charge, and an operator's look at one subscriber does not pay for that).
    func recentLedger(of msisdn: MSISDN, limit: Int) throws -> [LedgerEntry]
    /// Deletes what a subscriber holds besides its row and its ledger: PIN, settings,
    /// subscriptions, counters, and with `bills` its closed bills (a terminated number
    /// given to someone new).
    func forgetSubscriber(_ msisdn: MSISDN, bills: Bool) throws
    /// Runs `body` in a savepoint: its changes stay when it returns `true`; otherwise
    /// they are undone and the rest of the transaction (other clients' requests of the
    /// same batch) goes on untouched. An import's dry run and its all-or-nothing over the
    /// ops API. `body` must not audit (audit rows are queued apart from the savepoint).
    func tentatively(_ body: () throws -> Bool) throws
    /// The account with that login name, or `nil`.
    func account(named name: String) throws -> Account?
    /// Creates or replaces an account.
    func saveAccount(_ account: Account) throws
    /// Creates a subscriber. Its buckets start at 0: opening amounts are ledger posts.
    /// Throws ``StoreError/duplicateSubscriber`` when the number exists.
    func addSubscriber(_ subscriber: Subscriber, pin: PINRecord) throws
    /// Adds `entry.amount` to `entry.bucket` of the subscriber and appends the ledger row,
    /// both or neither. Returns the bucket's new value.
    /// Throws ``StoreError/unknownSubscriber`` when the number does not exist.
    @discardableResult
    func post(_ entry: LedgerEntry) throws -> Int64
    /// Appends an audit row. It commits or rolls back with the transaction; the SQLite
    /// store queues it and inserts the transaction's rows in batches before the commit.
    func audit(_ entry: AuditEntry) throws

    // MARK: Rates

    /// The rate of that kind whose prefix is the LONGEST prefix of `number` (canonical
    /// digits, as ``Destination/digits``), or `nil`: `0691` beats `069` for 0691123456.
    func rate(for number: String, kind: RateKind) throws -> Rate?
    /// The rates whose prefix starts with `prefix` (all when `nil`), ordered by prefix,
    /// then by kind (its raw value, as text).
    func rates(prefix: String?) throws -> [Rate]
    /// Inserts the rate, or replaces the one with the same prefix and kind, which it
    /// returns. Throws ``StoreError/invalidRate(_:)`` (changing nothing) when
    /// ``Rate/problem`` says why the rate cannot be stored.
    @discardableResult
    func setRate(_ rate: Rate) throws -> Rate?
    /// Deletes the rates with exactly this prefix, of one kind or of all kinds when `kind`
    /// is `nil`, and returns them (ordered by kind).
    @discardableResult
    func deleteRates(prefix: String, kind: RateKind?) throws -> [Rate]

    // MARK: Subscriber profile

    /// Writes product, status, birth date and language of an existing subscriber; never
    /// money (money moves only through ``post(_:)``: the buckets of `subscriber` are ignored).
    /// Throws ``StoreError/unknownSubscriber`` when the number does not exist.
    func updateProfile(_ subscriber: Subscriber) throws

    // MARK: Subscriptions

    /// The running subscriptions of the subscriber, ordered by service.
    func subscriptions(of msisdn: MSISDN) throws -> [Subscription]
    /// The subscription to that service, or `nil`.
    func subscription(_ service: String, of msisdn: MSISDN) throws -> Subscription?
    /// Starts a subscription. `false`, and nothing changed, when the subscriber already
    /// has one to that service. Throws ``StoreError/unknownSubscriber`` when the number
    /// does not exist.
    @discardableResult
    func addSubscription(_ subscription: Subscription, of msisdn: MSISDN) throws -> Bool
    /// Ends a subscription; `false` when there was none.
    @discardableResult
    func removeSubscription(_ service: String, of msisdn: MSISDN) throws -> Bool

    // MARK: Settings

    /// One per-subscriber setting (premium MT unblock, range bars, favourite numbers, call
    /// forwarding, barring, CLIR …), or `nil` when unset.
    func setting(_ key: String, of msisdn: MSISDN) throws -> String?
    /// Every setting of the subscriber.
    func settings(of msisdn: MSISDN) throws -> [String: String]
    /// Sets a setting; `nil` deletes it. Setting a value throws
    /// ``StoreError/unknownSubscriber`` when the number does not exist; deleting one that
    /// is not there does nothing.
    func setSetting(_ key: String, to value: String?, of msisdn: MSISDN) throws

    // MARK: Counters

    /// How many times `name` was counted in `period` (call-me-back per pair per day,
    /// top-ups received per month …); 0 when never.
    func counter(_ name: String, period: String, of msisdn: MSISDN) throws -> Int
    /// Counts one more and returns the new value. Throws ``StoreError/unknownSubscriber``
    /// when the number does not exist.
    @discardableResult
    func incrementCounter(_ name: String, period: String, of msisdn: MSISDN) throws -> Int

    // MARK: Outbox

    /// Queues an SMS for the gateway to send; written in the same transaction as its
    /// cause. Returns its id (ids grow: the queue's order).
    @discardableResult
    func enqueue(_ sms: OutgoingSMS) throws -> Int64
    /// Undelivered messages, oldest first, to one recipient (all when `nil`), at most
    /// `limit` (none when `limit` ≤ 0).
    func pendingOutbox(recipient: MSISDN?, limit: Int) throws -> [OutboxMessage]
    /// How many messages wait for delivery (the outbox depth of `/metrics`).
    func pendingOutboxCount() throws -> Int
    /// Marks messages delivered at `at`, and blanks the text of the secret ones (nothing
    /// readable stays behind). Unknown ids and messages already delivered are left as
    /// they are.
    func markDelivered(_ ids: [Int64], at: Int64) throws
    /// Remembers the ids `link`'s peer gave the parts of message `id` (each part's
    /// `message_id`), so that their receipts find the message.
    func awaitReceipts(link: String, peerIDs: [String], outbox id: Int64) throws
    /// A receipt from `link` for the part its peer knows as one of `peerIDs` (the forms
    /// the id may take): records `report` on the message (a failure stays recorded
    /// whatever its other parts report) and forgets that part. Returns the message's
    /// id; `nil` when no awaited part has any of these ids (nothing changes).
    func recordReceipt(link: String, peerIDs: [String], report: DeliveryReport, at: Int64) throws -> Int64?
    /// How many messages a receipt reported not delivered (`/metrics`).
    func failedOutboxCount() throws -> Int

    // MARK: Idempotency keys

    /// The request first run under `key` by `account`, with its answer; `nil` when none.
    func idempotencyRecord(account: String, key: String) throws -> IdempotencyRecord?
    /// Keeps `record` (in the transaction of the request's effects).
    func saveIdempotencyRecord(_ record: IdempotencyRecord) throws
    /// Forgets at most `limit` records older than `before`; how many went.
    @discardableResult
    func pruneIdempotencyRecords(before: Int64, limit: Int) throws -> Int
    /// Keeps an SMPP MO that ran (in its transaction); the oldest beyond
    /// ``RememberedMO/capacity`` make room.
    func rememberMO(_ mo: RememberedMO) throws
    /// The SMPP MOs kept that committed at or after `since`, oldest first.
    func rememberedMOs(since: Int64) throws -> [RememberedMO]

    // MARK: Audit

    /// The LAST `limit` audit rows (none when `limit` ≤ 0) about `msisdn` (any when `nil`)
    /// written at or after `since` (any time when `nil`), in id order: newest last.
    func auditEntries(msisdn: String?, since: Int64?, limit: Int) throws -> [AuditRecord]
}

/// A store of subscribers, accounts, ledger, audit, rates and the services' state.
public protocol SubscriberStore: AnyObject {
    /// Runs `body` in one write transaction and commits it; when `body` or the commit
    /// throws, nothing of it is kept and the error is rethrown.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// How many outbox messages wait for delivery, read without taking the write lock
    /// where the store can (a metrics scrape must not queue behind the writers).
    func pendingOutboxCount() throws -> Int
    /// The SMPP MOs kept since `since` (``StoreTransaction/rememberedMOs(since:)``), read
    /// at start without a write transaction where the store can.
    func rememberedMOs(since: Int64) throws -> [RememberedMO]
}

extension SubscriberStore {
    public func pendingOutboxCount() throws -> Int { try write { try $0.pendingOutboxCount() } }
    public func rememberedMOs(since: Int64) throws -> [RememberedMO] { try write { try $0.rememberedMOs(since: since) } }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unknownSubscriber(String)
    case duplicateSubscriber(String)
    /// A bucket would pass the range of a 64-bit integer.
    case overflow
    /// A rate the store cannot hold (``Rate/problem`` says why).
    case invalidRate(String)

    public var description: String {
        switch self {
        case .unknownSubscriber(let n): return "unknown subscriber \(n)"
        case .duplicateSubscriber(let n): return "subscriber \(n) exists"
        case .overflow: return "amount out of range"
        case .invalidRate(let why): return "invalid rate: \(why)"
        }
    }
}
