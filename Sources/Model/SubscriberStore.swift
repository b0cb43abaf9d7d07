import Numbering

/// What the engine may read and change, inside one transaction.
///
/// The durable implementation is `Store.SQLiteStore`; ``InMemoryStore`` is its twin for
/// unit tests. Every method runs inside ``SubscriberStore/write(_:)``: either all the
/// changes of the transaction are kept, or none.
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
    /// Adds a closed bill (operators, demo data).
    func addBill(_ bill: Bill, of msisdn: MSISDN) throws
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
    /// Appends an audit row.
    func audit(_ entry: AuditEntry) throws
}

/// A store of subscribers, accounts, ledger and audit.
public protocol SubscriberStore: AnyObject {
    /// Runs `body` in one write transaction and commits it; when `body` or the commit
    /// throws, nothing of it is kept and the error is rethrown.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unknownSubscriber(String)
    case duplicateSubscriber(String)
    /// A bucket would pass the range of a 64-bit integer.
    case overflow

    public var description: String {
        switch self {
        case .unknownSubscriber(let n): return "unknown subscriber \(n)"
        case .duplicateSubscriber(let n): return "subscriber \(n) exists"
        case .overflow: return "amount out of range"
        }
    }
}
