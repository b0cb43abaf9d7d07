/// A subscriber number in canonical international form, digits only, without `+`:
/// `36301234567`.
///
/// Subscribers and network elements write numbers in many ways; ``init(parsing:)``
/// accepts the Hungarian ones the product brief lists and normalises them:
///
/// ```swift
/// MSISDN(parsing: "+36 30 123 4567")?.digits   // "36301234567"
/// MSISDN(parsing: "06-30-123-4567")?.digits    // "36301234567"
/// MSISDN(parsing: "0036301234567")?.digits     // "36301234567"
/// MSISDN(parsing: "1730")                      // nil: a short code is no MSISDN
/// ```
public struct MSISDN: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The canonical digits, e.g. `36301234567`.
    public let digits: String

    /// Wraps digits already known to be canonical (from the store) without checking.
    public init(canonical digits: String) {
        self.digits = digits
    }

    /// Normalises a number as written by a subscriber or a network element; `nil` when
    /// it is not a well-formed international or Hungarian national number.
    public init?(parsing text: some StringProtocol) {
        guard let digits = PhoneNumber.internationalDigits(text) else { return nil }
        self.digits = digits
    }

    /// A number from the UTF-8 bytes it was typed as (see ``init(parsing:)``).
    public init?(parsingUTF8 bytes: UnsafeRawBufferPointer) {
        guard let digits = PhoneNumber.internationalDigits(utf8: bytes) else { return nil }
        self.digits = digits
    }

    public var description: String { digits }

    public static func < (lhs: MSISDN, rhs: MSISDN) -> Bool { lhs.digits < rhs.digits }

    /// Hungarian subscribers: country code 36.
    public var isHungarian: Bool { digits.hasPrefix("36") }

    /// The number grouped the way a handset shows it: `+36 30 123 4567`.
    public var displayed: String { PhoneNumber.display(digits) }
}

/// Helpers shared by ``MSISDN`` and destination numbers.
public enum PhoneNumber {
    /// Shortest and longest international number we accept (E.164 allows 15 digits;
    /// Hungarian numbers have 10 or 11).
    public static let minimumDigits = 8
    public static let maximumDigits = 15

    /// Strips the separators people type (spaces, dashes, dots, slashes, brackets) and
    /// returns the digits with an optional leading `+`; `nil` on any other character.
    public static func compact(_ text: some StringProtocol) -> String? {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var first = true
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "+") where first && out.isEmpty:
                out.append("+")
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"),
                 UInt8(ascii: "("), UInt8(ascii: ")"), 0x09:
                break
            default:
                return nil
            }
            first = false
        }
        return out.isEmpty ? nil : out
    }

    /// Canonical international digits of a full number, or `nil`.
    /// `+36…` and `0036…` and `36…` are international; `06…` is Hungarian national
    /// (the trunk prefix 06 stands for the country code 36).
    ///
    /// Works on bytes in a stack buffer and makes one String at the end: every SMS
    /// line parses two numbers.
    public static func internationalDigits(_ text: some StringProtocol) -> String? {
        var text = String(text)
        return text.withUTF8 { internationalDigits(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// ``internationalDigits(_:)`` of the UTF-8 bytes of a number as typed: the line
    /// protocol's parser calls it on its input buffer, with no string in between.
    public static func internationalDigits(utf8: UnsafeRawBufferPointer) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumDigits + 2) { out in
            var count = 0
            var plus = false
            var sawAny = false
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    // Room for "36" replacing "06", so at most maximumDigits + 2.
                    guard count < maximumDigits + 2 else { return nil }
                    out[count] = byte
                    count += 1
                    sawAny = true
                case UInt8(ascii: "+") where !sawAny && !plus:
                    plus = true
                    sawAny = true
                case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"),
                     UInt8(ascii: "("), UInt8(ascii: ")"), 0x09:
                    continue
                default:
                    return nil
                }
            }
            var start = 0
            if plus {
                // +CC…
            } else if count >= 2, out[0] == UInt8(ascii: "0"), out[1] == UInt8(ascii: "0") {
                start = 2
            } else if count >= 2, out[0] == UInt8(ascii: "0"), out[1] == UInt8(ascii: "6") {
                out[0] = UInt8(ascii: "3")
            } else if count >= 2, out[0] == UInt8(ascii: "3"), out[1] == UInt8(ascii: "6") {
                // already international
            } else {
                return nil
            }
            let length = count - start
            guard length >= minimumDigits, length <= maximumDigits, out[start] != UInt8(ascii: "0") else {
                return nil
            }
            // Hungarian numbers are 36 + 8 or 9 digits.
            if out[start] == UInt8(ascii: "3"), out[start + 1] == UInt8(ascii: "6"), length != 10, length != 11 {
                return nil
            }
            return String(decoding: UnsafeBufferPointer(rebasing: out[start..<count]), as: UTF8.self)
        }
    }

    /// `36301234567` → `+36 30 123 4567`; `3612345678` → `+36 1 234 5678`.
    public static func display(_ digits: String) -> String {
        guard digits.hasPrefix("36") else { return "+" + digits }
        let national = Array(digits.dropFirst(2))
        let area = national.first == "1" ? 1 : 2
        guard national.count > area + 3 else { return "+" + digits }
        let a = String(national[..<area])
        let rest = national[area...]
        let b = String(rest.prefix(3))
        let c = String(rest.dropFirst(3))
        return "+36 \(a) \(b) \(c)"
    }
}
