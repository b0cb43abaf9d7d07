/// A running subscription of a subscriber to a service (InfoSMS topics, partner
/// services, the horoscope). Its monthly fee was charged, as a ledger post, when it started.
public struct Subscription: Hashable, Sendable {
    /// The service, unique per subscriber: `777:SPORT`, `partner:36308080712`, `horoscope`.
    public var service: String
    /// Monthly fee charged when it started, forints.
    public var fee: Int64
    /// Unix seconds.
    public var startedAt: Int64
    /// Service-specific detail, e.g. the birth date of a horoscope subscription.
    public var detail: String?

    public init(service: String, fee: Int64, startedAt: Int64, detail: String? = nil) {
        self.service = service
        self.fee = fee
        self.startedAt = startedAt
        self.detail = detail
    }
}
