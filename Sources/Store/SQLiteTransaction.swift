import GRDB
// The SQLite C API as GRDB links it (GRDB's own module for the system libsqlite3).
import GRDBSQLite
import Model
import Numbering

/// One `write` transaction: the per-request statements of the engine.
///
/// Valid only inside the `write` body that received it. This is the hot path (every
/// request of the server runs some of these, many per group commit), so:
/// - every statement is prepared once per connection (GRDB's statement cache, with
///   `SQLITE_PREPARE_PERSISTENT`) and looked up once per transaction;
/// - parameters are bound and rows read through the SQLite C API on GRDB's prepared
///   statement, which skips GRDB's `StatementArguments` arrays, argument validation and
///   `Row` objects: about half the CPU time of a small statement;
/// - a subscriber load reads no PIN column.
final class SQLiteTransaction: StoreTransaction {
    private let db: Database
    private let connection: SQLiteConnection?
    /// Set when a multi-statement change failed half-way: `write` then rolls back.
    private(set) var poison: (any Error)?
    /// GRDB statements (they own the `sqlite3_stmt`) fetched by this transaction so far.
    private var statements: [Statement?] = Array(repeating: nil, count: SQL.allCases.count)

    /// The money and last purchase of the subscriber row read last, kept up to date by
    /// `post` (the only writer of those columns): a 1730 answer needs no second
    /// statement for the last purchase, and a post needs no `RETURNING` (SQLite builds
    /// an ephemeral table for it, 80k instructions) nor a read-back for the new value.
    private var lastRead: RowCache?
    /// Audit rows queued by ``audit(_:)`` for ``flushAudits()``.
    private var pendingAudits: [PendingAudit] = []

    private struct RowCache {
        /// The row as read, its buckets moved by every post since.
        var subscriber: Subscriber
        var purchase: Purchase?
        var msisdn: MSISDN { subscriber.msisdn }
    }

    /// Where bound text lives until the next write (see ``BindArena``).
    private let arena: BindArena
    /// The store's rate table, loaded on first use (see ``RateTable``).
    private let rateCache: RateCache

    init(_ db: Database, arena: BindArena, rates: RateCache) {
        self.db = db
        self.connection = db.sqliteConnection
        self.arena = arena
        self.rateCache = rates
        arena.reset()
        pendingAudits.reserveCapacity(256)  // one allocation for a whole pass
    }

    /// The start of the write: the rate table is read again if another connection
    /// committed since the last write (`PRAGMA data_version`).
    func begin() throws {
        let s = try prepared(.dataVersion)
        defer { sqlite3_reset(s) }
        guard try step(s) else { return }
        rateCache.begin(dataVersion: sqlite3_column_int64(s, 0))
    }

    /// The end of the write: no statement keeps pointers into the arena, which the next
    /// write reuses.
    func finish() {
        rateCache.end()
        for statement in statements {
            if let statement { sqlite3_clear_bindings(statement.sqliteStatement) }
        }
    }

    // MARK: StoreTransaction

    func subscriber(_ msisdn: MSISDN) throws -> Subscriber? {
        let s = try prepared(.subscriber)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        guard try step(s) else { return nil }
        guard let product = Product(storeCode: sqlite3_column_int64(s, 0)),
              let status = SubscriberStatus(storeCode: sqlite3_column_int64(s, 1)),
              let language = Language(storeCode: sqlite3_column_int64(s, 3))
        else { throw StoreFailure.corruptRow("subscriber \(msisdn.digits)") }
        var birthDate: CalendarDate?
        if sqlite3_column_type(s, 2) != SQLITE_NULL {
            birthDate = Self.date(bytes(s, 2))
            if birthDate == nil { throw StoreFailure.corruptRow("subscriber \(msisdn.digits) birth_date") }
        }
        let subscriber = Subscriber(msisdn: msisdn, product: product, status: status, birthDate: birthDate,
                                    language: language, balance: sqlite3_column_int64(s, 4),
                                    universalBalance: sqlite3_column_int64(s, 5), unbilled: sqlite3_column_int64(s, 6),
                                    allowance: sqlite3_column_int64(s, 7))
        lastRead = RowCache(
            subscriber: subscriber,
            purchase: sqlite3_column_type(s, 8) == SQLITE_NULL ? nil
                : Self.purchase(at: sqlite3_column_int64(s, 8), ledgerAmount: sqlite3_column_int64(s, 9)))
        return subscriber
    }

    func pin(of msisdn: MSISDN) throws -> PINRecord? {
        let s = try prepared(.pin)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        guard try step(s) else { return nil }
        return PINRecord(hash: optionalText(s, 0), failures: Int(sqlite3_column_int64(s, 1)),
                         lockedUntil: optionalInt64(s, 2))
    }

    func setPIN(_ record: PINRecord, of msisdn: MSISDN) throws {
        let s = try prepared(.setPIN)
        defer { sqlite3_reset(s) }
        bind(s, 1, record.hash)
        sqlite3_bind_int64(s, 2, Int64(record.failures))
        bind(s, 3, record.lockedUntil)
        bind(s, 4, msisdn.digits)
        _ = try step(s)
        if sqlite3_changes(connection) == 0 { throw StoreError.unknownSubscriber(msisdn.digits) }
    }

    func lastPurchase(of msisdn: MSISDN) throws -> Purchase? {
        // The 1730 answer asks right after reading the subscriber: that row had it.
        if let lastRead, lastRead.msisdn == msisdn { return lastRead.purchase }
        let s = try prepared(.lastPurchase)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        guard try step(s) else { return nil }
        return Self.purchase(at: sqlite3_column_int64(s, 0), ledgerAmount: sqlite3_column_int64(s, 1))
    }

    /// Purchases are posted negative; Int64.min has no positive twin, so it saturates.
    private static func purchase(at: Int64, ledgerAmount amount: Int64) -> Purchase {
        Purchase(at: at, amount: amount == .min ? .max : -amount)
    }

    func lastBill(of msisdn: MSISDN) throws -> Bill? {
        let s = try prepared(.lastBill)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        guard try step(s) else { return nil }
        return Bill(period: text(s, 0), amount: sqlite3_column_int64(s, 1))
    }

    func addBill(_ bill: Bill, of msisdn: MSISDN) throws {
        let s = try prepared(.addBill)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, bill.period)
        sqlite3_bind_int64(s, 3, bill.amount)
        _ = try step(s)
    }

    func account(named name: String) throws -> Account? {
        let s = try prepared(.account)
        defer { sqlite3_reset(s) }
        bind(s, 1, name)
        guard try step(s) else { return nil }
        let roleText = text(s, 0)
        guard let role = Role(rawValue: roleText) else { throw StoreFailure.corruptRow("account \(name) role \(roleText)") }
        return Account(name: name, role: role, passwordHash: text(s, 1))
    }

    func saveAccount(_ account: Account) throws {
        let s = try prepared(.saveAccount)
        defer { sqlite3_reset(s) }
        bind(s, 1, account.name)
        bind(s, 2, account.role.rawValue)
        bind(s, 3, account.passwordHash)
        _ = try step(s)
    }

    func addSubscriber(_ subscriber: Subscriber, pin: PINRecord) throws {
        let s = try prepared(.addSubscriber)
        defer { sqlite3_reset(s) }
        bind(s, 1, subscriber.msisdn.digits)
        sqlite3_bind_int64(s, 2, subscriber.product.storeCode)
        sqlite3_bind_int64(s, 3, subscriber.status.storeCode)
        bind(s, 4, subscriber.birthDate?.iso)
        sqlite3_bind_int64(s, 5, subscriber.language.storeCode)
        _ = try step(s)
        // ON CONFLICT DO NOTHING: no row inserted means the number exists.
        if sqlite3_changes(connection) == 0 { throw StoreError.duplicateSubscriber(subscriber.msisdn.digits) }
        if pin.hash != nil || pin.failures != 0 || pin.lockedUntil != nil { try setPIN(pin, of: subscriber.msisdn) }
    }

    @discardableResult
    func post(_ entry: LedgerEntry) throws -> Int64 {
        let value = try addToBucket(entry)
        do {
            let s = try prepared(.ledger)
            defer { sqlite3_reset(s) }
            sqlite3_bind_int64(s, 1, entry.at)
            bind(s, 2, entry.msisdn.digits)
            bind(s, 3, entry.bucket.rawValue)
            sqlite3_bind_int64(s, 4, entry.amount)
            bind(s, 5, entry.kind.rawValue)
            bind(s, 6, entry.reference)
            _ = try step(s)
        } catch {
            // The bucket moved but its ledger row is missing: this transaction must not
            // commit, whatever the caller does with the error.
            poison = poison ?? error
            throw error
        }
        return value
    }

    /// The bucket update of `post`: one statement that changes nothing when the number
    /// is unknown or the sum would leave Int64. Returns the bucket's new value.
    private func addToBucket(_ entry: LedgerEntry) throws -> Int64 {
        let s = try prepared(SQL.post(entry.bucket, kind: entry.kind))
        defer { sqlite3_reset(s) }
        // The range the bucket may hold before adding `amount` without leaving Int64.
        sqlite3_bind_int64(s, 1, entry.amount)
        bind(s, 2, entry.msisdn.digits)
        sqlite3_bind_int64(s, 3, entry.amount < 0 ? Int64.min - entry.amount : Int64.min)
        sqlite3_bind_int64(s, 4, entry.amount > 0 ? Int64.max - entry.amount : Int64.max)
        if entry.kind == .purchase { sqlite3_bind_int64(s, 5, entry.at) }
        _ = try step(s)
        guard sqlite3_changes(connection) == 1 else {
            // Nothing changed: tell an unknown number from an overflow (rare path).
            guard try subscriber(entry.msisdn) != nil else { throw StoreError.unknownSubscriber(entry.msisdn.digits) }
            throw StoreError.overflow
        }
        if var row = lastRead, row.msisdn == entry.msisdn {
            // The row as read plus this amount: what the UPDATE just stored.
            row.subscriber[entry.bucket] += entry.amount
            if entry.kind == .purchase { row.purchase = Self.purchase(at: entry.at, ledgerAmount: entry.amount) }
            lastRead = row
        } else {
            _ = try subscriber(entry.msisdn)  // reads the row as updated into lastRead
        }
        guard let row = lastRead, row.msisdn == entry.msisdn else { throw StoreError.unknownSubscriber(entry.msisdn.digits) }
        return row.subscriber[entry.bucket]
    }

    /// Queues the row; ``flushAudits()`` inserts the queue before the commit.
    ///
    /// Every command writes an audit row, and a one-row INSERT pays SQLite's statement
    /// start and halt and a descent of the audit b-tree to its end each time: two thirds
    /// of the insert. Queued rows go in as multi-row INSERTs that pay it once per up to
    /// 64 rows, still inside this transaction, so they commit (or roll back) with the
    /// effects they record. The texts are copied into the arena now, so the caller's
    /// strings need not live on.
    func audit(_ entry: AuditEntry) throws {
        pendingAudits.append(PendingAudit(
            at: entry.at, account: entry.account.map(arena.copy), channel: arena.copy(entry.channel),
            msisdn: entry.msisdn.map(arena.copy), request: arena.copy(entry.request),
            outcome: arena.copy(entry.outcomeHead, entry.outcomeTail)))
    }

    /// Inserts the queued audit rows, in the order they were queued. Runs before the
    /// commit and before anything in this transaction reads the audit table.
    func flushAudits() throws {
        guard !pendingAudits.isEmpty else { return }
        defer { pendingAudits.removeAll(keepingCapacity: true) }
        var next = 0
        for (size, sql) in SQL.auditBatches {
            while pendingAudits.count - next >= size {
                let s = try prepared(sql)
                defer { sqlite3_reset(s) }
                for row in 0..<size {
                    let a = pendingAudits[next + row]
                    let base = Int32(row * 6)
                    sqlite3_bind_int64(s, base + 1, a.at)
                    bind(s, base + 2, a.account)
                    bind(s, base + 3, a.channel)
                    bind(s, base + 4, a.msisdn)
                    bind(s, base + 5, a.request)
                    bind(s, base + 6, a.outcome)
                }
                _ = try step(s)
                next += size
            }
        }
    }

    /// An audit row waiting for ``flushAudits()``: its texts as arena copies.
    private struct PendingAudit {
        var at: Int64
        var account: (UnsafeRawPointer, Int)?
        var channel: (UnsafeRawPointer, Int)
        var msisdn: (UnsafeRawPointer, Int)?
        var request: (UnsafeRawPointer, Int)
        var outcome: (UnsafeRawPointer, Int)
    }

    // MARK: Rates

    func rate(for number: String, kind: RateKind) throws -> Rate? {
        if let table = rateCache.table { return table.rate(for: number, kind: kind) }
        let s = try prepared(.allRates)
        defer { sqlite3_reset(s) }
        var all: [Rate] = []
        while try step(s) { all.append(try rate(s)) }
        let table = RateTable(all)
        rateCache.table = table
        return table.rate(for: number, kind: kind)
    }

    func rates(prefix: String?) throws -> [Rate] {
        let s = try prepared(.rates)
        defer { sqlite3_reset(s) }
        bind(s, 1, prefix ?? "")
        var rates: [Rate] = []
        while try step(s) { rates.append(try rate(s)) }
        return rates
    }

    @discardableResult
    func setRate(_ rate: Rate) throws -> Rate? {
        if let problem = rate.problem { throw StoreError.invalidRate(problem) }
        rateCache.changed()
        let previous = try exactRate(prefix: rate.prefix, kind: rate.kind)
        let s = try prepared(.setRate)
        defer { sqlite3_reset(s) }
        bind(s, 1, rate.prefix)
        bind(s, 2, rate.kind.rawValue)
        sqlite3_bind_int64(s, 3, rate.price)
        sqlite3_bind_int64(s, 4, rate.adult ? 1 : 0)
        _ = try step(s)
        return previous
    }

    @discardableResult
    func deleteRates(prefix: String, kind: RateKind?) throws -> [Rate] {
        rateCache.changed()
        let s = try prepared(.deleteRates)
        defer { sqlite3_reset(s) }
        bind(s, 1, prefix)
        bind(s, 2, kind?.rawValue)
        var deleted: [Rate] = []
        while try step(s) { deleted.append(try rate(s)) }
        // RETURNING has no defined order.
        return deleted.sorted { $0.kind.rawValue < $1.kind.rawValue }
    }

    private func exactRate(prefix: String, kind: RateKind) throws -> Rate? {
        let s = try prepared(.exactRate)
        defer { sqlite3_reset(s) }
        bind(s, 1, prefix)
        bind(s, 2, kind.rawValue)
        guard try step(s) else { return nil }
        return Rate(prefix: prefix, price: sqlite3_column_int64(s, 0), kind: kind, adult: sqlite3_column_int64(s, 1) != 0)
    }

    /// A rate from columns prefix, kind, price, adult.
    private func rate(_ s: SQLiteStatement) throws -> Rate {
        let kindText = text(s, 1)
        guard let kind = RateKind(rawValue: kindText) else { throw StoreFailure.corruptRow("rate kind \(kindText)") }
        return Rate(prefix: text(s, 0), price: sqlite3_column_int64(s, 2), kind: kind, adult: sqlite3_column_int64(s, 3) != 0)
    }

    // MARK: Subscriber profile

    func updateProfile(_ subscriber: Subscriber) throws {
        let s = try prepared(.updateProfile)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, subscriber.product.storeCode)
        sqlite3_bind_int64(s, 2, subscriber.status.storeCode)
        bind(s, 3, subscriber.birthDate?.iso)
        sqlite3_bind_int64(s, 4, subscriber.language.storeCode)
        bind(s, 5, subscriber.msisdn.digits)
        _ = try step(s)
        if sqlite3_changes(connection) == 0 { throw StoreError.unknownSubscriber(subscriber.msisdn.digits) }
    }

    // MARK: Subscriptions

    func subscriptions(of msisdn: MSISDN) throws -> [Subscription] {
        let s = try prepared(.subscriptions)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        var subscriptions: [Subscription] = []
        while try step(s) {
            subscriptions.append(Subscription(service: text(s, 0), fee: sqlite3_column_int64(s, 1),
                                              startedAt: sqlite3_column_int64(s, 2), detail: optionalText(s, 3)))
        }
        return subscriptions
    }

    func subscription(_ service: String, of msisdn: MSISDN) throws -> Subscription? {
        let s = try prepared(.subscription)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, service)
        guard try step(s) else { return nil }
        return Subscription(service: service, fee: sqlite3_column_int64(s, 0), startedAt: sqlite3_column_int64(s, 1),
                            detail: optionalText(s, 2))
    }

    @discardableResult
    func addSubscription(_ subscription: Subscription, of msisdn: MSISDN) throws -> Bool {
        let s = try prepared(.addSubscription)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, subscription.service)
        sqlite3_bind_int64(s, 3, subscription.fee)
        sqlite3_bind_int64(s, 4, subscription.startedAt)
        bind(s, 5, subscription.detail)
        _ = try step(s)
        if sqlite3_changes(connection) == 1 { return true }
        // Nothing inserted: the service exists, or the subscriber does not.
        try requireSubscriber(msisdn)
        return false
    }

    @discardableResult
    func removeSubscription(_ service: String, of msisdn: MSISDN) throws -> Bool {
        let s = try prepared(.removeSubscription)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, service)
        _ = try step(s)
        return sqlite3_changes(connection) > 0
    }

    // MARK: Settings

    func setting(_ key: String, of msisdn: MSISDN) throws -> String? {
        let s = try prepared(.setting)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, key)
        guard try step(s) else { return nil }
        return text(s, 0)
    }

    func settings(of msisdn: MSISDN) throws -> [String: String] {
        let s = try prepared(.settings)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        var settings: [String: String] = [:]
        while try step(s) { settings[text(s, 0)] = text(s, 1) }
        return settings
    }

    func setSetting(_ key: String, to value: String?, of msisdn: MSISDN) throws {
        let s = try prepared(value == nil ? .deleteSetting : .setSetting)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, key)
        if let value { bind(s, 3, value) }
        _ = try step(s)
        // The upsert inserts nothing only when the subscriber does not exist.
        if value != nil, sqlite3_changes(connection) == 0 { throw StoreError.unknownSubscriber(msisdn.digits) }
    }

    // MARK: Counters

    func counter(_ name: String, period: String, of msisdn: MSISDN) throws -> Int {
        let s = try prepared(.counter)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, name)
        bind(s, 3, period)
        guard try step(s) else { return 0 }
        return Int(sqlite3_column_int64(s, 0))
    }

    @discardableResult
    func incrementCounter(_ name: String, period: String, of msisdn: MSISDN) throws -> Int {
        let s = try prepared(.incrementCounter)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        bind(s, 2, name)
        bind(s, 3, period)
        // No row back: the subscriber does not exist.
        guard try step(s) else { throw StoreError.unknownSubscriber(msisdn.digits) }
        let value = Int(sqlite3_column_int64(s, 0))
        _ = try step(s)  // to SQLITE_DONE: the statement is complete
        return value
    }

    // MARK: Outbox

    @discardableResult
    func enqueue(_ sms: OutgoingSMS) throws -> Int64 {
        let s = try prepared(.enqueue)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, sms.at)
        bind(s, 2, sms.sender)
        bind(s, 3, sms.recipient.digits)
        bind(s, 4, sms.text)
        _ = try step(s)
        return sqlite3_last_insert_rowid(connection)
    }

    func pendingOutbox(recipient: MSISDN?, limit: Int) throws -> [OutboxMessage] {
        guard limit > 0 else { return [] }  // SQLite reads a negative LIMIT as "no limit"
        let s = try prepared(recipient == nil ? .pendingOutbox : .pendingOutboxTo)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, Int64(limit))
        if let recipient { bind(s, 2, recipient.digits) }
        var messages: [OutboxMessage] = []
        while try step(s) {
            messages.append(OutboxMessage(id: sqlite3_column_int64(s, 0), sender: text(s, 1), recipient: text(s, 2),
                                          text: text(s, 3), at: sqlite3_column_int64(s, 4)))
        }
        return messages
    }

    func pendingOutboxCount() throws -> Int {
        let s = try prepared(.pendingOutboxCount)
        defer { sqlite3_reset(s) }
        _ = try step(s)
        return Int(sqlite3_column_int64(s, 0))
    }

    func markDelivered(_ ids: [Int64], at: Int64) throws {
        let s = try prepared(.markDelivered)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, at)
        for id in ids {
            sqlite3_bind_int64(s, 2, id)
            _ = try step(s)
            sqlite3_reset(s)  // keeps the bindings
        }
    }

    // MARK: Audit

    func auditEntries(msisdn: String?, since: Int64?, limit: Int) throws -> [AuditRecord] {
        guard limit > 0 else { return [] }  // SQLite reads a negative LIMIT as "no limit"
        try flushAudits()  // this transaction's own rows count too
        let s = try prepared(.auditEntries)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn)
        bind(s, 2, since)
        sqlite3_bind_int64(s, 3, Int64(limit))
        var records: [AuditRecord] = []
        while try step(s) {
            records.append(AuditRecord(
                id: sqlite3_column_int64(s, 0),
                entry: AuditEntry(at: sqlite3_column_int64(s, 1), account: optionalText(s, 2), channel: text(s, 3),
                                  msisdn: optionalText(s, 4), request: text(s, 5), outcome: text(s, 6))))
        }
        return records
    }

    /// Throws ``StoreError/unknownSubscriber`` unless the number exists.
    private func requireSubscriber(_ msisdn: MSISDN) throws {
        let s = try prepared(.exists)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        guard try step(s) else { throw StoreError.unknownSubscriber(msisdn.digits) }
    }

    // MARK: Statements

    /// The SQL of every per-request statement.
    enum SQL: Int, CaseIterable {
        case subscriber, pin, setPIN, lastPurchase, lastBill, addBill, account, saveAccount
        case addSubscriber, exists, postBalance, postUniversal, postUnbilled, postAllowance
        case purchaseBalance, purchaseUniversal, purchaseUnbilled, purchaseAllowance
        case ledger, audit, audit4, audit16, audit64
        case dataVersion, allRates, rates, exactRate, setRate, deleteRates, updateProfile
        case subscriptions, subscription, addSubscription, removeSubscription
        case setting, settings, setSetting, deleteSetting, counter, incrementCounter
        case enqueue, pendingOutbox, pendingOutboxTo, pendingOutboxCount, markDelivered, auditEntries

        var text: String {
            switch self {
            case .subscriber:
                // No pin_* columns: the PIN hash is only read by PIN commands. The last
                // purchase comes along for a 1730 answer that follows (see lastPurchase).
                return """
                    SELECT product, status, birth_date, language, balance, universal_balance, unbilled, allowance,
                           last_purchase_at, last_purchase_amount
                    FROM subscribers WHERE msisdn = ?1
                    """
            case .pin:
                // A subscriber without a pins row has never set a PIN; no subscriber, no row.
                return """
                    SELECT p.hash, coalesce(p.failures, 0), p.locked_until
                    FROM subscribers s LEFT JOIN pins p ON p.msisdn = s.msisdn WHERE s.msisdn = ?1
                    """
            case .setPIN:
                // Inserts nothing for an unknown number (the caller reports it).
                return """
                    INSERT INTO pins(msisdn, hash, failures, locked_until)
                    SELECT ?4, ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?4)
                    ON CONFLICT(msisdn) DO UPDATE SET hash = excluded.hash, failures = excluded.failures,
                        locked_until = excluded.locked_until
                    """
            case .lastPurchase:
                // Kept on the subscriber row by post (v3-hot-rows).
                return """
                    SELECT last_purchase_at, last_purchase_amount FROM subscribers
                    WHERE msisdn = ?1 AND last_purchase_at IS NOT NULL
                    """
            case .lastBill:
                return "SELECT period, amount FROM bills WHERE msisdn = ?1 ORDER BY period DESC LIMIT 1"
            case .addBill:
                return """
                    INSERT INTO bills(msisdn, period, amount) VALUES (?1, ?2, ?3)
                    ON CONFLICT(msisdn, period) DO UPDATE SET amount = excluded.amount
                    """
            case .account:
                return "SELECT role, password_hash FROM accounts WHERE name = ?1"
            case .saveAccount:
                return """
                    INSERT INTO accounts(name, role, password_hash) VALUES (?1, ?2, ?3)
                    ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash
                    """
            case .addSubscriber:
                // Buckets take their default 0: opening amounts are ledger posts.
                return """
                    INSERT INTO subscribers(msisdn, product, status, birth_date, language)
                    VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT(msisdn) DO NOTHING
                    """
            case .exists:
                return "SELECT 1 FROM subscribers WHERE msisdn = ?1"
            case .postBalance: return Self.post("balance")
            case .postUniversal: return Self.post("universal_balance")
            case .postUnbilled: return Self.post("unbilled")
            case .postAllowance: return Self.post("allowance")
            case .purchaseBalance: return Self.post("balance", purchase: true)
            case .purchaseUniversal: return Self.post("universal_balance", purchase: true)
            case .purchaseUnbilled: return Self.post("unbilled", purchase: true)
            case .purchaseAllowance: return Self.post("allowance", purchase: true)
            case .ledger:
                return "INSERT INTO ledger(at, msisdn, bucket, amount, kind, ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            case .audit: return Self.auditInsert1
            case .audit4: return Self.auditInsert4
            case .audit16: return Self.auditInsert16
            case .audit64: return Self.auditInsert64
            case .dataVersion:
                return "PRAGMA data_version"
            case .allRates:
                // Loaded into a RateTable, which answers the longest-prefix look-ups.
                return "SELECT prefix, kind, price, adult FROM rates"
            case .rates:
                // Prefixes are digits, which sort below ':': the range is a primary-key
                // range; the substr test keeps the meaning exact for any filter text.
                return """
                    SELECT prefix, kind, price, adult FROM rates
                    WHERE prefix >= ?1 AND prefix < ?1 || ':' AND substr(prefix, 1, length(?1)) = ?1
                    ORDER BY prefix, kind
                    """
            case .exactRate:
                return "SELECT price, adult FROM rates WHERE prefix = ?1 AND kind = ?2"
            case .setRate:
                return """
                    INSERT INTO rates(prefix, kind, price, adult) VALUES (?1, ?2, ?3, ?4)
                    ON CONFLICT(prefix, kind) DO UPDATE SET price = excluded.price, adult = excluded.adult
                    """
            case .deleteRates:
                return "DELETE FROM rates WHERE prefix = ?1 AND (?2 IS NULL OR kind = ?2) RETURNING prefix, kind, price, adult"
            case .updateProfile:
                // No bucket column: money moves only through post.
                return "UPDATE subscribers SET product = ?1, status = ?2, birth_date = ?3, language = ?4 WHERE msisdn = ?5"
            case .subscriptions:
                return "SELECT service, fee, started_at, detail FROM subscriptions WHERE msisdn = ?1 ORDER BY service"
            case .subscription:
                return "SELECT fee, started_at, detail FROM subscriptions WHERE msisdn = ?1 AND service = ?2"
            case .addSubscription:
                // Inserts nothing when the service exists or the subscriber does not.
                return """
                    INSERT INTO subscriptions(msisdn, service, fee, started_at, detail)
                    SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?1)
                    ON CONFLICT(msisdn, service) DO NOTHING
                    """
            case .removeSubscription:
                return "DELETE FROM subscriptions WHERE msisdn = ?1 AND service = ?2"
            case .setting:
                return "SELECT value FROM settings WHERE msisdn = ?1 AND key = ?2"
            case .settings:
                return "SELECT key, value FROM settings WHERE msisdn = ?1"
            case .setSetting:
                return """
                    INSERT INTO settings(msisdn, key, value)
                    SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?1)
                    ON CONFLICT(msisdn, key) DO UPDATE SET value = excluded.value
                    """
            case .deleteSetting:
                return "DELETE FROM settings WHERE msisdn = ?1 AND key = ?2"
            case .counter:
                return "SELECT count FROM counters WHERE msisdn = ?1 AND name = ?2 AND period = ?3"
            case .incrementCounter:
                // One statement; no row back when the subscriber does not exist.
                return """
                    INSERT INTO counters(msisdn, name, period, count)
                    SELECT ?1, ?2, ?3, 1 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?1)
                    ON CONFLICT(msisdn, name, period) DO UPDATE SET count = count + 1
                    RETURNING count
                    """
            case .enqueue:
                return "INSERT INTO outbox(at, sender, recipient, text) VALUES (?1, ?2, ?3, ?4)"
            case .pendingOutbox:
                // Served by the partial index outbox_pending.
                return """
                    SELECT id, sender, recipient, text, at FROM outbox WHERE delivered_at IS NULL
                    ORDER BY id LIMIT ?1
                    """
            case .pendingOutboxTo:
                // Served by the partial index outbox_pending_by_recipient.
                return """
                    SELECT id, sender, recipient, text, at FROM outbox WHERE recipient = ?2 AND delivered_at IS NULL
                    ORDER BY id LIMIT ?1
                    """
            case .pendingOutboxCount:
                // Served by the partial index outbox_pending.
                return "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"
            case .markDelivered:
                return "UPDATE outbox SET delivered_at = ?1 WHERE id = ?2 AND delivered_at IS NULL"
            case .auditEntries:
                // Walks the rowid backwards from the newest row (no audit index, see v1-audit)
                // and stops after `limit` matches; the outer query puts them back in id order.
                return """
                    SELECT id, at, account, channel, msisdn, request, outcome FROM (
                        SELECT id, at, account, channel, msisdn, request, outcome FROM audit
                        WHERE (?1 IS NULL OR msisdn = ?1) AND (?2 IS NULL OR at >= ?2)
                        ORDER BY id DESC LIMIT ?3
                    ) ORDER BY id
                    """
            }
        }

        /// Adds ?1 to the column unless the result would leave Int64: the caller binds
        /// ?3...?4, the range the column may start from. The check is in the WHERE
        /// clause because SQLite turns an overflowing integer sum into a REAL.
        /// A purchase also becomes the row's last purchase (?5 its time, ?1 its amount).
        /// No `RETURNING`: the new value is known (see `addToBucket`).
        /// The audit inserts by rows per statement, largest first: ``flushAudits()``
        /// covers any count with them (200 rows: three of 64, two of 4).
        static let auditBatches: [(Int, SQL)] = [(64, .audit64), (16, .audit16), (4, .audit4), (1, .audit)]

        /// `INSERT INTO audit(...) VALUES (?, ?, ?, ?, ?, ?), (...)`: six parameters a row
        /// (384 for 64 rows, far below SQLite's limit of 32766).
        /// Built once: every write looks its statements up by this text.
        private static let auditInsert1 = auditInsert(rows: 1)
        private static let auditInsert4 = auditInsert(rows: 4)
        private static let auditInsert16 = auditInsert(rows: 16)
        private static let auditInsert64 = auditInsert(rows: 64)

        private static func auditInsert(rows: Int) -> String {
            "INSERT INTO audit(at, account, channel, msisdn, request, outcome) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
        }

        private static func post(_ column: String, purchase: Bool = false) -> String {
            let last = purchase ? ", last_purchase_at = ?5, last_purchase_amount = ?1" : ""
            return "UPDATE subscribers SET \(column) = \(column) + ?1\(last) WHERE msisdn = ?2 AND \(column) BETWEEN ?3 AND ?4"
        }

        static func post(_ bucket: Bucket, kind: LedgerKind) -> SQL {
            switch (bucket, kind == .purchase) {
            case (.balance, false): return .postBalance
            case (.universal, false): return .postUniversal
            case (.unbilled, false): return .postUnbilled
            case (.allowance, false): return .postAllowance
            case (.balance, true): return .purchaseBalance
            case (.universal, true): return .purchaseUniversal
            case (.unbilled, true): return .purchaseUnbilled
            case (.allowance, true): return .purchaseAllowance
            }
        }
    }

    /// The prepared `sqlite3_stmt` of `sql`, reset and ready to bind. The GRDB
    /// `Statement` that owns it stays in `statements` (and GRDB's cache) meanwhile.
    private func prepared(_ sql: SQL) throws -> SQLiteStatement {
        // SQLite rolls the whole transaction back by itself on some errors (disk full,
        // I/O error). A later statement would then run in autocommit mode and be kept
        // at once, outside the group, although the group is answered 451. GRDB guards
        // its own statements against this; these bypass GRDB, so check here.
        if sqlite3_get_autocommit(connection) != 0 {
            let error = DatabaseError(resultCode: .SQLITE_ABORT, message: "the transaction was rolled back by SQLite")
            poison = poison ?? error
            throw error
        }
        if let statement = statements[sql.rawValue] { return statement.sqliteStatement }
        let statement = try db.cachedStatement(sql: sql.text)
        statements[sql.rawValue] = statement
        sqlite3_reset(statement.sqliteStatement)
        return statement.sqliteStatement
    }

    // MARK: SQLite C API helpers

    /// Binds a copy of the string's bytes in the arena, `SQLITE_STATIC` (nil destructor):
    /// SQLite neither copies nor frees it.
    private func bind(_ s: SQLiteStatement, _ index: Int32, _ value: String) {
        // An empty string binds '' , not NULL: the arena always returns an address.
        let (copy, count) = arena.copy(value)
        _ = sqlite3_bind_text(s, index, copy.assumingMemoryBound(to: CChar.self), Int32(count), nil)
    }

    /// Binds bytes already copied into the arena.
    private func bind(_ s: SQLiteStatement, _ index: Int32, _ copy: (UnsafeRawPointer, Int)) {
        _ = sqlite3_bind_text(s, index, copy.0.assumingMemoryBound(to: CChar.self), Int32(copy.1), nil)
    }

    private func bind(_ s: SQLiteStatement, _ index: Int32, _ copy: (UnsafeRawPointer, Int)?) {
        if let copy { bind(s, index, copy) } else { sqlite3_bind_null(s, index) }
    }

    private func bind(_ s: SQLiteStatement, _ index: Int32, _ value: String?) {
        if let value { bind(s, index, value) } else { sqlite3_bind_null(s, index) }
    }

    private func bind(_ s: SQLiteStatement, _ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(s, index, value) } else { sqlite3_bind_null(s, index) }
    }

    /// One step: `true` for a row, `false` when done; a DatabaseError otherwise.
    private func step(_ s: SQLiteStatement) throws -> Bool {
        let code = sqlite3_step(s)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: code),
                            message: connection.map { String(cString: sqlite3_errmsg($0)) },
                            sql: sqlite3_sql(s).map { String(cString: $0) })
    }

    private func bytes(_ s: SQLiteStatement, _ column: Int32) -> UnsafeBufferPointer<UInt8> {
        // sqlite3_column_text first (it may convert), then the byte count of that text.
        let base = sqlite3_column_text(s, column)
        return UnsafeBufferPointer(start: base, count: base == nil ? 0 : Int(sqlite3_column_bytes(s, column)))
    }


    private func text(_ s: SQLiteStatement, _ column: Int32) -> String {
        String(decoding: bytes(s, column), as: UTF8.self)
    }

    private func optionalText(_ s: SQLiteStatement, _ column: Int32) -> String? {
        sqlite3_column_type(s, column) == SQLITE_NULL ? nil : text(s, column)
    }

    private func optionalInt64(_ s: SQLiteStatement, _ column: Int32) -> Int64? {
        sqlite3_column_type(s, column) == SQLITE_NULL ? nil : sqlite3_column_int64(s, column)
    }

    /// `YYYY-MM-DD` straight from the column bytes: no intermediate string or arrays,
    /// since this runs for every subscriber loaded on the hot path.
    static func date(_ bytes: some Sequence<UInt8>) -> CalendarDate? {
        var fields = (0, 0, 0)
        var index = 0
        for byte in bytes {
            defer { index += 1 }
            switch index {
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { return nil }
            case 0..<10:
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                let digit = Int(byte - 0x30)
                if index < 4 { fields.0 = fields.0 * 10 + digit }
                else if index < 7 { fields.1 = fields.1 * 10 + digit }
                else { fields.2 = fields.2 * 10 + digit }
            default:
                return nil
            }
        }
        guard index == 10, CalendarDate.isValid(year: fields.0, month: fields.1, day: fields.2) else { return nil }
        return CalendarDate(year: fields.0, month: fields.1, day: fields.2)
    }

    /// Rolls the transaction back behind GRDB's back, as SQLite does on a disk-full or
    /// I/O error. Tests only.
    func simulateAutomaticRollback() {
        _ = sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
    }
}
