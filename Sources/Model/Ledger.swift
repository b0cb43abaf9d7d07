import Numbering

/// The money buckets of a subscriber. Each one always equals the sum of the ledger rows
/// posted to it.
public enum Bucket: String, Sendable, CaseIterable, Codable {
    case balance
    case universal
    case unbilled
    case allowance
}

/// Why money moved. Stored as text in the ledger.
public enum LedgerKind: String, Sendable, CaseIterable, Codable {
    /// The starting amount of a bucket when the subscriber is created or migrated.
    case opening
    /// An operator top-up (TOPUP).
    case topup
    /// A purchase (premium SMS, mobile purchase, subscription fee): the 1730 "last purchase".
    case purchase
    /// Any other charge or refund.
    case charge
}

/// One balance change. `amount` is signed: a top-up is positive, a charge negative,
/// except in `unbilled`, where usage adds to what will be billed.
public struct LedgerEntry: Hashable, Sendable {
    public var msisdn: MSISDN
    public var bucket: Bucket
    public var amount: Int64
    public var kind: LedgerKind
    /// Free reference: the request, the rate prefix, the operator's note.
    public var reference: String?
    /// Unix time, seconds.
    public var at: Int64

    public init(msisdn: MSISDN, bucket: Bucket, amount: Int64, kind: LedgerKind, reference: String? = nil, at: Int64) {
        self.msisdn = msisdn
        self.bucket = bucket
        self.amount = amount
        self.kind = kind
        self.reference = reference
        self.at = at
    }
}

/// The most recent purchase, for the 1730 answer.
public struct Purchase: Hashable, Sendable {
    /// Unix time, seconds.
    public var at: Int64
    /// Forints spent (positive).
    public var amount: Int64

    public init(at: Int64, amount: Int64) {
        self.at = at
        self.amount = amount
    }
}

/// A closed monthly bill.
public struct Bill: Hashable, Sendable {
    /// `YYYY-MM`
    public var period: String
    /// Forints.
    public var amount: Int64

    public init(period: String, amount: Int64) {
        self.period = period
        self.amount = amount
    }
}
