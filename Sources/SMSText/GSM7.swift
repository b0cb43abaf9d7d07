/// The GSM 7-bit default alphabet of 3GPP TS 23.038 (GSM 03.38) §6.2.1, with its
/// extension table (§6.2.1.1): what an SMS or a USSD screen can carry without switching
/// to UCS-2, which halves the room (160 → 70 characters).
///
/// Work is per `Character`, so a decomposed `e` + U+0301 counts as the `é` it renders as;
/// CR LF (one `Character` in Swift) counts as the two septets it is.
///
/// ```swift
/// GSM7.isEncodable("Egyenleg: 1 250 Ft")   // true
/// GSM7.septets("Ár: 5 €")                   // nil (Á is not in the alphabet)
/// GSM7.septets("5 €")                       // 4: € is ESC + 0x65
/// GSM7.transliterate("Hűség, ő")            // "Huseg, o"
/// ```
public enum GSM7 {
    /// The escape septet that introduces an extension-table character.
    public static let escape: UInt8 = 0x1B

    /// The basic table, indexed by septet value. 0x1B is the escape, not a character.
    public static let basicTable: [Unicode.Scalar] = [
        "@", "£", "$", "¥", "è", "é", "ù", "ì", "ò", "Ç", "\n", "Ø", "ø", "\r", "Å", "å",
        "Δ", "_", "Φ", "Γ", "Λ", "Ω", "Π", "Ψ", "Σ", "Θ", "Ξ", "\u{1B}", "Æ", "æ", "ß", "É",
        " ", "!", "\"", "#", "¤", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
        "¡", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
        "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "Ä", "Ö", "Ñ", "Ü", "§",
        "¿", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
        "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "ä", "ö", "ñ", "ü", "à",
    ]

    /// The extension table: septet after the escape → character.
    public static let extensionTable: [UInt8: Unicode.Scalar] = [
        0x0A: "\u{0C}", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\",
        0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€",
    ]

    static let basicCodes: [Character: UInt8] = {
        var codes: [Character: UInt8] = [:]
        for (code, scalar) in basicTable.enumerated() where code != Int(escape) {
            codes[Character(scalar)] = UInt8(code)
        }
        return codes
    }()

    static let extensionCodes: [Character: UInt8] = {
        var codes: [Character: UInt8] = [:]
        for (code, scalar) in extensionTable { codes[Character(scalar)] = code }
        return codes
    }()

    /// The septets of one character (one or two; CR LF gives two), or nil.
    static func codes(of c: Character) -> [UInt8]? {
        if let code = basicCodes[c] { return [code] }
        if let code = extensionCodes[c] { return [escape, code] }
        if c == "\r\n" { return [0x0D, 0x0A] }
        return nil
    }

    /// Septet count of one character (1 or 2), or nil when it is outside the alphabet.
    static func septets(of c: Character) -> Int? {
        if basicCodes[c] != nil { return 1 }
        if extensionCodes[c] != nil || c == "\r\n" { return 2 }
        return nil
    }

    /// True when every character is in the basic or the extension table.
    ///
    /// Every reply is checked (Kannel is told to send UCS-2 when this is false), so it is
    /// decided per scalar from a table: a Character key hashes a normalised string
    /// (callgrind: ~16k instructions for a 1730 answer). A scalar outside both tables
    /// makes the text unencodable, unless it is a combining mark (`e` + U+0301 is `é`,
    /// which the table has): then the Character-by-Character look decides.
    public static func isEncodable(_ s: String) -> Bool {
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < UInt32(encodableScalars.count), encodableScalars[Int(v)] { continue }
            if v == 0x20AC { continue }  // €, the one table entry beyond U+03FF
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                return s.allSatisfy { septets(of: $0) != nil }
            default:
                return false
            }
        }
        return true
    }

    /// Septets whose character is the ASCII character of the same value.
    static let sameAsASCII: [Bool] = basicTable.enumerated().map { code, scalar in
        code != Int(escape) && scalar.value == UInt32(code)
    }

    /// Scalars below U+0400 that are in the basic or the extension table.
    static let encodableScalars: [Bool] = {
        var table = [Bool](repeating: false, count: 0x400)
        for (code, scalar) in basicTable.enumerated() where code != Int(escape) && scalar.value < 0x400 {
            table[Int(scalar.value)] = true
        }
        for scalar in extensionTable.values where scalar.value < 0x400 { table[Int(scalar.value)] = true }
        return table
    }()

    /// The length in septets (an extension character counts 2), or nil when some
    /// character is outside the alphabet.
    public static func septets(_ s: String) -> Int? {
        var total = 0
        for scalar in s.unicodeScalars {
            let code = scalarCode(scalar)
            guard code != noCode else { return isMark(scalar) ? septetsByCharacter(s) : nil }
            total += code >= 0x100 ? 2 : 1
        }
        return total
    }

    static func septetsByCharacter(_ s: String) -> Int? {
        var total = 0
        for c in s {
            guard let n = septets(of: c) else { return nil }
            total += n
        }
        return total
    }

    /// The unpacked septet values (one byte per septet, escape pairs included), or nil
    /// when some character is outside the alphabet. The packing into octets is the
    /// transport's business.
    public static func encode(_ s: String) -> [UInt8]? {
        // Every scalar gives at most 2 septets from at least 1 UTF-8 byte.
        var unencodable: Unicode.Scalar?
        let out = [UInt8](unsafeUninitializedCapacity: s.utf8.count * 2) { buffer, count in
            var i = 0
            // The table once, not a lazy global's check per scalar.
            let codes = scalarCodes
            for scalar in s.unicodeScalars {
                let v = scalar.value
                let code = v < 0x400 ? codes[Int(v)] : v == 0x20AC ? 0x165 : noCode
                guard code != noCode else {
                    unencodable = scalar
                    break
                }
                if code >= 0x100 {
                    buffer[i] = escape
                    i += 1
                }
                buffer[i] = UInt8(truncatingIfNeeded: code & 0x7F)
                i += 1
            }
            count = i
        }
        guard let unencodable else { return out }
        return isMark(unencodable) ? encodeByCharacter(s) : nil
    }

    /// Scalar by scalar from a table, the fast path (perf: encoding by `Character`, a
    /// normalised-string hash per letter, was 13% of an SMPP MO's CPU). A scalar the table
    /// lacks makes the text unencodable, unless it is a combining mark (`e` + U+0301 is
    /// the `é` the alphabet has): then the `Character` path decides.
    static let noCode: UInt16 = 0xFFFF

    /// Septet of a scalar below U+0400, or `0x100 | septet` for an extension character.
    static let scalarCodes: [UInt16] = {
        var table = [UInt16](repeating: noCode, count: 0x400)
        for (code, scalar) in basicTable.enumerated() where code != Int(escape) && scalar.value < 0x400 {
            table[Int(scalar.value)] = UInt16(code)
        }
        for (code, scalar) in extensionTable where scalar.value < 0x400 { table[Int(scalar.value)] = 0x100 | UInt16(code) }
        return table
    }()

    @inline(__always)
    static func scalarCode(_ scalar: Unicode.Scalar) -> UInt16 {
        let v = scalar.value
        if v < 0x400 { return scalarCodes[Int(v)] }
        return v == 0x20AC ? 0x165 : noCode   // €, the one table entry beyond U+03FF
    }

    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    static func encodeByCharacter(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for c in s {
            guard let codes = codes(of: c) else { return nil }
            out += codes
        }
        return out
    }

    /// The text of unpacked septets; an unknown escape pair reads as its second septet's
    /// basic character (TS 23.038 §6.2.1.1: a receiver shows the basic-table character).
    public static func decode(_ septets: [UInt8]) -> String? {
        // Most texts are letters, digits and the punctuation GSM and ASCII share: then the
        // septets are the text's UTF-8 as they are.
        if septets.allSatisfy({ sameAsASCII[Int($0 & 0x7F)] && $0 < 0x80 }) {
            return String(decoding: septets, as: UTF8.self)
        }
        var out = String.UnicodeScalarView()
        var escaped = false
        for septet in septets {
            guard septet < 0x80 else { return nil }
            if escaped {
                escaped = false
                out.append(extensionTable[septet] ?? basicTable[Int(septet)])
            } else if septet == escape {
                escaped = true
            } else {
                out.append(basicTable[Int(septet)])
            }
        }
        return String(out)
    }
}
