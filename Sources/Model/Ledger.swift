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
    /// A postpaid month closed: `unbilled` goes down by what the bill shows (issue 18).
    case bill
    /// An operator set the Mix allowance: the difference to what was left.
    case allowance
    /// Money moved between a subscriber's own buckets (a product change: the prepaid
    /// balance of a new postpaid subscriber goes to its universal balance).
    case transfer
    /// Money that leaves with a product change or a termination (a Mix allowance not
    /// carried over, a balance at termination; a refund, if any, is paid outside).
    case writeoff
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

/// A request to close a postpaid month (`BILL CLOSE 2026-10 [msisdn]`): one subscriber's,
/// or a page of every postpaid subscriber's in number order, so a run over millions is
/// many short transactions a client repeats with `after=` until no more follow.
public struct BillRun: Hashable, Sendable {
    /// `YYYY-MM`, a month that has ended, or ``lastMonth``.
    public var period: String
    /// One subscriber, or `nil`: every postpaid one.
    public var msisdn: MSISDN?
    /// The page starts after this number.
    public var after: String?
    /// Subscribers looked at in this page.
    public var limit: Int

    public static let defaultLimit = 1_000
    public static let maximumLimit = 10_000

    public init(period: String, msisdn: MSISDN? = nil, after: String? = nil, limit: Int = BillRun.defaultLimit) {
        self.period = period
        self.msisdn = msisdn
        self.after = after
        self.limit = limit
    }

    /// The month before the current one (Budapest time), resolved when the run runs:
    /// what a monthly billing job closes.
    public static let lastMonth = "last"

    /// `2026-10` with a month of 01…12, or `last` (``lastMonth``), or `nil`.
    public static func period(_ text: some StringProtocol) -> String? {
        if text.lowercased() == lastMonth { return lastMonth }
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
              bytes.enumerated().allSatisfy({ $0.offset == 4 || (0x30...0x39).contains($0.element) }),
              let month = Int(text.suffix(2)), (1...12).contains(month), Int(text.prefix(4))! >= 1
        else { return nil }
        return String(text)
    }

    /// The request as `BILL CLOSE` words.
    public var words: [String] {
        var words = [period]
        if let msisdn { words.append(msisdn.digits) }
        if let after { words.append("after=\(after)") }
        if limit != BillRun.defaultLimit { words.append("limit=\(limit)") }
        return words
    }
}
