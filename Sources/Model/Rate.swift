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

/// An operator's `RATE SET` / `PUT /api/rates/…`: a partial update of one rate. What it
/// does not name is kept: a new price for an adult range stays adult unless the change
/// says `noadult` (`"adult": false`); a new rate is not adult unless it says so.
///
/// ```swift
/// let change = RateChange(prefix: "3691", price: 600, kind: .premium)        // adult: nil
/// change.applied(to: Rate(prefix: "3691", price: 500, kind: .premium, adult: true)).adult  // true
/// ```
public struct RateChange: Hashable, Sendable {
    public var prefix: String
    public var price: Int64
    public var kind: RateKind
    /// `true` / `false` to set the flag, `nil` to keep the stored one.
    public var adult: Bool?

    public init(prefix: String, price: Int64, kind: RateKind, adult: Bool? = nil) {
        self.prefix = prefix
        self.price = price
        self.kind = kind
        self.adult = adult
    }

    /// The rate this change leaves, over the one stored with the same prefix and kind.
    public func applied(to previous: Rate?) -> Rate {
        Rate(prefix: prefix, price: price, kind: kind, adult: adult ?? previous?.adult ?? false)
    }
}
