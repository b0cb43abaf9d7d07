extension GSM7 {
    /// Rewrites a text into the GSM 7-bit alphabet, the way Hungarian operators send
    /// USSD screens: a letter outside the alphabet is written without its accent
    /// (`ő`→`o`, `Ű`→`U`, `á`→`a`, `ł`→`l`); letters that ARE in the alphabet stay
    /// (`é`, `É`, `ö`, `Ö`, `ü`, `Ü`, `à`); typographic punctuation gets its plain form
    /// (`„…”`→`"…"`, `–`→`-`, `…`→`...`); anything else becomes `?`.
    ///
    /// ```swift
    /// GSM7.transliterate("Hűség: őszi ÁSZF – 5 €")   // "Huseg: oszi ASZF - 5 €"
    /// ```
    public static func transliterate(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            if septets(of: c) != nil {
                out.append(c)
            } else if let plain = punctuation[c] {
                out += plain
            } else if let base = baseLetter(of: c), septets(of: base) != nil {
                out.append(base)
            } else {
                out.append("?")
            }
        }
        return out
    }

    /// Typographic characters common in Hungarian and English texts, in plain ASCII.
    static let punctuation: [Character: String] = [
        "„": "\"", "“": "\"", "”": "\"", "«": "\"", "»": "\"", "‟": "\"",
        "‚": "'", "‘": "'", "’": "'", "‛": "'", "´": "'", "`": "'",
        "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
        "…": "...", "\u{A0}": " ", "\u{2009}": " ", "\u{202F}": " ", "\t": " ",
        "•": "-", "·": ".", "×": "x",
        "Œ": "OE", "œ": "oe", "Ĳ": "IJ", "ĳ": "ij",
    ]

    /// The unaccented letter of an accented Latin letter: the base of a decomposed
    /// sequence (`o` + U+030B), else the letter its Unicode name is built on
    /// (`LATIN SMALL LETTER O WITH DOUBLE ACUTE` → `o`).
    static func baseLetter(of c: Character) -> Character? {
        let scalars = c.unicodeScalars
        guard let first = scalars.first else { return nil }
        if scalars.count > 1 {
            let marksOnly = scalars.dropFirst().allSatisfy { $0.properties.generalCategory == .nonspacingMark }
            return marksOnly && first.isASCII && first.properties.isAlphabetic ? Character(first) : nil
        }
        guard let name = first.properties.name else { return nil }
        let small = "LATIN SMALL LETTER ", capital = "LATIN CAPITAL LETTER "
        let rest: Substring
        let lower: Bool
        if name.hasPrefix(small) { rest = name.dropFirst(small.count); lower = true }
        else if name.hasPrefix(capital) { rest = name.dropFirst(capital.count); lower = false }
        else { return nil }
        let letter = rest.prefix { $0 != " " }
        let remainder = rest.dropFirst(letter.count)
        let isDotlessI = letter == "DOTLESS" && remainder.hasPrefix(" I")
        guard letter.count == 1 || isDotlessI,
              remainder.isEmpty || remainder.hasPrefix(" WITH ") || isDotlessI else { return nil }
        let base = isDotlessI ? "I" : String(letter)
        return Character(lower ? base.lowercased() : base)
    }
}
