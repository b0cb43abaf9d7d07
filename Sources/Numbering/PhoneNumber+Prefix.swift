extension PhoneNumber {
    /// Longest rate prefix accepted, in canonical digits.
    public static let maximumPrefixDigits = 20

    /// A rate prefix as written by operators, normalised into the canonical digit space of
    /// ``Destination/digits``, so a rate applies to a destination exactly when the
    /// destination's digits start with the normalised prefix:
    ///
    /// ```swift
    /// PhoneNumber.normalisedPrefix("0690")          // "3690": every 0690… premium number
    /// PhoneNumber.normalisedPrefix("06308080712")   // "36308080712"
    /// PhoneNumber.normalisedPrefix("+3690")         // "3690" (so is "003690")
    /// PhoneNumber.normalisedPrefix("16")            // "16": every 16xxx short code
    /// PhoneNumber.normalisedPrefix("0123")          // nil: 0 starts only 06… and 00…
    /// ```
    ///
    /// `06` stands for the country code 36 (as in ``internationalDigits(_:)``), `+` and
    /// `00` introduce international digits, anything else not starting with 0 is taken as
    /// written (short codes, international digits). Separators (spaces, dashes, dots,
    /// slashes, brackets) are ignored. `nil` for an empty prefix, any other character, a
    /// national form other than `06…`, or more than ``maximumPrefixDigits`` digits.
    public static func normalisedPrefix(_ text: some StringProtocol) -> String? {
        guard let compacted = compact(text) else { return nil }
        let digits: Substring
        if compacted.hasPrefix("+") {
            digits = compacted.dropFirst()
        } else if compacted.hasPrefix("00") {
            digits = compacted.dropFirst(2)
        } else if compacted.hasPrefix("06") {
            digits = Substring("36" + compacted.dropFirst(2))
        } else if compacted.hasPrefix("0") {
            return nil
        } else {
            digits = Substring(compacted)
        }
        // "+0…"/"000…" name no country; "+"/"00" alone name nothing.
        guard let first = digits.first, first != "0", digits.utf8.count <= maximumPrefixDigits else { return nil }
        return String(digits)
    }
}
