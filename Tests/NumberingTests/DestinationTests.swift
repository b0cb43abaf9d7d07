import Numbering
import Testing

@Suite("Destination: short codes and full numbers")
struct DestinationTests {
    /// Service short codes are 3 to 6 digits: 777 (InfoSMS), 1730 (balance), 16xxx
    /// (premium), and they keep their digits as written.
    @Test(arguments: [
        ("777", "777"),
        ("1730", "1730"),
        ("16123", "16123"),
        ("123456", "123456"),
        ("17 30", "1730"),
        ("16-123", "16123"),
        (" 777 ", "777"),
    ])
    func shortCodes(_ text: String, _ code: String) {
        let destination = Destination(parsing: text)
        #expect(destination == .shortCode(code))
        #expect(destination?.digits == code)
        #expect(destination?.description == code)
    }

    /// Premium 0690/0691 numbers are national numbers: they become 3690…/3691….
    @Test(arguments: [
        ("0690123456", "3690123456"),
        ("06 90 123 456", "3690123456"),
        ("06-90-603-000", "3690603000"),
        ("+3690123456", "3690123456"),
        ("003690123456", "3690123456"),
        ("3690123456", "3690123456"),
        ("0691 123 456", "3691123456"),
    ])
    func premiumNumbers(_ text: String, _ digits: String) {
        #expect(Destination(parsing: text) == .number(digits))
    }

    /// Third-party InfoSMS partners (S2) and the horoscope number (S3) are mobile numbers.
    @Test(arguments: [
        ("06308080712", "36308080712"),
        ("06-30-808-0712", "36308080712"),
        ("+36308080712", "36308080712"),
        ("36308080712", "36308080712"),
        ("0036 30 808 0700", "36308080700"),
        ("06 30 303 0440", "36303030440"),
    ])
    func partnerAndServiceNumbers(_ text: String, _ digits: String) {
        let destination = Destination(parsing: text)
        #expect(destination == .number(digits))
        #expect(destination?.digits == digits)
        #expect(destination?.description == digits)
    }

    /// A leading 0 starts a national number, never a short code; anything else that is
    /// neither a short code nor a full number is refused.
    @Test(arguments: [
        "0777", "01730", "016123", "0123", "00777", "0690", "06123", "+1730", "+777",
        "12", "1", "1234567", "17a30", "", " ", "-", "+", "1730#", "*100#", "17+30",
        "06 90 12", "069012345678901",
    ])
    func refused(_ text: String) {
        #expect(Destination(parsing: text) == nil, "\(text.debugDescription) must be refused")
    }

    @Test func shortCodeAndNumberWithTheSameDigitsDiffer() {
        #expect(Destination.shortCode("1730") != Destination.number("1730"))
        #expect(Set([Destination(parsing: "06308080712"), Destination(parsing: "+36 30 808 0712")]).count == 1)
    }

    @Test func shortCodeRangeIsThreeToSixDigits() {
        #expect(Destination.shortCodeDigits == 3...6)
        for length in 1...8 {
            let text = String(repeating: "7", count: length)
            let parsed = Destination(parsing: text)
            if (3...6).contains(length) {
                #expect(parsed == .shortCode(text))
            } else {
                #expect(parsed == nil, "\(text)")
            }
        }
    }
}
