extension PhoneNumber {
    /// Longest prefix we accept: a full international number is at most 15 digits, the
    /// rest is head-room for odd service numbers.
    public static let maximumPrefixDigits = 20

    /// A number prefix (or whole number) as an operator writes it — the way subscribers
    /// dial it, or internationally — in the canonical digit space of
    /// ``Destination/digits``, so that a prefix and a destination compare digit by digit.
    ///
    /// `06…` is national (the trunk prefix stands for 36), `+…` and `00…` international,
    /// anything else that does not start with `0` (a short code, `36…`) stays as it is.
    /// Spaces, dashes, dots, slashes and brackets are ignored.
    ///
    /// ```swift
    /// PhoneNumber.normalisedPrefix("0690")          // "3690"
    /// PhoneNumber.normalisedPrefix("06-30-8080-712") // "36308080712"
    /// PhoneNumber.normalisedPrefix("+3690")         // "3690"
    /// PhoneNumber.normalisedPrefix("003690")        // "3690"
    /// PhoneNumber.normalisedPrefix("1690")          // "1690"
    /// PhoneNumber.normalisedPrefix("0120")          // nil: not a form we know
    /// ```
    ///
    /// Returns `nil` for empty text, any other character, another national `0…` form, or
    /// more than ``maximumPrefixDigits`` digits. Normalising a result again gives it back.
    public static func normalisedPrefix(_ text: some StringProtocol) -> String? {
        guard let compacted = compact(text) else { return nil }
        var digits = Substring(compacted)
        if digits.hasPrefix("+") {
            digits = digits.dropFirst()
        } else if digits.hasPrefix("00") {
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("06") {
            digits = "36" + digits.dropFirst(2)
        } else if digits.hasPrefix("0") {
            return nil
        }
        // `+0…` or `000…` is no country code.
        guard let first = digits.first, first != "0", digits.utf8.count <= maximumPrefixDigits else {
            return nil
        }
        return String(digits)
    }
}
