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
        public init() {}
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
                .map { Purchase(at: $0.at, amount: $0.amount == .min ? .max : -$0.amount) }
        }

        func lastBill(of msisdn: MSISDN) throws -> Bill? {
            state.bills[msisdn]?.max { $0.period < $1.period }
        }

        func addBill(_ bill: Bill, of msisdn: MSISDN) throws {
            state.bills[msisdn, default: []].append(bill)
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
    }
}
