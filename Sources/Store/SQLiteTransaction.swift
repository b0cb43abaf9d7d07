import GRDB
// The SQLite C API as GRDB links it (GRDB's own module for the system libsqlite3).
import GRDBSQLite
import Model
import Numbering

/// One `write` transaction: the per-request statements of the engine. This file: the
/// state, the subscriber, PIN, account and ledger operations; beside it `+Audit` (the
/// audit queue), `+Services` (rates, profile, subscriptions, settings, counters, outbox),
/// `+SQL` (the statement catalog) and `+CAPI` (binding and stepping through the C API).
///
/// Valid only inside the `write` body that received it. This is the hot path (every
/// request of the server runs some of these, many per group commit), so:
/// - every statement is prepared once per connection (GRDB's statement cache, with
///   `SQLITE_PREPARE_PERSISTENT`) and looked up once per transaction;
/// - parameters are bound and rows read through the SQLite C API on GRDB's prepared
///   statement, which skips GRDB's `StatementArguments` arrays, argument validation and
///   `Row` objects: about half the CPU time of a small statement;
/// - a subscriber load reads no PIN column.
/// The number of the last SMPP MO kept in `smpp_recent`, read once per process (a
/// transaction that rolls back after taking a number leaves a slot unused: harmless).
final class RememberRing {
    var last: Int64?
}

final class SQLiteTransaction: StoreTransaction {
    let db: Database
    let connection: SQLiteConnection?
    /// Set when a multi-statement change failed half-way: `write` then rolls back.
    var poison: (any Error)?
    /// GRDB statements (they own the `sqlite3_stmt`) fetched by this transaction so far.
    var statements: [Statement?] = Array(repeating: nil, count: SQL.allCases.count)

    /// The money and last purchase of the subscriber row read last, kept up to date by
    /// `post` (the only writer of those columns): a 1730 answer needs no second
    /// statement for the last purchase, and a post needs no `RETURNING` (SQLite builds
    /// an ephemeral table for it, 80k instructions) nor a read-back for the new value.
    var lastRead: RowCache?
    /// Audit rows queued by ``audit(_:)`` for ``flushAudits()``.
    var pendingAudits: [PendingAudit] = []

    struct RowCache {
        /// The row as read, its buckets moved by every post since.
        var subscriber: Subscriber
        var purchase: Purchase?
        var msisdn: MSISDN { subscriber.msisdn }
    }

    /// Where bound text lives until the next write (see ``BindArena``).
    let arena: BindArena
    /// The store's rate table, loaded on first use (see ``RateTable``).
    let rateCache: RateCache
    /// The number of the last SMPP MO remembered (``rememberMO(_:)``).
    let ring: RememberRing

    init(_ db: Database, arena: BindArena, rates: RateCache, ring: RememberRing) {
        self.db = db
        self.connection = db.sqliteConnection
        self.arena = arena
        self.rateCache = rates
        self.ring = ring
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
        let subscriber = try subscriberColumns(s, from: 0, msisdn: msisdn)
        lastRead = RowCache(
            subscriber: subscriber,
            purchase: sqlite3_column_type(s, 8) == SQLITE_NULL ? nil
                : Self.purchase(at: sqlite3_column_int64(s, 8), ledgerAmount: sqlite3_column_int64(s, 9)))
        return subscriber
    }

    func subscribers(matching query: SubscriberQuery) throws -> [Subscriber] {
        let s = try prepared(.subscriberList)
        defer { sqlite3_reset(s) }
        bind(s, 1, query.prefix)
        bind(s, 2, query.after ?? "")
        if let product = query.product { sqlite3_bind_int64(s, 3, product.storeCode) } else { sqlite3_bind_null(s, 3) }
        if let status = query.status { sqlite3_bind_int64(s, 4, status.storeCode) } else { sqlite3_bind_null(s, 4) }
        sqlite3_bind_int64(s, 5, Int64(max(0, query.limit)))
        var found: [Subscriber] = []
        while try step(s) {
            found.append(try subscriberColumns(s, from: 1, msisdn: MSISDN(canonical: text(s, 0))))
        }
        return found
    }

    /// A subscriber from the columns product, status, birth_date, language, balance,
    /// universal_balance, unbilled, allowance, starting at column `first`.
    @inline(__always)
    private func subscriberColumns(_ s: SQLiteStatement, from first: Int32, msisdn: MSISDN) throws -> Subscriber {
        guard let product = Product(storeCode: sqlite3_column_int64(s, first)),
              let status = SubscriberStatus(storeCode: sqlite3_column_int64(s, first + 1)),
              let language = Language(storeCode: sqlite3_column_int64(s, first + 3))
        else { throw StoreFailure.corruptRow("subscriber \(msisdn.digits)") }
        var birthDate: CalendarDate?
        if sqlite3_column_type(s, first + 2) != SQLITE_NULL {
            birthDate = Self.date(bytes(s, first + 2))
            if birthDate == nil { throw StoreFailure.corruptRow("subscriber \(msisdn.digits) birth_date") }
        }
        return Subscriber(msisdn: msisdn, product: product, status: status, birthDate: birthDate,
                          language: language, balance: sqlite3_column_int64(s, first + 4),
                          universalBalance: sqlite3_column_int64(s, first + 5), unbilled: sqlite3_column_int64(s, first + 6),
                          allowance: sqlite3_column_int64(s, first + 7))
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

    /// A purchase's ledger amount is negative in `balance` and `universal` and positive in
    /// `unbilled` (usage adds to the bill): what was paid is its size. Int64.min has no
    /// positive twin, so it saturates.
    static func purchase(at: Int64, ledgerAmount amount: Int64) -> Purchase {
        Purchase(at: at, amount: amount == .min ? .max : abs(amount))
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

    func recentLedger(of msisdn: MSISDN, limit: Int) throws -> [LedgerEntry] {
        let s = try prepared(.recentLedger)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        sqlite3_bind_int64(s, 2, Int64(max(0, limit)))
        sqlite3_bind_int64(s, 3, Int64(recentLedgerWindow))
        var rows: [LedgerEntry] = []
        while try step(s) {
            let bucketText = text(s, 1), kindText = text(s, 3)
            guard let bucket = Bucket(rawValue: bucketText), let kind = LedgerKind(rawValue: kindText) else {
                throw StoreFailure.corruptRow("ledger of \(msisdn.digits): \(bucketText) \(kindText)")
            }
            rows.append(LedgerEntry(msisdn: msisdn, bucket: bucket, amount: sqlite3_column_int64(s, 2), kind: kind,
                                    reference: optionalText(s, 4), at: sqlite3_column_int64(s, 0)))
        }
        return rows
    }

    func tentatively(_ body: () throws -> Bool) throws {
        var keep = false
        defer {
            // The cached row may hold what was undone.
            if !keep { lastRead = nil }
        }
        try db.inSavepoint {
            keep = try body()
            return keep ? .commit : .rollback
        }
    }

    func forgetSubscriber(_ msisdn: MSISDN, bills: Bool) throws {
        var tables: [SQL] = [.forgetPIN, .forgetSettings, .forgetSubscriptions, .forgetCounters]
        if bills { tables.append(.forgetBills) }
        for table in tables {
            let s = try prepared(table)
            defer { sqlite3_reset(s) }
            bind(s, 1, msisdn.digits)
            _ = try step(s)
        }
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
    func addToBucket(_ entry: LedgerEntry) throws -> Int64 {
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
}
