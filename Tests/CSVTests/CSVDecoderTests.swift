import CSV
import Testing

@Suite("CSV decoder")
struct CSVDecoderTests {
    typealias Record = CSVDecoder.Record

    /// The records of `text` fed whole, and fed in two pieces cut at every byte: a record
    /// never depends on where a read ended.
    func records(_ text: String) throws -> [Record] {
        let bytes = Array(text.utf8)
        var whole = CSVDecoder()
        let expected = try whole.feed(bytes) + whole.finish()
        for cut in 0...bytes.count {
            var split = CSVDecoder()
            let got = try split.feed(bytes[..<cut]) + split.feed(bytes[cut...]) + split.finish()
            #expect(got == expected, "cut at \(cut)")
        }
        var byByte = CSVDecoder()
        var got: [Record] = []
        for b in bytes { got += try byByte.feed([b]) }
        #expect(got + (try byByte.finish()) == expected)
        return expected
    }

    @Test func plainQuotedAndMultilineFields() throws {
        #expect(try records("a,b\n1,2\n") == [Record(line: 1, fields: ["a", "b"]), Record(line: 2, fields: ["1", "2"])])
        #expect(try records("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n") == [
            Record(line: 1, fields: ["a", "b"]), Record(line: 2, fields: ["x,y", "say \"hi\""]),
        ])
        // A quoted line break: the next record starts on line 4.
        #expect(try records("a\n\"one\ntwo\"\nz") == [
            Record(line: 1, fields: ["a"]), Record(line: 2, fields: ["one\ntwo"]), Record(line: 4, fields: ["z"]),
        ])
    }

    @Test func emptyFieldsBlankLinesBareCRAndABOM() throws {
        #expect(try records(",,\n") == [Record(line: 1, fields: ["", "", ""])])
        #expect(try records("a\n\n\nb\n") == [Record(line: 1, fields: ["a"]), Record(line: 4, fields: ["b"])])
        #expect(try records("a\rb\r") == [Record(line: 1, fields: ["a"]), Record(line: 2, fields: ["b"])])
        #expect(try records("\u{FEFF}msisdn\n1") == [Record(line: 1, fields: ["msisdn"]), Record(line: 2, fields: ["1"])])
        // Not a whole mark: the bytes are the field's (and not UTF-8 here).
        var decoder = CSVDecoder()
        #expect(throws: CSVDecoder.Failure.notUTF8(line: 1)) { try decoder.feed([0xEF, 0xBB, 0x41, 0x0A]) }
        #expect(try records("") == [])
        #expect(try records("ő,ű\n") == [Record(line: 1, fields: ["ő", "ű"])])
    }

    @Test(arguments: [
        ("a,b\"c\n", CSVDecoder.Failure.strayQuote(line: 1)),
        ("a\n\"x\"y\n", .strayQuote(line: 2)),
        ("a\n\"open\n", .unterminatedQuote(line: 2)),
    ])
    func brokenQuotesNameTheirLine(_ text: String, _ failure: CSVDecoder.Failure) {
        var decoder = CSVDecoder()
        #expect(throws: failure) { _ = try decoder.feed(Array(text.utf8)) + decoder.finish() }
        // And stay broken.
        #expect(throws: failure) { try decoder.feed([0x41]) }
    }

    @Test func aRecordWithoutEndIsRefusedAtTheLimit() {
        var decoder = CSVDecoder()
        let long = [UInt8](repeating: 0x41, count: CSVDecoder.maximumRecordBytes + 1)
        #expect(throws: CSVDecoder.Failure.recordTooLong(line: 1)) { try decoder.feed(long) }
    }
}
