/// Where an SMS or a USSD string is addressed: a service short code (`1730`, `777`,
/// `16123`) or a full number in canonical international digits (`36303030440`,
/// `3690123456` for a premium 0690 number).
///
/// ```swift
/// Destination(parsing: "1730")             // .shortCode("1730")
/// Destination(parsing: "06 90 123 456")    // .number("3690123456")
/// Destination(parsing: "+36308080712")     // .number("36308080712")
/// ```
public enum Destination: Hashable, Sendable, CustomStringConvertible {
    case shortCode(String)
    case number(String)

    /// Short codes are 3 to 6 digits and never start with 0 (0 starts a national number).
    public static let shortCodeDigits = 3...6

    public init?(parsing text: some StringProtocol) {
        // Fast path: a bare short code, as the network sends most destinations.
        let utf8 = text.utf8
        if Destination.shortCodeDigits.contains(utf8.count), utf8.first != UInt8(ascii: "0"),
           utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            self = .shortCode(String(text))
            return
        }
        guard let compacted = PhoneNumber.compact(text) else { return nil }
        if !compacted.hasPrefix("+"), !compacted.hasPrefix("0"),
           Destination.shortCodeDigits.contains(compacted.utf8.count) {
            self = .shortCode(compacted)
        } else if let digits = PhoneNumber.internationalDigits(compacted) {
            self = .number(digits)
        } else {
            return nil
        }
    }

    /// The canonical digits (a short code as is).
    public var digits: String {
        switch self {
        case .shortCode(let code): return code
        case .number(let digits): return digits
        }
    }

    public var description: String { digits }
}
