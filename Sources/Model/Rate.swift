import Numbering

/// What a rate prices (the `kind` column of the rate table).
public enum RateKind: String, Sendable, CaseIterable, Codable {
    /// Price of one MO SMS to the range.
    case premium
    /// Price of one received premium SMS from the range.
    case premiumMT = "premium-mt"
    /// Monthly fee, charged when a subscription starts.
    case subscription
    /// Fixed fee per SMS.
    case donation
}

/// One row of the operator's rate table: the price of a number range for one kind of use.
///
/// A range is a prefix of canonical digits (`3690` for every 0690 number, `16` for every
/// 16xxx short code); the longest matching prefix wins
/// (``StoreTransaction/rate(for:kind:)``).
///
/// ```swift
/// Rate(prefix: PhoneNumber.normalisedPrefix("0691")!, price: 500, kind: .premium, adult: true)
/// ```
public struct Rate: Hashable, Sendable {
    /// Canonical digits (see `PhoneNumber.normalisedPrefix`), 1 to ``maximumPrefixDigits``.
    public var prefix: String
    /// Forints, >= 0.
    public var price: Int64
    public var kind: RateKind
    /// Adult content: refused to minors.
    public var adult: Bool

    public init(prefix: String, price: Int64, kind: RateKind, adult: Bool = false) {
        self.prefix = prefix
        self.price = price
        self.kind = kind
        self.adult = adult
    }

    /// Longest prefix a rate may have (the stores check it, like the schema does).
    public static let maximumPrefixDigits = PhoneNumber.maximumPrefixDigits

    /// Why the stores refuse this rate, or `nil` when it may be stored: the prefix must be
    /// 1 to 20 ASCII digits and the price not negative. Both stores check this, so bad
    /// input gets the same clear error from either.
    public var problem: String? {
        if prefix.isEmpty || prefix.utf8.count > Self.maximumPrefixDigits
            || !prefix.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return "prefix \"\(prefix)\" is not 1 to \(Self.maximumPrefixDigits) digits"
        }
        if price < 0 { return "price \(price) is negative" }
        return nil
    }
}
