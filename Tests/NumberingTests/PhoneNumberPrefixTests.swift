import Numbering
import Testing

@Suite("PhoneNumber.normalisedPrefix: rate prefixes in Destination's digit space")
struct PhoneNumberPrefixTests {
    @Test(arguments: [
        ("0690", "3690"),
        ("06308080712", "36308080712"),
        ("+3690", "3690"),
        ("003690", "3690"),
        ("1690", "1690"),
        ("777", "777"),
        ("3690", "3690"),
        ("16", "16"),
        ("06 90", "3690"),
        ("06-91-123", "3691123"),
        ("+36 30 808 07", "363080807"),
        ("06", "36"),
        ("1", "1"),
        ("12345678901234567890", "12345678901234567890"),
        ("0012345678901234567890", "12345678901234567890"),
    ])
    func normalises(_ text: String, _ prefix: String) {
        #expect(PhoneNumber.normalisedPrefix(text) == prefix)
    }

    @Test(arguments: [
        "", " ", "-", "0", "0123", "01", "00", "+", "+0", "0006", "069a", "16#", "*100#", "36+90",
        "123456789012345678901", "06123456789012345678901",
    ])
    func refuses(_ text: String) {
        #expect(PhoneNumber.normalisedPrefix(text) == nil)
    }

    /// For any destination N and operator prefix P, both as dialled in Hungary, the
    /// destination's canonical digits start with the normalised prefix exactly when P is
    /// a prefix of N: so a rate keyed by the normalised prefix applies to exactly the
    /// numbers of the operator's range.
    @Test func matchesExactlyTheDialledRange() throws {
        let ranges = ["0690", "0691", "0691123", "069", "06", "16", "1690", "777", "7770", "06308080712",
                      "0630808071", "063080807", "1", "17"]
        let numbers = ["0690123456", "0690603000", "0691123456", "0691124000", "0692123456", "16123", "1690",
                       "16901", "1730", "777", "7770", "778", "06308080712", "06308080713", "06308080700",
                       "0630808071", "06303030440", "06201234567"]
        var matches = 0
        for range in ranges {
            let prefix = try #require(PhoneNumber.normalisedPrefix(range))
            for number in numbers {
                let digits = try #require(Destination(parsing: number)).digits
                let dialled = number.hasPrefix(range)
                #expect(digits.hasPrefix(prefix) == dialled, "\(range) / \(number)")
                // The same range written internationally names the same numbers.
                if range.hasPrefix("06") {
                    #expect(PhoneNumber.normalisedPrefix("+36" + range.dropFirst(2)) == prefix)
                    #expect(PhoneNumber.normalisedPrefix("0036" + range.dropFirst(2)) == prefix)
                }
                if dialled { matches += 1 }
            }
        }
        #expect(matches > 20)  // the grid really has both outcomes
    }
}
