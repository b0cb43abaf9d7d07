import Grammar
import Numbering
import Testing
import TestSupport

/// Random input: recognising never crashes and always answers for the service the
/// destination leads to; folding and prefix normalisation are idempotent.
@Suite("Grammar properties")
struct PropertyTests {
    /// Pieces subscribers' texts are made of, the awkward ones included.
    static let pieces: [String] = [
        "STOP", "stop", "-", "–", " ", "  ", "\t", "\n", "HÍREK", "sport", "horo", "EMELT", "BE", "ki", "PIN",
        "12345", "1234", "06", "30", "+36", "123", "4567", "1985.", "március", "21.", "-03-", "utal", "teen",
        "töröl", "Ő", "ű", "é", "ß", "ﬀ", "ǰ", "🙂", "e\u{301}", "\u{301}", "<", ">", "|", "*", "#", "0", "9",
        "lista", "nyelv", "EN", "90", "16", "2500", "Ft", ".", ",", "!", "\u{0}", "\r", "\u{A0}", "Ÿ", "ı", "İ",
    ]

    static func randomText(_ rng: inout SeededGenerator) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            if Int.random(in: 0..<8, using: &rng) == 0 {
                // Any scalar at all now and then.
                let value = UInt32.random(in: 0...0x2FFFF, using: &rng)
                if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
            } else {
                text += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
            }
        }
        return text
    }

    @Test func randomTextNeverCrashesRecognition() {
        var rng = SeededGenerator(seed: 0x5EED_0003)
        let destinations = ["1730", "777", "1430", "06303030440", "06308080712", "0690123456", "16123", "13600", "1999"]
        for _ in 0..<5_000 {
            let text = Self.randomText(&rng)
            let to = destination(destinations[Int.random(in: 0..<destinations.count, using: &rng)])
            let service = shipped.service(for: to)
            switch shipped.recognize(destination: to, text: text) {
            case .matched(let m):
                #expect(m.service == service)
                if m.arguments.values.contains(where: { if case .pin = $0 { true } else { false } }) {
                    #expect(m.maskedText.contains("*****"))
                }
            case .badArgument(let s, _, _, _, _), .noRule(let s, _):
                #expect(s == service)
            case .unknownDestination:
                #expect(service == nil)
            }
        }
    }

    @Test func foldingTwiceChangesNothing() {
        var rng = SeededGenerator(seed: 0xF01D)
        for _ in 0..<5_000 {
            let text = Self.randomText(&rng)
            let once = Folding.fold(text)
            #expect(Folding.fold(once) == once, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
        #expect(Folding.fold("Árvíztűrő tükörfúrógép") == "ARVIZTURO TUKORFUROGEP")
        #expect(Folding.fold("ÁRVÍZTŰRŐ TÜKÖRFÚRÓGÉP") == "ARVIZTURO TUKORFUROGEP")
        #expect(Folding.fold("hõ û e\u{301}") == "HO U E")
    }

    @Test func normalisingAPrefixTwiceChangesNothing() {
        var rng = SeededGenerator(seed: 0x0690)
        let heads = ["", "0", "06", "00", "+", "36", "1", "16", "+36", "0036", "06-", "7"]
        let separators = ["", "", "", " ", "-", ".", "/", "(", ")"]
        for _ in 0..<5_000 {
            var text = heads[Int.random(in: 0..<heads.count, using: &rng)]
            for _ in 0..<Int.random(in: 0...22, using: &rng) {
                text += String(Int.random(in: 0...9, using: &rng))
                text += separators[Int.random(in: 0..<separators.count, using: &rng)]
            }
            guard let once = PhoneNumber.normalisedPrefix(text) else { continue }
            #expect(PhoneNumber.normalisedPrefix(once) == once, "\(text)")
            #expect(once.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && !once.hasPrefix("0"))
            // A full number normalises to its destination's digits.
            if let d = Destination(parsing: text) { #expect(d.digits == once, "\(text)") }
        }
    }

    @Test(arguments: [
        ("0690", "3690"), ("06308080712", "36308080712"), ("06-30-8080-712", "36308080712"), ("+3690", "3690"),
        ("003690", "3690"), ("1690", "1690"), ("777", "777"), ("36 90 12", "369012"), ("06", "36"),
    ])
    func prefixesAsDialledOrInternational(text: String, digits: String) {
        #expect(PhoneNumber.normalisedPrefix(text) == digits)
    }

    @Test(arguments: ["", " ", "+", "00", "0", "0120", "0036a", "abc", "+0690", "06 90 x", "123456789012345678901", "0000"])
    func notPrefixes(text: String) {
        #expect(PhoneNumber.normalisedPrefix(text) == nil)
    }

    @Test func theDestinationOfAPrefixedNumberHasThePrefixDigits() {
        #expect(Destination(parsing: "0690123456")!.digits.hasPrefix(PhoneNumber.normalisedPrefix("0690")!))
        #expect(Destination(parsing: "16123")!.digits.hasPrefix(PhoneNumber.normalisedPrefix("16")!))
    }
}
