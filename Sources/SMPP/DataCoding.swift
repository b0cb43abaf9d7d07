import SMSText

/// What `data_coding` 0 (the "SMSC default alphabet") means on a link: SMSCs differ, so a
/// link's profile says. GSM 03.38 one septet per octet is the common reading.
public enum DefaultAlphabet: String, Sendable, CaseIterable {
    /// GSM 03.38, one septet per octet, escape pairs for the extension table.
    case gsm
    /// GSM 03.38 packed 7-bit (some USSD gateways).
    case gsmPacked = "gsm-packed"
    /// ISO 8859-1.
    case latin1
    /// IA5 / ASCII.
    case ascii
}

/// Texts in and out of `short_message` / `message_payload` (SMPP 3.4 §5.2.19, TS 23.038).
///
/// ```swift
/// TextCoding.decode([0x48, 0x69], dataCoding: 0, alphabet: .gsm)   // "Hi"
/// TextCoding.encode("Egyenleg: 100 Ft")   // (0, GSM septets)
/// TextCoding.encode("Őszi díj")           // (8, UTF-16BE)
/// ```
public enum TextCoding {
    /// The text of `octets` (the user data header already removed), or nil when the
    /// coding is binary, unknown or the octets are not valid in it.
    public static func decode(_ octets: ArraySlice<UInt8>, dataCoding: UInt8, alphabet: DefaultAlphabet) -> String? {
        switch dataCoding {
        case 0x00: return decode(octets, alphabet: alphabet)
        case 0x01: return decode(octets, alphabet: .ascii)
        case 0x03: return decode(octets, alphabet: .latin1)
        case 0x08: return ucs2(octets)
        // TS 23.038 coding groups a USSD or SMS gateway may pass through: 0x0F (CBS, GSM
        // 7-bit, language unspecified: USSD), 0xF0–0xF3 (message class, GSM 7-bit).
        case 0x0F, 0xF0...0xF3: return decode(octets, alphabet: alphabet == .gsmPacked ? .gsmPacked : .gsm)
        // General data coding 00xx: bits 3–2 say the alphabet (00 GSM, 10 UCS-2).
        case 0x10...0x3F where dataCoding & 0x0C == 0x00: return decode(octets, alphabet: .gsm)
        case 0x10...0x3F where dataCoding & 0x0C == 0x08: return ucs2(octets)
        default: return nil
        }
    }

    public static func decode(_ octets: [UInt8], dataCoding: UInt8, alphabet: DefaultAlphabet) -> String? {
        decode(octets[...], dataCoding: dataCoding, alphabet: alphabet)
    }

    static func decode(_ octets: ArraySlice<UInt8>, alphabet: DefaultAlphabet) -> String? {
        switch alphabet {
        case .gsm:
            return GSM7.decode(Array(octets))
        case .gsmPacked:
            return GSM7.decode(unpack(octets))
        case .latin1:
            var s = String.UnicodeScalarView()
            for o in octets { s.append(Unicode.Scalar(o)) }
            return String(s)
        case .ascii:
            guard octets.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: octets, as: UTF8.self)
        }
    }

    /// UTF-16BE (UCS-2, surrogate pairs allowed); nil on an odd length or a lone surrogate.
    static func ucs2(_ octets: ArraySlice<UInt8>) -> String? {
        guard octets.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(octets.count / 2)
        var i = octets.startIndex
        while i < octets.endIndex {
            units.append(UInt16(octets[i]) << 8 | UInt16(octets[i + 1]))
            i += 2
        }
        var out = String.UnicodeScalarView()
        var decoder = UTF16()
        var iterator = units.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): out.append(scalar)
            case .emptyInput: return String(out)
            case .error: return nil
            }
        }
    }

    /// Septets packed 8 into 7 octets (TS 23.038 §6.1.2.1.1), unpacked; a final CR that
    /// only fills the last octet's 7 spare bits is padding (§6.1.2.3.1) and dropped.
    static func unpack(_ octets: ArraySlice<UInt8>) -> [UInt8] {
        let count = octets.count * 8 / 7
        var septets: [UInt8] = []
        septets.reserveCapacity(count)
        let bytes = Array(octets)
        for n in 0..<count {
            let bit = n * 7
            let i = bit / 8, shift = bit % 8
            var v = Int(bytes[i]) >> shift
            if shift > 1, i + 1 < bytes.count { v |= Int(bytes[i + 1]) << (8 - shift) }
            septets.append(UInt8(v & 0x7F))
        }
        if count % 8 == 0, septets.last == 0x0D { septets.removeLast() }
        return septets
    }

    /// The octets a reply goes out in: GSM 03.38 (one septet per octet, `data_coding` 0)
    /// when every character is in the alphabet, else UCS-2 (`data_coding` 8).
    public static func encode(_ text: String) -> (dataCoding: UInt8, octets: [UInt8]) {
        if let septets = GSM7.encode(text) { return (0, septets) }
        return (8, ucs2Octets(text))
    }
}

extension TextCoding {
    /// UTF-16BE octets of `text`, whatever the alphabet could carry.
    ///
    /// Written scalar by scalar into a buffer sized from the UTF-8 length (never fewer
    /// bytes than UTF-16 units): `utf16.count` and the UTF-16 view's iterator on a native
    /// string cost a third of an SMPP reply's loop CPU.
    public static func ucs2Octets(_ text: String) -> [UInt8] {
        let capacity = text.utf8.count * 2
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var i = 0
            for scalar in text.unicodeScalars {
                let v = scalar.value
                if v < 0x10000 {
                    buffer[i] = UInt8(truncatingIfNeeded: v >> 8)
                    buffer[i + 1] = UInt8(truncatingIfNeeded: v)
                    i += 2
                } else {
                    // A surrogate pair: 4 octets for 4 UTF-8 bytes, so it fits.
                    let u = v - 0x10000
                    let high = 0xD800 + (u >> 10), low = 0xDC00 + (u & 0x3FF)
                    buffer[i] = UInt8(truncatingIfNeeded: high >> 8)
                    buffer[i + 1] = UInt8(truncatingIfNeeded: high)
                    buffer[i + 2] = UInt8(truncatingIfNeeded: low >> 8)
                    buffer[i + 3] = UInt8(truncatingIfNeeded: low)
                    i += 4
                }
            }
            count = i
        }
    }
}
