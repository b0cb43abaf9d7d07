@testable import SMSText
import Testing
import TestSupport

/// TS 23.038 §6.2.1, written out row by row as the spec prints it (column = high
/// nibble 0–7, row = low nibble 0–F), independently of the source's flat array.
private let specColumns: [[String]] = [
    ["@", "Δ", " ", "0", "¡", "P", "¿", "p"],
    ["£", "_", "!", "1", "A", "Q", "a", "q"],
    ["$", "Φ", "\"", "2", "B", "R", "b", "r"],
    ["¥", "Γ", "#", "3", "C", "S", "c", "s"],
    ["è", "Λ", "¤", "4", "D", "T", "d", "t"],
    ["é", "Ω", "%", "5", "E", "U", "e", "u"],
    ["ù", "Π", "&", "6", "F", "V", "f", "v"],
    ["ì", "Ψ", "'", "7", "G", "W", "g", "w"],
    ["ò", "Σ", "(", "8", "H", "X", "h", "x"],
    ["Ç", "Θ", ")", "9", "I", "Y", "i", "y"],
    ["\n", "Ξ", "*", ":", "J", "Z", "j", "z"],
    ["Ø", "ESC", "+", ";", "K", "Ä", "k", "ä"],
    ["ø", "Æ", ",", "<", "L", "Ö", "l", "ö"],
    ["\r", "æ", "-", "=", "M", "Ñ", "m", "ñ"],
    ["Å", "ß", ".", ">", "N", "Ü", "n", "ü"],
    ["å", "É", "/", "?", "O", "§", "o", "à"],
]

private let specExtension: [(String, UInt8)] = [
    ("\u{0C}", 0x0A), ("^", 0x14), ("{", 0x28), ("}", 0x29), ("\\", 0x2F),
    ("[", 0x3C), ("~", 0x3D), ("]", 0x3E), ("|", 0x40), ("€", 0x65),
]

@Suite("SMS text: GSM 7-bit alphabet and segmentation")
struct SMSTextTests {
    @Test func everyCharacterOfTheBasicTableEncodesToItsSeptet() throws {
        var seen = 0
        for (row, columns) in specColumns.enumerated() {
            for (column, char) in columns.enumerated() where char != "ESC" {
                let code = UInt8(column * 16 + row)
                #expect(GSM7.encode(char) == [code], "\(char) should be 0x\(String(code, radix: 16))")
                #expect(GSM7.septets(char) == 1)
                #expect(GSM7.decode([code]) == char)
                seen += 1
            }
        }
        #expect(seen == 127)
    }

    @Test func everyCharacterOfTheExtensionTableIsAnEscapePair() {
        for (char, code) in specExtension {
            #expect(GSM7.encode(char) == [0x1B, code], "\(char)")
            #expect(GSM7.septets(char) == 2)
            #expect(GSM7.decode([0x1B, code]) == char)
        }
        #expect(GSM7.septets("{€}") == 6)
    }

    @Test func charactersOutsideTheAlphabetAreNotEncodable() {
        for text in ["ő", "Ő", "ű", "Ű", "á", "Á", "í", "ó", "ú", "ç", "`", "„", "😀", "\t"] {
            #expect(!GSM7.isEncodable(text), "\(text)")
            #expect(GSM7.septets(text) == nil)
            #expect(GSM7.encode("ab" + text) == nil)
        }
        #expect(GSM7.isEncodable("Egyenleg: 1 250 Ft, é É ö Ö ü Ü à"))
        // Decided per scalar, except for combining marks: a decomposed é is still é.
        #expect(GSM7.isEncodable("Caf\u{65}\u{301} 20 €, [x] {y} ~ | ^ \\"))
        #expect(!GSM7.isEncodable("Caf\u{61}\u{301}"))  // á, decomposed: not in the alphabet
        #expect(!GSM7.isEncodable("univerzális"))
        #expect(!GSM7.isEncodable("Előfizetés"))
        // A decomposed é is the é of the table; CR LF is two septets.
        #expect(GSM7.encode("e\u{301}") == [0x05])
        #expect(GSM7.encode("a\r\nb") == [0x61, 0x0D, 0x0A, 0x62])
    }

    @Test func transliterationDropsOnlyTheAccentsTheAlphabetLacks() {
        #expect(GSM7.transliterate("őŐűŰáÁíÍóÓúÚ") == "oOuUaAiIoOuU")
        #expect(GSM7.transliterate("éÉöÖüÜàÄäÑñ") == "éÉöÖüÜàÄäÑñ")
        #expect(GSM7.transliterate("Hűségidő: „két év” – 5 €…") == "Huségido: \"két év\" - 5 €...")
        #expect(GSM7.transliterate("o\u{30B}") == "o")   // decomposed ő
        #expect(GSM7.transliterate("ł ı ç Ş") == "l i c S")
        #expect(GSM7.transliterate("Привет 😀 ") == "?????? ? ")
    }

    @Test func transliterationAlwaysGivesEncodableTextAndKeepsEncodableText() {
        var random = SeededGenerator(seed: 23038)
        let pool = Array("aáeéiíoóöőuúüűAÁEÉIÍOÓÖŐUÚÜŰ €{}[]~|^\\\n\r😀„”–…ŁłçĞ字")
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...40, using: &random)).map { _ in pool.randomElement(using: &random)! })
            let plain = GSM7.transliterate(text)
            #expect(GSM7.isEncodable(plain), "\(text)")
            #expect(GSM7.transliterate(plain) == plain)
        }
    }

    /// Boundaries of both codings: one message up to 160 septets / 70 UTF-16 units, then
    /// parts of 153 / 67.
    @Test(arguments: [
        ("x", 160, 1), ("x", 161, 2), ("x", 306, 2), ("x", 307, 3),
        ("ő", 70, 1), ("ő", 71, 2), ("ő", 134, 2), ("ő", 135, 3),
    ])
    func segmentBoundaries(letter: Character, length: Int, parts: Int) {
        let text = String(repeating: letter, count: length)
        let encoding: SMSEncoding = letter == "x" ? .gsm7 : .ucs2
        let segments = SMSSegmenter.segments(text)
        #expect(SMSSegmenter.encoding(of: text) == encoding)
        #expect(segments.count == parts)
        #expect(segments.joined() == text)
        if parts > 1 { #expect(segments.dropLast().allSatisfy { $0.count == encoding.part }) }
        #expect(segments.allSatisfy { $0.count <= (parts == 1 ? encoding.single : encoding.part) })
    }

    @Test func anEscapePairIsNeverSplit() {
        // 152 septets, then € (2 septets) would straddle the 153 boundary.
        let text = String(repeating: "x", count: 152) + "€" + String(repeating: "y", count: 10)
        let segments = SMSSegmenter.segments(text)
        #expect(segments == [String(repeating: "x", count: 152), "€" + String(repeating: "y", count: 10)])
        #expect(segments.allSatisfy { GSM7.septets($0)! <= 153 })
    }

    @Test func aSurrogatePairIsNeverSplit() {
        let text = String(repeating: "ő", count: 66) + "😀" + String(repeating: "ű", count: 10)
        let segments = SMSSegmenter.segments(text)
        #expect(segments.count == 2)
        #expect(segments[0] == String(repeating: "ő", count: 66))
        #expect(segments[1].hasPrefix("😀"))
        #expect(segments.joined() == text)
    }

    @Test func partsEndAfterASpaceNearTheirEnd() {
        let words = Array(repeating: "Hűségidő lekérdezése", count: 8).joined(separator: " ")
        let segments = SMSSegmenter.segments(words)
        #expect(segments.count > 1)
        #expect(segments.joined() == words)
        for part in segments.dropLast() {
            #expect(part.hasSuffix(" "), "\(part)")
            #expect(part.utf16.count <= 67)
        }
        // Without a space in reach the part is cut at the full length.
        let long = String(repeating: "a", count: 150) + " " + String(repeating: "b", count: 200)
        #expect(SMSSegmenter.segments(long)[0].count == 151)
        let noSpace = String(repeating: "a", count: 130) + " " + String(repeating: "b", count: 200)
        #expect(SMSSegmenter.segments(noSpace)[0].count == 153)
    }

    @Test func hungarianRepliesWithOAndUDoubleAcuteGoUCS2() {
        let reply = "Az egyenlege 1 250 Ft. Hűségidő: 5 hónap."
        #expect(SMSSegmenter.encoding(of: reply) == .ucs2)
        #expect(SMSSegmenter.segments(reply) == [reply])
        #expect(SMSSegmenter.encoding(of: GSM7.transliterate(reply)) == .gsm7)
    }

    @Test func ussdScreensFitIn182Septets() {
        #expect(SMSSegmenter.ussdMaximum == 182)
        #expect(SMSSegmenter.fitsUSSD(String(repeating: "a", count: 182)))
        #expect(!SMSSegmenter.fitsUSSD(String(repeating: "a", count: 183)))
        #expect(!SMSSegmenter.fitsUSSD(String(repeating: "a", count: 181) + "€"))
        #expect(!SMSSegmenter.fitsUSSD("Hűség"))
    }
}

/// The scalar table (the fast path) and the per-Character path give the same septets.
@Suite struct GSM7FastPathTests {
    @Test(arguments: ["Egyenleg: 1 250 Ft", "5 € {x} [y] ~ | ^ \\", "ΔΦΓΛΩΠΨΣΘΞ", "line\r\nnext\nend\r",
                      "é", "e\u{301}", "Ár", "😀", "", "@£$¥èéùìòÇØøÅåÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"])
    func bothPathsAgree(text: String) {
        #expect(GSM7.encode(text) == GSM7.encodeByCharacter(text))
        #expect(GSM7.septets(text) == GSM7.septetsByCharacter(text))
    }

    @Test func aDecomposedLetterStillEncodes() {
        #expect(GSM7.encode("e\u{301}") == [0x05])   // é
        #expect(GSM7.encode("5 €") == [0x35, 0x20, 0x1B, 0x65])
    }
}

@Suite struct GSM7DecodeFastPathTests {
    @Test func asciiLikeSeptetsAndTheRestDecodeAlike() {
        // Every septet alone: the fast path (same as ASCII) and the table agree.
        for septet in UInt8(0)..<0x80 where septet != GSM7.escape {
            #expect(GSM7.decode([septet]) == String(GSM7.basicTable[Int(septet)]), "septet \(septet)")
        }
        #expect(GSM7.decode(Array("EGYENLEG 123, ok?".utf8)) == "EGYENLEG 123, ok?")
        #expect(GSM7.decode([0x24]) == "¤" && GSM7.decode([0x40]) == "¡")
    }
}
