/// The Hungarian numbering plan, as far as the services need it: which national numbers
/// are mobile and which are geographic fixed lines.
extension MSISDN {
    /// Mobile network codes: 20, 30, 31, 50, 70.
    static let mobileCodes: Set<String> = ["20", "30", "31", "50", "70"]
    /// Geographic area codes (1 is Budapest, the others two digits).
    static let areaCodes: Set<String> = [
        "22", "23", "24", "25", "26", "27", "28", "29", "32", "33", "34", "35", "36", "37", "42", "44", "45",
        "46", "47", "48", "49", "52", "53", "54", "56", "57", "59", "62", "63", "66", "68", "69", "72", "73",
        "74", "75", "76", "77", "78", "79", "82", "83", "84", "85", "87", "88", "89", "92", "93", "94", "95",
        "96", "99",
    ]

    /// The digits after the country code 36, or `nil` for a foreign number.
    public var nationalDigits: Substring? { isHungarian ? digits.dropFirst(2) : nil }

    /// `+36 20/30/31/50/70` and 7 more digits.
    public var isHungarianMobile: Bool {
        guard let national = nationalDigits else { return false }
        return national.count == 9 && MSISDN.mobileCodes.contains(String(national.prefix(2)))
    }

    /// `+36 1` and 7 digits, or a two-digit area code and 6.
    public var isHungarianFixed: Bool {
        guard let national = nationalDigits, national.count == 8 else { return false }
        return national.hasPrefix("1") || MSISDN.areaCodes.contains(String(national.prefix(2)))
    }
}
