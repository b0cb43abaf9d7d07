import Numbering

/// The subscriber's product (díjcsomag family).
public enum Product: String, Sendable, CaseIterable, Codable {
    /// Domino: pays in advance from a balance.
    case prepaid
    /// Invoiced monthly: the month's unbilled amount grows, a bill closes it.
    case postpaid
    /// Mix: a monthly allowance in forints, plus a topped-up balance (§4.10.a).
    case mix
}

/// Whether the subscription works (§4.8: a suspended one may only query its balance and
/// ask for reconnection).
public enum SubscriberStatus: String, Sendable, CaseIterable, Codable {
    case active
    case suspended
    /// Ended by the operator (`SUB END`): kept for the ledger and the audit, refused
    /// everywhere else, its number free for a new subscriber after the quarantine.
    case terminated
}

/// Language of the replies (1412 map 2.9: a subscriber may switch to English).
public enum Language: String, Sendable, CaseIterable, Codable {
    case hu
    case en
}

/// A calendar date without time zone, as stored (`YYYY-MM-DD`).
public struct CalendarDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` and checks the day exists (leap years included).
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        // Int("+1") is 1: only ASCII digits may stand between the dashes.
        guard text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) }),
              parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              CalendarDate.isValid(year: y, month: m, day: d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `2012-06-01`
    public var iso: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public var description: String { iso }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Full years of age on `today`.
    public func age(on today: CalendarDate) -> Int {
        var years = today.year - year
        if (today.month, today.day) < (month, day) { years -= 1 }
        return years
    }
}

/// A subscriber as the engine sees it. The PIN lives apart (``PINRecord``) so the hot
/// path never loads it.
public struct Subscriber: Hashable, Sendable {
    public var msisdn: MSISDN
    public var product: Product
    public var status: SubscriberStatus
    public var birthDate: CalendarDate?
    public var language: Language
    /// Prepaid (Domino) balance; for Mix the topped-up balance. Forints.
    public var balance: Int64
    /// Universal balance (univerzális egyenleg), any product. Forints.
    public var universalBalance: Int64
    /// Postpaid: what the month has used so far and is not yet billed. Forints.
    public var unbilled: Int64
    /// Mix: what is left of this month's allowance. Forints.
    public var allowance: Int64

    public init(
        msisdn: MSISDN, product: Product, status: SubscriberStatus = .active,
        birthDate: CalendarDate? = nil, language: Language = .hu,
        balance: Int64 = 0, universalBalance: Int64 = 0, unbilled: Int64 = 0, allowance: Int64 = 0
    ) {
        self.msisdn = msisdn
        self.product = product
        self.status = status
        self.birthDate = birthDate
        self.language = language
        self.balance = balance
        self.universalBalance = universalBalance
        self.unbilled = unbilled
        self.allowance = allowance
    }

    /// The value of one money bucket.
    public subscript(bucket: Bucket) -> Int64 {
        get {
            switch bucket {
            case .balance: return balance
            case .universal: return universalBalance
            case .unbilled: return unbilled
            case .allowance: return allowance
            }
        }
        set {
            switch bucket {
            case .balance: balance = newValue
            case .universal: universalBalance = newValue
            case .unbilled: unbilled = newValue
            case .allowance: allowance = newValue
            }
        }
    }
}

/// The subscriber password (5 digits, 1412 map) and its lock-out state.
/// Which subscribers `SUB LIST` and `GET /api/subscribers` show: those whose number
/// starts with `prefix` (canonical digits), of a product and status when given, after
/// the number `after` (the page before ended there), at most `limit`, in number order.
public struct SubscriberQuery: Hashable, Sendable {
    public var prefix: String
    public var product: Product?
    public var status: SubscriberStatus?
    public var after: String?
    public var limit: Int

    /// A page holds at most this many.
    public static let maximumLimit = 1_000
    public static let defaultLimit = 50

    public init(prefix: String = "", product: Product? = nil, status: SubscriberStatus? = nil, after: String? = nil,
                limit: Int = SubscriberQuery.defaultLimit) {
        self.prefix = prefix
        self.product = product
        self.status = status
        self.after = after
        self.limit = limit
    }

    /// The query as `SUB LIST` words (what is not the default).
    public var words: [String] {
        var words: [String] = prefix.isEmpty ? [] : [prefix]
        if let product { words.append("product=\(product.rawValue)") }
        if let status { words.append("status=\(status.rawValue)") }
        if let after { words.append("after=\(after)") }
        if limit != SubscriberQuery.defaultLimit { words.append("limit=\(limit)") }
        return words
    }

    /// Whether `subscriber` is one the query shows (ignoring `after` and `limit`).
    public func matches(_ subscriber: Subscriber) -> Bool {
        subscriber.msisdn.digits.hasPrefix(prefix) && (product == nil || subscriber.product == product)
            && (status == nil || subscriber.status == status)
    }
}

/// What an operator does to a subscriber's PIN (issue 18): set one (the subscriber is
/// told by a security notice), reset it to a new random one sent to the handset by SMS
/// (never shown to the operator), or lift a lock-out early.
public enum PINChange: Hashable, Sendable {
    case set(String)
    case reset
    case unlock

    /// The word of the line protocol's `PIN` verb.
    public var word: String {
        switch self {
        case .set: "SET"
        case .reset: "RESET"
        case .unlock: "UNLOCK"
        }
    }
}

public struct PINRecord: Hashable, Sendable {
    /// ``PasswordHash`` encoding; `nil` when the subscriber never set a PIN.
    public var hash: String?
    /// Wrong PINs in a row.
    public var failures: Int
    /// Unix time until which PIN-protected commands are locked, if locked.
    public var lockedUntil: Int64?

    public init(hash: String?, failures: Int = 0, lockedUntil: Int64? = nil) {
        self.hash = hash
        self.failures = failures
        self.lockedUntil = lockedUntil
    }
}

/// What an operator changes of a subscriber: any of language, status, birth date,
/// product and Mix allowance (`nil`: as it is). A product change and an allowance move
/// money through the ledger; a top-up is ``Command/topUp(_:amount:)``.
public struct ProfileChange: Hashable, Sendable {
    public var language: Language?
    public var status: SubscriberStatus?
    public var birthDate: CalendarDate?
    /// A product change: its money moves through the ledger (docs/OPERATIONS.md).
    public var product: Product?
    /// Mix: what is left of this month's allowance, forints.
    public var allowance: Int64?

    public init(language: Language? = nil, status: SubscriberStatus? = nil, birthDate: CalendarDate? = nil,
                product: Product? = nil, allowance: Int64? = nil) {
        self.language = language
        self.status = status
        self.birthDate = birthDate
        self.product = product
        self.allowance = allowance
    }

    public var isEmpty: Bool { language == nil && status == nil && birthDate == nil && product == nil && allowance == nil }

    /// `lang=en status=suspended birth=2001-02-03 product=mix allowance=5000`: the options as `SUB SET` writes them,
    /// for the audit row.
    public var options: String {
        var words: [String] = []
        if let language { words.append("lang=\(language.rawValue)") }
        if let status { words.append("status=\(status.rawValue)") }
        if let birthDate { words.append("birth=\(birthDate.iso)") }
        if let product { words.append("product=\(product.rawValue)") }
        if let allowance { words.append("allowance=\(allowance)") }
        return words.joined(separator: " ")
    }
}
