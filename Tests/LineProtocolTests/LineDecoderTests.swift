import TestSupport
import LineProtocol
import Testing

@Suite("LineDecoder")
struct LineDecoderTests {
    static let pipelined = Array("AUTH ops ops\r\nPING\n\nSMS 36301111111 1730 a\rb\r\n\r\nhelp\r\r\nQUIT".utf8)
    static let expected: [Decoded] = [
        .line("AUTH ops ops"), .line("PING"), .line(""), .line("SMS 36301111111 1730 a\rb"),
        .line(""), .line("help\r"),
    ]

    @Test("a multi-line input at once")
    func wholeInput() {
        let harness = DecoderHarness.run(Self.pipelined, cuts: [])
        #expect(harness.events == Self.expected)
        #expect(harness.buffer == Array("QUIT".utf8))
    }

    @Test("byte by byte gives the same lines")
    func byteByByte() {
        let harness = DecoderHarness.run(Self.pipelined, cuts: Array(1..<Self.pipelined.count))
        #expect(harness.events == Self.expected)
        #expect(harness.buffer == Array("QUIT".utf8))
    }

    @Test("every split position, in two and in three pieces")
    func everySplit() {
        let input = Self.pipelined
        for i in 0...input.count {
            let two = DecoderHarness.run(input, cuts: [i])
            #expect(two.events == Self.expected, "cut at \(i)")
            #expect(two.buffer == Array("QUIT".utf8))
            for j in i...input.count {
                let three = DecoderHarness.run(input, cuts: [i, j])
                #expect(three.events == Self.expected, "cuts at \(i), \(j)")
                #expect(three.buffer == Array("QUIT".utf8))
            }
        }
    }

    @Test("LF and CRLF end lines; only the CR right before LF is dropped", arguments: [
        ("a\nb\n", [Decoded.line("a"), .line("b")]),
        ("a\r\nb\r\n", [.line("a"), .line("b")]),
        ("a\r\nb\n", [.line("a"), .line("b")]),
        ("\n", [.line("")]),
        ("\r\n", [.line("")]),
        ("\n\n\r\n", [.line(""), .line(""), .line("")]),
        ("a\rb\n", [.line("a\rb")]),
        ("\ra\n", [.line("\ra")]),
        ("a\r\r\n", [.line("a\r")]),
        ("\r\r\n", [.line("\r")]),
        ("a\n\rb\n", [.line("a"), .line("\rb")]),
    ])
    func lineEnds(input: String, expected: [Decoded]) {
        let bytes = Array(input.utf8)
        #expect(DecoderHarness.run(bytes, cuts: []).events == expected)
        #expect(DecoderHarness.run(bytes, cuts: Array(1..<max(1, bytes.count))).events == expected)
    }

    @Test("an incomplete line is left to the caller, a trailing CR included")
    func incompleteLine() {
        var harness = DecoderHarness()
        harness.feed(Array("PING\r".utf8))
        #expect(harness.events.isEmpty)
        #expect(harness.buffer == Array("PING\r".utf8))
        harness.feed([0x0A])
        #expect(harness.events == [.line("PING")])
        #expect(harness.buffer.isEmpty)
    }

    @Test("an empty buffer consumes nothing")
    func emptyBuffer() {
        var decoder = LineDecoder()
        var called = false
        let consumed = decoder.decode(UnsafeRawBufferPointer(start: nil, count: 0)) { _ in called = true }
        #expect(consumed == 0)
        #expect(!called)
    }

    // MARK: Long lines

    static let limit = LineDecoder.defaultMaximumLineLength

    @Test("the limit is 4096 bytes")
    func limit() {
        #expect(LineDecoder.defaultMaximumLineLength == 4096)
        #expect(LineDecoder().maximumLineLength == 4096)
    }

    @Test("exactly 4096 bytes is a line, with LF or CRLF, at once or byte by byte", arguments: ["\n", "\r\n"])
    func exactlyAtLimit(end: String) {
        let body = String(repeating: "x", count: Self.limit)
        let input = Array((body + end + "PING\n").utf8)
        for cuts in [[], Array(1..<input.count), [Self.limit], [Self.limit + 1]] {
            let harness = DecoderHarness.run(input, cuts: cuts)
            #expect(harness.events == [.line(body), .line("PING")])
            #expect(harness.largestKept <= Self.limit + 1)
        }
    }

    @Test("4097 bytes is too long, with LF or CRLF, at once or byte by byte", arguments: ["\n", "\r\n"])
    func oneOverLimit(end: String) {
        let input = Array((String(repeating: "y", count: Self.limit + 1) + end + "PING\n").utf8)
        for cuts in [[], Array(1..<input.count), [Self.limit], [Self.limit + 1], [Self.limit + 2]] {
            let harness = DecoderHarness.run(input, cuts: cuts)
            #expect(harness.events == [.tooLong, .line("PING")])
            #expect(harness.largestKept <= Self.limit + 1)
        }
    }

    @Test("too long is reported as soon as the limit is passed, before the LF")
    func tooLongBeforeLF() {
        var harness = DecoderHarness()
        harness.feed(repeatElement(UInt8(ascii: "z"), count: Self.limit))
        #expect(harness.events.isEmpty)
        harness.feed([UInt8(ascii: "z")])
        #expect(harness.events == [.tooLong])
        #expect(harness.buffer.isEmpty)
        #expect(harness.decoder.isDiscarding)
        harness.feed(repeatElement(UInt8(ascii: "z"), count: 100))
        harness.feed(Array("zz\nPI".utf8))
        #expect(harness.events == [.tooLong])
        #expect(!harness.decoder.isDiscarding)
        harness.feed(Array("NG\n".utf8))
        #expect(harness.events == [.tooLong, .line("PING")])
    }

    @Test("a CR at the limit waits: it may be the CR of a CRLF")
    func crAtLimit() {
        var harness = DecoderHarness()
        harness.feed(repeatElement(UInt8(ascii: "z"), count: Self.limit))
        harness.feed([0x0D])
        #expect(harness.events.isEmpty)
        #expect(harness.buffer.count == Self.limit + 1)
        harness.feed([UInt8(ascii: "z")])  // not a CRLF after all: 4098 bytes of line
        #expect(harness.events == [.tooLong])
        harness.feed(Array("\nQUIT\n".utf8))
        #expect(harness.events == [.tooLong, .line("QUIT")])
    }

    @Test("a 10 000-byte line in pieces gives one tooLong, and the next line is decoded",
          arguments: [1, 7, 100, 1000, 4095, 4096, 4097, 5000, 20_000])
    func longLineInPieces(pieceSize: Int) {
        let input = Array(repeating: UInt8(ascii: "L"), count: 10_000) + Array("\r\nPING\r\nHELP\n".utf8)
        let cuts = Array(stride(from: pieceSize, to: input.count, by: pieceSize))
        let harness = DecoderHarness.run(input, cuts: cuts)
        #expect(harness.events == [.tooLong, .line("PING"), .line("HELP")])
        #expect(harness.buffer.isEmpty)
        #expect(harness.largestKept <= Self.limit + 1)
    }

    @Test("several long lines in a row, each reported once")
    func severalLongLines() {
        let long = String(repeating: "q", count: 5000)
        let input = Array("\(long)\n\(long)\r\nok\n\(long)".utf8)
        for cuts in [[], [3000], [5001, 5002], Array(stride(from: 333, to: input.count, by: 333))] {
            let harness = DecoderHarness.run(input, cuts: cuts)
            #expect(harness.events == [.tooLong, .tooLong, .line("ok"), .tooLong])
            #expect(harness.buffer.isEmpty)
            #expect(harness.decoder.isDiscarding)
        }
    }

    /// The whole-input reading of the rules, to compare the state machine against.
    static func reference(_ input: [UInt8], limit: Int) -> (events: [Decoded], kept: [UInt8]) {
        var events: [Decoded] = []
        var start = 0
        for (index, byte) in input.enumerated() where byte == 0x0A {
            var end = index
            if end > start, input[end - 1] == 0x0D { end -= 1 }
            events.append(end - start > limit ? .tooLong : .line(String(decoding: input[start..<end], as: UTF8.self)))
            start = index + 1
        }
        let tail = Array(input[start...])
        if tail.count > limit + 1 || (tail.count == limit + 1 && tail.last != 0x0D) {
            events.append(.tooLong)
            return (events, [])
        }
        return (events, tail)
    }

    @Test("random inputs and random cuts agree with the rules read on the whole input")
    func randomAgainstReference() {
        var random = SeededGenerator(seed: 42)
        let alphabet: [UInt8] = [0x0A, 0x0D, UInt8(ascii: "a"), UInt8(ascii: "b")]
        for _ in 0..<3000 {
            let limit = Int.random(in: 1...6, using: &random)
            let length = Int.random(in: 0...40, using: &random)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
            var cuts = (0..<Int.random(in: 0...8, using: &random)).map { _ in Int.random(in: 0...length, using: &random) }
            cuts.sort()
            let harness = DecoderHarness.run(input, cuts: cuts, maximumLineLength: limit)
            let expected = Self.reference(input, limit: limit)
            #expect(harness.events == expected.events, "input \(input) cuts \(cuts) limit \(limit)")
            #expect(harness.buffer == expected.kept, "input \(input) cuts \(cuts) limit \(limit)")
            #expect(harness.largestKept <= limit + 1)
        }
    }
}
