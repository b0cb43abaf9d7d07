import TestSupport
import Numbering
import Testing

@Suite("MSISDN: subscribers' numbers normalise to canonical digits")
struct MSISDNTests {
    /// Every writing the product brief lists, and the usual separators around them.
    @Test(arguments: [
        "+36301234567",
        "0036301234567",
        "06301234567",
        "36301234567",
        "06-30-123-4567",
        "+36 30 123 4567",
        "06 (30) 123-4567",
        "0036 30 123 4567",
        "+36-30-123-4567",
        "06/30/123-4567",
        "06.30.123.4567",
        "36 30 1234567",
        "(06 30) 123 45 67",
        "06\t30\t1234567",
        "  06 30 123 4567  ",
    ])
    func acceptedWritingsNormaliseToTheCanonicalNumber(_ text: String) throws {
        let msisdn = try #require(MSISDN(parsing: text), "\(text) must be accepted")
        #expect(msisdn.digits == "36301234567")
        #expect(msisdn.description == "36301234567")
        #expect(msisdn == MSISDN(canonical: "36301234567"))
        #expect(msisdn.isHungarian)
        // The line protocol parses from its input bytes: the same answer.
        var bytes = text
        #expect(bytes.withUTF8 { MSISDN(parsingUTF8: UnsafeRawBufferPointer($0)) } == msisdn)
    }

    @Test(arguments: [
        ("+36 1 234 5678", "3612345678"),      // Budapest: area 1 + 7 digits
        ("06-1-234-5678", "3612345678"),
        ("06 20 987 6543", "36209876543"),
        ("06 70 555 0101", "36705550101"),
        ("06 22 123 456", "3622123456"),       // Székesfehérvár: area 22 + 6 digits
        ("+44 20 7946 0958", "442079460958"),  // foreign, international writing only
        ("0044 20 7946 0958", "442079460958"),
        ("+1 202 555 0143", "12025550143"),
    ])
    func otherNumbersNormaliseToo(_ text: String, _ canonical: String) throws {
        let msisdn = try #require(MSISDN(parsing: text), "\(text) must be accepted")
        #expect(msisdn.digits == canonical)
        #expect(msisdn.isHungarian == canonical.hasPrefix("36"))
    }

    @Test(arguments: [
        // letters
        "06-30-ABC-4567", "O6301234567", "06301234567x", "tel:+36301234567", "abc",
        // too short / too long in general (8…15 digits)
        "+1234567", "+1234567890123456", "001234567", "0036301234567890123",
        // Hungarian with the wrong number of digits (36 + 8 or 9)
        "06301234", "063012345", "+36 30 123 45", "063012345678", "+36 30 123 45678",
        "36301234567890",
        // empty or nothing but separators
        "", " ", "\t", "- - -", "()", "./()-", "+",
        // a `+` anywhere but first
        "36+301234567", "06301234567+", "+3630+1234567", "++36301234567",
        // a lone trunk or international prefix
        "06", "0036", "00", "36", "+36", "0",
        // a 9-digit national number without 06 or 36
        "301234567", "30 123 4567", "1 234 5678",
        // a zero after the country code, or a stray trunk zero
        "+06301234567", "0006301234567", "+360301234567",
        // a short code is no MSISDN
        "1730", "777", "16123",
        // digits that are not ASCII, and other non-ASCII
        "０６３０１２３４５６７", "٠٦٣٠١٢٣٤٥٦٧", "06 30 123 4567é", "06\u{00A0}30\u{00A0}1234567",
        // other punctuation, control characters
        "06,30,1234567", "06_301234567", "06301234567\n", "06301234567\0",
    ])
    func rejectedWritings(_ text: String) {
        #expect(MSISDN(parsing: text) == nil, "\(text.debugDescription) must be refused")
    }

    @Test func substringsParseLikeStrings() {
        let line = "FROM 06-30-123-4567 TO 1730"
        let token = line.split(separator: " ")[1]
        #expect(MSISDN(parsing: token)?.digits == "36301234567")
    }

    @Test(arguments: [
        ("36301234567", "+36 30 123 4567"),
        ("3612345678", "+36 1 234 5678"),
        ("36209876543", "+36 20 987 6543"),
        ("3622123456", "+36 22 123 456"),
        ("442079460958", "+442079460958"),
    ])
    func displayedGroupsTheWayAHandsetDoes(_ canonical: String, _ shown: String) {
        #expect(MSISDN(canonical: canonical).displayed == shown)
        #expect(PhoneNumber.display(canonical) == shown)
        // What is shown is itself an accepted writing of the same number.
        #expect(MSISDN(parsing: shown) == MSISDN(canonical: canonical))
    }

    @Test func displayedFromAnySubscriberWriting() {
        #expect(MSISDN(parsing: "06 (30) 123-4567")?.displayed == "+36 30 123 4567")
        #expect(MSISDN(parsing: "06-1-234-5678")?.displayed == "+36 1 234 5678")
    }

    @Test func orderIsByCanonicalDigits() {
        let numbers = ["06 70 555 0101", "+36 1 234 5678", "06-30-123-4567", "0620 987 6543"]
            .compactMap { MSISDN(parsing: $0) }
        #expect(numbers.count == 4)
        #expect(numbers.sorted().map(\.digits) == ["3612345678", "36209876543", "36301234567", "36705550101"])
        #expect(Set(["+36301234567", "06301234567", "0036 30 123 4567"].compactMap { MSISDN(parsing: $0) }).count == 1)
    }

    /// Normalising twice changes nothing: for many random Hungarian numbers written in
    /// random accepted ways, parsing the canonical digits again gives the same number,
    /// and so do the `+` writing and the displayed writing.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func normalisingTwiceChangesNothing(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<2_000 {
            let canonical = randomHungarian(using: &rng)
            let written = randomWriting(of: canonical, using: &rng)
            let once = try #require(MSISDN(parsing: written), "seed \(seed): \(written.debugDescription) must be accepted")
            #expect(once.digits == canonical, "seed \(seed): \(written.debugDescription)")
            #expect(MSISDN(parsing: once.digits) == once, "seed \(seed): \(written.debugDescription)")
            #expect(MSISDN(parsing: "+" + once.digits) == once)
            #expect(MSISDN(parsing: once.displayed) == once)
            #expect(Destination(parsing: written) == .number(canonical), "seed \(seed): \(written.debugDescription)")
            #expect(Destination(parsing: once.digits) == .number(canonical))
        }
    }

    /// Foreign numbers come only in international writing; their canonical digits read
    /// back through the `+` writing.
    @Test func foreignNumbersRoundTripThroughTheirInternationalWriting() throws {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<1_000 {
            let countryCode = rng.pick(["1", "44", "49", "43", "421", "380", "972"])
            let total = Int.random(in: 8...15, using: &rng)
            let canonical = countryCode + rng.digits(total - countryCode.count)
            let written = rng.pick(["+", "00"]) + canonical
            let once = try #require(MSISDN(parsing: written), "\(written)")
            #expect(once.digits == canonical)
            #expect(!once.isHungarian)
            #expect(MSISDN(parsing: "+" + once.digits) == once)
            #expect(MSISDN(parsing: "00" + once.digits) == once)
        }
    }

    /// A few thousand random byte strings, valid UTF-8 or not, ASCII or not: parsing
    /// never crashes, and whatever it accepts is a well-formed canonical number.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func randomJunkNeverCrashes(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let alphabet: [[UInt8]] = [
            Array("0123456789".utf8), Array("0123456789".utf8), Array("+ -./()\t".utf8),
            Array("aZxO#*,;:\n\r\0".utf8), Array("é".utf8), Array("ő".utf8), Array("０".utf8),
            Array("٣".utf8), Array("😀".utf8), [0x80], [0xC3], [0xFF], [0xE2, 0x80],
        ]
        var accepted = 0
        for _ in 0..<1_500 {
            var bytes: [UInt8] = []
            let length = Int.random(in: 0...24, using: &rng)
            if rng.chance(0.3) { bytes += rng.pick([Array("06".utf8), Array("+36".utf8), Array("0036".utf8), Array("36".utf8)]) }
            // Half of the strings stay close to a number: digits and separators only.
            let clean = rng.chance(0.5)
            for _ in 0..<length {
                if clean {
                    bytes += [rng.pick(Array("0123456789".utf8) + (rng.chance(0.15) ? Array(" -.+".utf8) : []))]
                } else if rng.chance(0.1) {
                    bytes.append(UInt8.random(in: 0...255, using: &rng))
                } else {
                    let group = rng.pick(alphabet)
                    bytes += group.count > 3 ? [rng.pick(group)] : group
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let msisdn = MSISDN(parsing: text) {
                accepted += 1
                let digits = msisdn.digits
                #expect(digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }, "\(text.debugDescription)")
                #expect((PhoneNumber.minimumDigits...PhoneNumber.maximumDigits).contains(digits.utf8.count))
                #expect(!digits.hasPrefix("0"))
                if msisdn.isHungarian {
                    #expect([10, 11].contains(digits.utf8.count), "\(text.debugDescription)")
                    #expect(MSISDN(parsing: digits) == msisdn)
                }
                #expect(MSISDN(parsing: "+" + digits) == msisdn)
                #expect(msisdn.displayed.hasPrefix("+"))
            }
            if let destination = Destination(parsing: text) {
                switch destination {
                case .shortCode(let code):
                    #expect(Destination.shortCodeDigits.contains(code.utf8.count))
                    #expect(!code.hasPrefix("0"))
                    #expect(code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
                case .number(let digits):
                    #expect(MSISDN(parsing: "+" + digits)?.digits == digits, "\(text.debugDescription)")
                }
            }
            _ = PhoneNumber.compact(text)
            _ = PhoneNumber.display(text)
        }
        // The generator is biased towards numbers: some of them must get through.
        #expect(accepted > 0)
    }
}
