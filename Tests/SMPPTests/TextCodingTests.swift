import Testing
@testable import SMPP

@Suite struct TextCodingTests {
    @Test func gsmUnpackedWithTheEscapeTable() {
        // "5 €" : '5', ' ', ESC 0x65 (€)
        #expect(TextCoding.decode([0x35, 0x20, 0x1B, 0x65], dataCoding: 0, alphabet: .gsm) == "5 €")
        // '@' is septet 0, '$' septet 2.
        #expect(TextCoding.decode([0x00, 0x02], dataCoding: 0, alphabet: .gsm) == "@$")
        #expect(TextCoding.decode([0x80], dataCoding: 0, alphabet: .gsm) == nil)
    }

    @Test func gsmPackedAsTS23038Shows() {
        // The standard example: "hellohello" packed into 9 octets.
        #expect(TextCoding.decode(hex("E8329BFD4697D9EC37"), dataCoding: 0, alphabet: .gsmPacked) == "hellohello")
        // USSD "*100#" packed (CBS coding 0x0F).
        #expect(TextCoding.decode(hex("AA180C3602"), dataCoding: 0x0F, alphabet: .gsmPacked) == "*100#")
    }

    @Test func ucs2WithAccentsAndASurrogatePair() {
        #expect(TextCoding.decode(hex("0150 0073 007A 0069"), dataCoding: 8, alphabet: .gsm) == "Őszi")
        #expect(TextCoding.decode(hex("D83D DE00"), dataCoding: 8, alphabet: .gsm) == "😀")
        #expect(TextCoding.decode(hex("D83D"), dataCoding: 8, alphabet: .gsm) == nil)     // lone surrogate
        #expect(TextCoding.decode(hex("004100"), dataCoding: 8, alphabet: .gsm) == nil)   // odd length
    }

    @Test(arguments: ["", "A", "Őszi", "Egyenleg: 5 000 Ft, univerzális", "😀 x 👍🏽", "\u{FFFF}\u{10000}\u{10FFFF}", "e\u{301}"])
    func ucs2OctetsAreTheBigEndianUTF16Units(_ text: String) {
        let reference = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(TextCoding.ucs2Octets(text) == reference)
        #expect(TextCoding.decode(TextCoding.ucs2Octets(text), dataCoding: 8, alphabet: .gsm) == text)
    }

    @Test func latin1AndASCII() {
        #expect(TextCoding.decode([0x48, 0xE9], dataCoding: 3, alphabet: .gsm) == "Hé")
        #expect(TextCoding.decode([0x48, 0x69], dataCoding: 1, alphabet: .gsm) == "Hi")
        #expect(TextCoding.decode([0xE9], dataCoding: 1, alphabet: .gsm) == nil)
        #expect(TextCoding.decode([0x40], dataCoding: 0, alphabet: .latin1) == "@")
    }

    @Test func binaryAndUnknownCodingsAreNotText() {
        #expect(TextCoding.decode([0x01], dataCoding: 4, alphabet: .gsm) == nil)
        #expect(TextCoding.decode([0x01], dataCoding: 2, alphabet: .gsm) == nil)
        #expect(TextCoding.decode([0x01], dataCoding: 0xF4, alphabet: .gsm) == nil)
    }

    @Test func repliesGoOutGSMWhenTheyCanElseUCS2() {
        let plain = TextCoding.encode("Egyenleg: 100 Ft")
        #expect(plain.dataCoding == 0)
        #expect(plain.octets == Array("Egyenleg: 100 Ft".utf8))
        let accented = TextCoding.encode("Őszi")
        #expect(accented.dataCoding == 8)
        #expect(accented.octets == hex("0150 0073 007A 0069"))
        // é is in the GSM alphabet (septet 0x05).
        #expect(TextCoding.encode("é").dataCoding == 0)
        #expect(TextCoding.encode("é").octets == [0x05])
    }
}

@Suite struct UserDataHeaderTests {
    @Test func eightAndSixteenBitReferences() {
        let eight = UserDataHeader.parse(hex("050003A70302") + [0x41])
        #expect(eight == .init(length: 6, concatenation: Concatenation(reference: 0xA7, total: 3, number: 2)))
        let sixteen = UserDataHeader.parse(hex("0608041234020141"))
        #expect(sixteen == .init(length: 7, concatenation: Concatenation(reference: 0x1234, total: 2, number: 1)))
    }

    @Test func otherElementsAreSkipped() {
        // A port addressing element (IEI 0x05, 4 octets), then concatenation.
        let parsed = UserDataHeader.parse(hex("0B 0504 0B840000 000301 0201"))
        #expect(parsed?.concatenation == Concatenation(reference: 1, total: 2, number: 1))
    }

    @Test func overrunsAreRefused() {
        #expect(UserDataHeader.parse(hex("05000301")) == nil)        // UDHL past the payload
        #expect(UserDataHeader.parse(hex("0300050102")) == nil)      // element past UDHL
        #expect(UserDataHeader.parse([]) == nil)
    }

    @Test func buildsTheEightBitHeader() {
        #expect(UserDataHeader.concatenation(reference: 9, total: 2, number: 1) == hex("050003090201"))
    }
}
