/// Case and accent folding, so `HÍREK`, `hírek`, `Hirek` and `HIREK` are one word.
///
/// Letters are upper-cased; the Hungarian accented vowels (and the look-alikes phones
/// send when their alphabet lacks ő and ű: õ, ô, û …) lose their accents; combining
/// accents are dropped; typographic dashes become `-`. Folding twice changes nothing.
///
/// ```swift
/// Folding.fold("Időjárás")   // "IDOJARAS"
/// Folding.fold("–horo")      // "-HORO"
/// ```
public enum Folding {
    public static func fold(_ text: some StringProtocol) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { append(scalar, to: &out) }
        return String(out)
    }

    /// Folds one scalar onto `out` (none for a combining accent, several for `ß`).
    static func append(_ scalar: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        let v = scalar.value
        if v < 0x80 {
            out.append(v >= 0x61 && v <= 0x7A ? Unicode.Scalar(UInt8(v - 0x20)) : scalar)
            return
        }
        if (0x0300...0x036F).contains(v) { return }            // combining accents
        if (0x2010...0x2015).contains(v) || v == 0x2212 {       // hyphens, en/em dash, minus
            out.append("-")
            return
        }
        if let plain = accentless(v) {
            out.append(plain)
            return
        }
        for upper in scalar.properties.uppercaseMapping.unicodeScalars {
            if upper.value < 0x80 || (0x0300...0x036F).contains(upper.value) {
                append(upper, to: &out)
            } else {
                out.append(accentless(upper.value) ?? upper)
            }
        }
    }

    /// The unaccented capital of a Latin-1 / Latin Extended-A vowel (and ç, ñ, ý).
    static func accentless(_ v: UInt32) -> Unicode.Scalar? {
        switch v {
        case 0xC0...0xC5, 0xE0...0xE5, 0x100...0x105: return "A"
        case 0xC8...0xCB, 0xE8...0xEB, 0x112...0x11B: return "E"
        case 0xCC...0xCF, 0xEC...0xEF, 0x128...0x130: return "I"
        case 0xD2...0xD6, 0xD8, 0xF2...0xF6, 0xF8, 0x14C...0x151: return "O"
        case 0xD9...0xDC, 0xF9...0xFC, 0x168...0x173: return "U"
        case 0xC7, 0xE7: return "C"
        case 0xD1, 0xF1: return "N"
        case 0xDD, 0xFD, 0xFF: return "Y"
        default: return nil
        }
    }

    static func isDash(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "-" || (0x2010...0x2015).contains(scalar.value) || scalar.value == 0x2212
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0xA0, 0x2007, 0x202F, 0x3000: return true
        default: return false
        }
    }
}

/// One word of an SMS: where it stands in the text, and its folded form without
/// trailing punctuation (`Sport!` → `SPORT`).
struct Token {
    var range: Range<String.Index>
    var folded: String
}

enum Tokenizer {
    /// Splits on white space. A word that starts with a dash followed by a letter gives
    /// the dash as a word of its own (`-HORO` = `- HORO`); `-5` and `06-30` stay whole.
    /// Words made only of `.,!?;:` are dropped.
    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex {
            if Folding.isSpace(scalars[i]) {
                i = scalars.index(after: i)
                continue
            }
            var end = i
            while end < scalars.endIndex, !Folding.isSpace(scalars[end]) { end = scalars.index(after: end) }
            var start = i
            while Folding.isDash(scalars[start]) {
                let next = scalars.index(after: start)
                guard next < end, !isDigit(scalars[next]) else { break }
                tokens.append(Token(range: start..<next, folded: "-"))
                start = next
            }
            add(text, start..<end, to: &tokens)
            i = end
        }
        return tokens
    }

    /// Folds a keyword or alias as written in a grammar file into its words.
    static func words(_ text: some StringProtocol) -> [String] {
        tokens(String(text)).map(\.folded)
    }

    private static func add(_ text: String, _ range: Range<String.Index>, to tokens: inout [Token]) {
        var folded = String.UnicodeScalarView()
        for scalar in text.unicodeScalars[range] { Folding.append(scalar, to: &folded) }
        while let last = folded.last, isTrailingPunctuation(last) { folded.removeLast() }
        guard !folded.isEmpty else { return }
        tokens.append(Token(range: range, folded: String(folded)))
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    static func isTrailingPunctuation(_ s: Unicode.Scalar) -> Bool {
        s == "." || s == "," || s == "!" || s == "?" || s == ";" || s == ":"
    }
}
