import Numbering

/// A ``SubscriberStore`` in memory: the twin of the SQLite store for unit tests of the
/// engine. Same rules: a transaction that throws leaves nothing behind.
public final class InMemoryStore: SubscriberStore, @unchecked Sendable {
    /// Everything the store holds; tests read it to check what changed.
    public struct State: Sendable, Equatable {
        public var subscribers: [MSISDN: Subscriber] = [:]
        public var pins: [MSISDN: PINRecord] = [:]
        public var accounts: [String: Account] = [:]
        public var bills: [MSISDN: [Bill]] = [:]
        public var ledger: [LedgerEntry] = []
        public var audit: [AuditEntry] = []
        /// Rates by prefix, then kind.
        public var rates: [String: [RateKind: Rate]] = [:]
        /// Subscriptions by subscriber, then service.
        public var subscriptions: [MSISDN: [String: Subscription]] = [:]
        /// Settings by subscriber (no empty maps).
        public var settings: [MSISDN: [String: String]] = [:]
        public var counters: [CounterKey: Int] = [:]
        /// The outbox in id order; ids are 1, 2, 3 … like SQLite's rowids.
        public var outbox: [OutboxMessage] = []
        /// Delivery times by outbox id.
        public var delivered: [Int64: Int64] = [:]
        /// Idempotency records by account, then key.
        public var idempotency: [String: [String: IdempotencyRecord]] = [:]
        public var rememberedMOs: [RememberedMO] = []
        /// Outbox ids whose text is blanked once delivered.
        public var secrets: Set<Int64> = []
        /// Receipts awaited: outbox id by link and the peer's id of a part.
        public var receiptsAwaited: [String: Int64] = [:]
        /// The last receipt's state and whether a part failed, by outbox id.
        public var receipts: [Int64: ReceiptState] = [:]
        public init() {}
    }

    /// What receipts said of an outbox message.
    public struct ReceiptState: Hashable, Sendable {
        public var state: String
        public var failed: Bool

        public init(state: String, failed: Bool) {
            self.state = state
            self.failed = failed
        }
    }

    /// One counter: a subscriber's count of `name` in `period`.
    public struct CounterKey: Hashable, Sendable {
        public var msisdn: MSISDN
        public var name: String
        public var period: String

        public init(msisdn: MSISDN, name: String, period: String) {
            self.msisdn = msisdn
            self.name = name
            self.period = period
        }
    }

    public private(set) var state = State()
    /// When set, the next commit fails with this error (tests of the 451 path).
    public var failNextCommit: (any Error)?

    public init() {}

    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        let tx = Transaction(state: state)
        let result = try body(tx)
        if let error = failNextCommit {
            failNextCommit = nil
            throw error
        }
        state = tx.state
        return result
    }

    final class Transaction: StoreTransaction {
        var state: State
        init(state: State) { self.state = state }

        func subscriber(_ msisdn: MSISDN) throws -> Subscriber? { state.subscribers[msisdn] }

        func pin(of msisdn: MSISDN) throws -> PINRecord? { state.pins[msisdn] }

        func setPIN(_ record: PINRecord, of msisdn: MSISDN) throws {
            guard state.subscribers[msisdn] != nil else { throw StoreError.unknownSubscriber(msisdn.digits) }
            state.pins[msisdn] = record
        }

        func lastPurchase(of msisdn: MSISDN) throws -> Purchase? {
            state.ledger.last { $0.msisdn == msisdn && $0.kind == .purchase }
                // Like the SQLite store: Int64.min has no positive twin, so it saturates.
                .map { Purchase(at: $0.at, amount: $0.amount == .min ? .max : abs($0.amount)) }
        }

        func subscribers(matching query: SubscriberQuery) throws -> [Subscriber] {
            let all = state.subscribers.values.filter { s in query.matches(s) && query.after.map { s.msisdn.digits > $0 } ?? true }
            return Array(all.sorted { $0.msisdn.digits < $1.msisdn.digits }.prefix(max(0, query.limit)))
        }

        func lastBill(of msisdn: MSISDN) throws -> Bill? {
            state.bills[msisdn]?.max { $0.period < $1.period }
        }

        func addBill(_ bill: Bill, of msisdn: MSISDN) throws {
            state.bills[msisdn, default: []].removeAll { $0.period == bill.period }
            state.bills[msisdn, default: []].append(bill)
        }

        func recentLedger(of msisdn: MSISDN, limit: Int) throws -> [LedgerEntry] {
            Array(state.ledger.suffix(recentLedgerWindow).reversed().filter { $0.msisdn == msisdn }.prefix(max(0, limit)))
        }

        func tentatively(_ body: () throws -> Bool) throws {
            let saved = state
            if try !body() { state = saved }
        }

        func forgetSubscriber(_ msisdn: MSISDN, bills: Bool) throws {
            state.pins[msisdn] = PINRecord(hash: nil)
            state.settings[msisdn] = nil
            state.subscriptions[msisdn] = nil
            state.counters = state.counters.filter { $0.key.msisdn != msisdn }
            if bills { state.bills[msisdn] = nil }
        }

        func account(named name: String) throws -> Account? { state.accounts[name] }

        func saveAccount(_ account: Account) throws { state.accounts[account.name] = account }

        func addSubscriber(_ subscriber: Subscriber, pin: PINRecord) throws {
            guard state.subscribers[subscriber.msisdn] == nil else {
                throw StoreError.duplicateSubscriber(subscriber.msisdn.digits)
            }
            var fresh = subscriber
            for bucket in Bucket.allCases { fresh[bucket] = 0 }
            state.subscribers[subscriber.msisdn] = fresh
            state.pins[subscriber.msisdn] = pin
        }

        func post(_ entry: LedgerEntry) throws -> Int64 {
            guard var subscriber = state.subscribers[entry.msisdn] else {
                throw StoreError.unknownSubscriber(entry.msisdn.digits)
            }
            let (value, overflow) = subscriber[entry.bucket].addingReportingOverflow(entry.amount)
            if overflow { throw StoreError.overflow }
            subscriber[entry.bucket] = value
            state.subscribers[entry.msisdn] = subscriber
            state.ledger.append(entry)
            return value
        }

        func audit(_ entry: AuditEntry) throws { state.audit.append(entry) }

        // MARK: Rates

        func rate(for number: String, kind: RateKind) throws -> Rate? {
            var candidate = Substring(number.prefix(Rate.maximumPrefixDigits))
            while !candidate.isEmpty {
                if let rate = state.rates[String(candidate)]?[kind] { return rate }
                candidate = candidate.dropLast()
            }
            return nil
        }

        func rates(prefix: String?) throws -> [Rate] {
            state.rates.filter { prefix.map($0.key.hasPrefix) ?? true }
                .flatMap(\.value.values)
                .sorted { ($0.prefix, $0.kind.rawValue) < ($1.prefix, $1.kind.rawValue) }
        }

        func setRate(_ rate: Rate) throws -> Rate? {
            if let problem = rate.problem { throw StoreError.invalidRate(problem) }
            return state.rates[rate.prefix, default: [:]].updateValue(rate, forKey: rate.kind)
        }

        func deleteRates(prefix: String, kind: RateKind?) throws -> [Rate] {
            guard var byKind = state.rates[prefix] else { return [] }
            let deleted = byKind.values.filter { kind == nil || $0.kind == kind }
                .sorted { $0.kind.rawValue < $1.kind.rawValue }
            for rate in deleted { byKind[rate.kind] = nil }
            state.rates[prefix] = byKind.isEmpty ? nil : byKind
            return deleted
        }

        // MARK: Subscriber profile

        func updateProfile(_ subscriber: Subscriber) throws {
            guard var stored = state.subscribers[subscriber.msisdn] else {
                throw StoreError.unknownSubscriber(subscriber.msisdn.digits)
            }
            stored.product = subscriber.product
            stored.status = subscriber.status
            stored.birthDate = subscriber.birthDate
            stored.language = subscriber.language
            state.subscribers[subscriber.msisdn] = stored
        }

        // MARK: Subscriptions

        func subscriptions(of msisdn: MSISDN) throws -> [Subscription] {
            (state.subscriptions[msisdn] ?? [:]).values.sorted { $0.service < $1.service }
        }

        func subscription(_ service: String, of msisdn: MSISDN) throws -> Subscription? {
            state.subscriptions[msisdn]?[service]
        }

        func addSubscription(_ subscription: Subscription, of msisdn: MSISDN) throws -> Bool {
            try requireSubscriber(msisdn)
            guard state.subscriptions[msisdn]?[subscription.service] == nil else { return false }
            state.subscriptions[msisdn, default: [:]][subscription.service] = subscription
            return true
        }

        func removeSubscription(_ service: String, of msisdn: MSISDN) throws -> Bool {
            guard var services = state.subscriptions[msisdn], services.removeValue(forKey: service) != nil else {
                return false
            }
            state.subscriptions[msisdn] = services.isEmpty ? nil : services
            return true
        }

        // MARK: Settings

        func setting(_ key: String, of msisdn: MSISDN) throws -> String? { state.settings[msisdn]?[key] }

        func settings(of msisdn: MSISDN) throws -> [String: String] { state.settings[msisdn] ?? [:] }

        func setSetting(_ key: String, to value: String?, of msisdn: MSISDN) throws {
            if value != nil { try requireSubscriber(msisdn) }
            var settings = state.settings[msisdn] ?? [:]
            settings[key] = value
            state.settings[msisdn] = settings.isEmpty ? nil : settings
        }

        // MARK: Counters

        func counter(_ name: String, period: String, of msisdn: MSISDN) throws -> Int {
            state.counters[CounterKey(msisdn: msisdn, name: name, period: period)] ?? 0
        }

        func incrementCounter(_ name: String, period: String, of msisdn: MSISDN) throws -> Int {
            try requireSubscriber(msisdn)
            let key = CounterKey(msisdn: msisdn, name: name, period: period)
            let value = (state.counters[key] ?? 0) + 1
            state.counters[key] = value
            return value
        }

        // MARK: Outbox

        func enqueue(_ sms: OutgoingSMS) throws -> Int64 {
            let id = (state.outbox.last?.id ?? 0) + 1
            state.outbox.append(OutboxMessage(id: id, sender: sms.sender, recipient: sms.recipient.digits,
                                              text: sms.text, at: sms.at))
            if sms.secret { state.secrets.insert(id) }
            return id
        }

        func pendingOutbox(recipient: MSISDN?, limit: Int) throws -> [OutboxMessage] {
            guard limit > 0 else { return [] }
            return Array(state.outbox.lazy
                .filter { self.state.delivered[$0.id] == nil && (recipient == nil || $0.recipient == recipient?.digits) }
                .prefix(limit))
        }

        func pendingOutboxCount() throws -> Int {
            state.outbox.count - state.delivered.count
        }

        func markDelivered(_ ids: [Int64], at: Int64) throws {
            // Ids are 1...last: the outbox is append-only.
            let known = 1..<((state.outbox.last?.id ?? 0) + 1)
            for id in ids where known.contains(id) && state.delivered[id] == nil {
                state.delivered[id] = at
                if state.secrets.contains(id) { state.outbox[Int(id) - 1].text = "" }
            }
        }

        func awaitReceipts(link: String, peerIDs: [String], outbox id: Int64) throws {
            for peerID in peerIDs { state.receiptsAwaited[link + " " + peerID.lowercased()] = id }
        }

        func recordReceipt(link: String, peerIDs: [String], report: DeliveryReport, at: Int64) throws -> Int64? {
            guard let key = peerIDs.lazy.map({ link + " " + $0.lowercased() }).first(where: { self.state.receiptsAwaited[$0] != nil }),
                  let id = state.receiptsAwaited.removeValue(forKey: key) else { return nil }
            let failed = state.receipts[id]?.failed ?? false
            if !failed || report.isFailure { state.receipts[id] = ReceiptState(state: report.state, failed: failed || report.isFailure) }
            return id
        }

        func idempotencyRecord(account: String, key: String) throws -> IdempotencyRecord? {
            state.idempotency[account]?[key]
        }

        func saveIdempotencyRecord(_ record: IdempotencyRecord) throws {
            state.idempotency[record.account, default: [:]][record.key] = record
        }

        func pruneIdempotencyRecords(before: Int64, limit: Int) throws -> Int {
            var gone = 0
            for (account, records) in state.idempotency {
                for (key, record) in records where record.at < before && gone < limit {
                    state.idempotency[account]?[key] = nil
                    gone += 1
                }
                if state.idempotency[account]?.isEmpty == true { state.idempotency[account] = nil }
            }
            return gone
        }

        func rememberMO(_ mo: RememberedMO) throws {
            state.rememberedMOs.append(mo)
            if state.rememberedMOs.count > RememberedMO.capacity { state.rememberedMOs.removeFirst() }
        }

        func rememberedMOs(since: Int64) throws -> [RememberedMO] {
            state.rememberedMOs.filter { $0.at >= since }
        }

        func failedOutboxCount() throws -> Int {
            state.receipts.values.filter(\.failed).count
        }

        // MARK: Audit

        func auditEntries(msisdn: String?, since: Int64?, limit: Int) throws -> [AuditRecord] {
            guard limit > 0 else { return [] }
            let matching = state.audit.enumerated().filter { _, entry in
                (msisdn == nil || entry.msisdn == msisdn) && (since.map { entry.at >= $0 } ?? true)
            }
            return matching.suffix(limit).map { AuditRecord(id: Int64($0.offset + 1), entry: $0.element) }
        }

        private func requireSubscriber(_ msisdn: MSISDN) throws {
            guard state.subscribers[msisdn] != nil else { throw StoreError.unknownSubscriber(msisdn.digits) }
        }
    }
}
