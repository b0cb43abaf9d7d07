import Numbering

/// One subscriber of an import file (`selfcare import subscribers`), checked: what the
/// file says of the number. `nil` fields are not in the file (or empty): kept as they are
/// for a subscriber the store has, defaults for a new one.
public struct SubscriberImportRow: Hashable, Sendable {
    /// The file's line, for every message about the row.
    public var line: Int
    public var msisdn: MSISDN
    public var product: Product
    public var language: Language?
    public var birthDate: CalendarDate?
    /// `active` or `suspended` (an import does not terminate).
    public var status: SubscriberStatus?
    /// Opening amounts of a new subscriber, forints (an existing one's money moves only
    /// by the ledger's own commands: its amounts must match, or be left empty).
    public var balance: Int64?
    public var universalBalance: Int64?
    public var allowance: Int64?
    /// The day the subscriber joined the network (the billing system knows it): S13's
    /// first months and the first month a bill closes count from it. `nil`: today, for
    /// a new subscriber.
    public var since: CalendarDate?

    public init(line: Int, msisdn: MSISDN, product: Product, language: Language? = nil, birthDate: CalendarDate? = nil,
                status: SubscriberStatus? = nil, balance: Int64? = nil, universalBalance: Int64? = nil, allowance: Int64? = nil,
                since: CalendarDate? = nil) {
        self.since = since
        self.line = line
        self.msisdn = msisdn
        self.product = product
        self.language = language
        self.birthDate = birthDate
        self.status = status
        self.balance = balance
        self.universalBalance = universalBalance
        self.allowance = allowance
    }
}

/// What one import row did (or, in a dry run, would do).
public enum ImportEffect: Hashable, Sendable {
    case added(String)
    case changed(String)
    case unchanged
    /// The row cannot be applied; the whole import is not.
    case refused(String)
}
