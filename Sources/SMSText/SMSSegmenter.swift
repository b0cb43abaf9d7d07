/// How an SMS is coded on the air: the alphabet decides the room in one message.
public enum SMSEncoding: String, Sendable {
    /// GSM 7-bit default alphabet: 160 septets in one SMS, 153 per concatenated part.
    case gsm7
    /// UCS-2 (UTF-16 units): 70 in one SMS, 67 per concatenated part.
    case ucs2

    /// Room in a single, unsplit message.
    public var single: Int { self == .gsm7 ? 160 : 70 }
    /// Room in one part of a concatenated message (the rest carries the 6-octet UDH).
    public var part: Int { self == .gsm7 ? 153 : 67 }

    /// The length of a text in this coding's units (septets or UTF-16 units).
    func length(of c: Character) -> Int {
        self == .gsm7 ? (GSM7.septets(of: c) ?? 1) : c.utf16.count
    }
}

/// Splits a reply into the SMS parts a handset will join back (3GPP TS 23.040
/// concatenation), and sizes USSD screens.
///
/// ```swift
/// SMSSegmenter.segments("Egyenleg: 1 250 Ft.")            // one part, GSM 7-bit
/// SMSSegmenter.segments(String(repeating: "ő", count: 71)) // 2 parts: 67 + 4 (UCS-2)
/// SMSSegmenter.fitsUSSD("1 Egyenleg\n2 Tarifa")            // true
/// ```
public enum SMSSegmenter {
    /// Room in one USSD screen: 160 octets of 7-bit packed text (TS 23.038), 182 septets.
    public static let ussdMaximum = 182

    /// How far back (in characters) a full part looks for a space to break at.
    public static let wordBreakWindow = 15

    /// GSM 7-bit when every character is in the alphabet, UCS-2 otherwise.
    public static func encoding(of text: String) -> SMSEncoding {
        GSM7.isEncodable(text) ? .gsm7 : .ucs2
    }

    /// True when `screen` can go out as one USSD screen: GSM 7-bit, at most 182 septets.
    public static func fitsUSSD(_ screen: String) -> Bool {
        guard let n = GSM7.septets(screen) else { return false }
        return n <= ussdMaximum
    }

    /// The parts of an SMS: the text itself when it fits one message (160 septets or
    /// 70 UTF-16 units), else parts of at most 153 septets / 67 units. A part never ends
    /// inside a character (an escape pair, a surrogate pair or a combined letter stays
    /// whole) and ends after a space when one is among its last ``wordBreakWindow``
    /// characters. Joining the parts gives the text back; an empty text is one empty part.
    public static func segments(_ text: String) -> [String] {
        let encoding = encoding(of: text)
        let total = text.reduce(0) { $0 + encoding.length(of: $1) }
        if total <= encoding.single { return [text] }

        var parts: [String] = []
        var current: [Character] = []
        var used = 0
        for c in text {
            let n = encoding.length(of: c)
            if used + n > encoding.part, !current.isEmpty {
                let cut = breakPoint(current)
                parts.append(String(current[..<cut]))
                current.removeFirst(cut)
                used = current.reduce(0) { $0 + encoding.length(of: $1) }
            }
            current.append(c)
            used += n
        }
        if !current.isEmpty { parts.append(String(current)) }
        return parts
    }

    /// Where to end a full part: just after the last space among its last characters,
    /// else at its end.
    static func breakPoint(_ chars: [Character]) -> Int {
        let lowest = max(1, chars.count - wordBreakWindow)
        var i = chars.count - 1
        while i >= lowest {
            if chars[i] == " " { return i + 1 }
            i -= 1
        }
        return chars.count
    }
}
