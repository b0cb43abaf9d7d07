import GRDB
// The SQLite C API as GRDB links it (GRDB's own module for the system libsqlite3).
import GRDBSQLite
import Model
import Numbering

/// The services' state: rates, the subscriber profile, subscriptions, settings,
/// counters and the outbox.
extension SQLiteTransaction {
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

    func exactRate(prefix: String, kind: RateKind) throws -> Rate? {
        let s = try prepared(.exactRate)
        defer { sqlite3_reset(s) }
        bind(s, 1, prefix)
        bind(s, 2, kind.rawValue)
        guard try step(s) else { return nil }
        return Rate(prefix: prefix, price: sqlite3_column_int64(s, 0), kind: kind, adult: sqlite3_column_int64(s, 1) != 0)
    }

    /// A rate from columns prefix, kind, price, adult.
    func rate(_ s: SQLiteStatement) throws -> Rate {
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
        sqlite3_bind_int64(s, 5, sms.secret ? 1 : 0)
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

    func awaitReceipts(link: String, peerIDs: [String], outbox id: Int64) throws {
        let s = try prepared(.awaitReceipt)
        defer { sqlite3_reset(s) }
        bind(s, 1, link)
        sqlite3_bind_int64(s, 3, id)
        for peerID in peerIDs {
            bind(s, 2, peerID.lowercased())
            _ = try step(s)
            sqlite3_reset(s)
        }
    }

    func recordReceipt(link: String, peerIDs: [String], report: DeliveryReport, at: Int64) throws -> Int64? {
        var found: Int64?
        do {
            let s = try prepared(.takeReceipt)
            defer { sqlite3_reset(s) }
            bind(s, 1, link)
            for peerID in peerIDs {
                bind(s, 2, peerID.lowercased())
                if try step(s) {
                    found = sqlite3_column_int64(s, 0)
                    while try step(s) {}
                    break
                }
                sqlite3_reset(s)
            }
        }
        guard let id = found else { return nil }
        let s = try prepared(.recordReceipt)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, id)
        bind(s, 2, report.state)
        sqlite3_bind_int64(s, 3, report.isFailure ? 1 : 0)
        sqlite3_bind_int64(s, 4, at)
        _ = try step(s)
        return id
    }

    // MARK: Idempotency keys

    func idempotencyRecord(account: String, key: String) throws -> IdempotencyRecord? {
        let s = try prepared(.idempotencyRecord)
        defer { sqlite3_reset(s) }
        bind(s, 1, account)
        bind(s, 2, key)
        guard try step(s) else { return nil }
        return IdempotencyRecord(account: account, key: key, request: text(s, 0), answer: text(s, 1),
                                 at: sqlite3_column_int64(s, 2))
    }

    func saveIdempotencyRecord(_ record: IdempotencyRecord) throws {
        let s = try prepared(.saveIdempotencyRecord)
        defer { sqlite3_reset(s) }
        bind(s, 1, record.account)
        bind(s, 2, record.key)
        bind(s, 3, record.request)
        bind(s, 4, record.answer)
        sqlite3_bind_int64(s, 5, record.at)
        _ = try step(s)
    }

    func pruneIdempotencyRecords(before: Int64, limit: Int) throws -> Int {
        guard limit > 0 else { return 0 }
        let s = try prepared(.pruneIdempotency)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, before)
        sqlite3_bind_int64(s, 2, Int64(limit))
        _ = try step(s)
        return Int(sqlite3_changes(connection))
    }

    func rememberMO(_ mo: RememberedMO) throws {
        if ring.last == nil {
            // Once per process: the store's one writer numbers the MOs from here on.
            let last = try prepared(.lastRememberedSeq)
            defer { sqlite3_reset(last) }
            _ = try step(last)
            ring.last = sqlite3_column_int64(last, 0)
        }
        let seq = ring.last! + 1
        ring.last = seq
        let s = try prepared(.rememberMO)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, seq % Int64(RememberedMO.capacity))
        sqlite3_bind_int64(s, 2, seq)
        bind(s, 3, mo.scope)
        sqlite3_bind_int64(s, 4, Int64(bitPattern: mo.key))
        sqlite3_bind_int64(s, 5, mo.at)
        bind(s, 6, mo.storedReplies)
        _ = try step(s)
    }

    func rememberedMOs(since: Int64) throws -> [RememberedMO] {
        let s = try prepared(.rememberedMOs)
        defer { sqlite3_reset(s) }
        sqlite3_bind_int64(s, 1, since)
        var found: [RememberedMO] = []
        while try step(s) {
            guard let replies = RememberedMO.replies(stored: text(s, 3)) else { continue }
            found.append(RememberedMO(scope: text(s, 0), key: UInt64(bitPattern: sqlite3_column_int64(s, 1)),
                                      at: sqlite3_column_int64(s, 2), replies: replies))
        }
        return found
    }

    func failedOutboxCount() throws -> Int {
        let s = try prepared(.failedOutboxCount)
        defer { sqlite3_reset(s) }
        _ = try step(s)
        return Int(sqlite3_column_int64(s, 0))
    }

    /// Throws ``StoreError/unknownSubscriber`` unless the number exists.
    func requireSubscriber(_ msisdn: MSISDN) throws {
        let s = try prepared(.exists)
        defer { sqlite3_reset(s) }
        bind(s, 1, msisdn.digits)
        guard try step(s) else { throw StoreError.unknownSubscriber(msisdn.digits) }
    }
}
