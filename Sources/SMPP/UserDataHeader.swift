/// The concatenation part of a user data header (TS 23.040 §9.2.3.24.1 and .8): which
/// part of which long message a short message is.
public struct Concatenation: Equatable, Sendable {
    public var reference: UInt16
    public var total: UInt8
    public var number: UInt8

    public init(reference: UInt16, total: UInt8, number: UInt8) {
        self.reference = reference
        self.total = total
        self.number = number
    }

    /// A part that makes sense: 1 ≤ number ≤ total.
    public var isValid: Bool { total >= 1 && number >= 1 && number <= total }
}

public enum UserDataHeader {
    public struct Parsed: Equatable, Sendable {
        /// Octets the header takes (UDHL and the header itself).
        public var length: Int
        public var concatenation: Concatenation?
    }

    /// The header at the start of `payload` (esm_class bit 6 set), or nil when its
    /// length or an element's runs past the payload.
    public static func parse(_ payload: [UInt8]) -> Parsed? {
        guard let udhl = payload.first, Int(udhl) + 1 <= payload.count else { return nil }
        var i = 1
        let end = Int(udhl) + 1
        var concatenation: Concatenation?
        while i < end {
            guard i + 1 < end else { return nil }
            let iei = payload[i], length = Int(payload[i + 1])
            let value = i + 2
            guard value + length <= end else { return nil }
            if iei == 0x00, length == 3 {
                concatenation = Concatenation(reference: UInt16(payload[value]), total: payload[value + 1],
                                              number: payload[value + 2])
            } else if iei == 0x08, length == 4 {
                concatenation = Concatenation(reference: UInt16(payload[value]) << 8 | UInt16(payload[value + 1]),
                                              total: payload[value + 2], number: payload[value + 3])
            }
            i = value + length
        }
        return Parsed(length: end, concatenation: concatenation)
    }

    /// The 6-octet header of part `number` of `total` (8-bit reference).
    public static func concatenation(reference: UInt8, total: UInt8, number: UInt8) -> [UInt8] {
        [0x05, 0x00, 0x03, reference, total, number]
    }
}
