import TestSupport
import LineProtocol
import Testing

@Suite("ResponseWriter")
struct ResponseWriterTests {
    func written(_ body: (inout ResponseWriter) -> Void) -> String {
        var writer = ResponseWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("last and continuation lines")
    func singleLines() {
        #expect(written { $0.line(250, "PONG", last: true) } == "250 PONG\r\n")
        #expect(written { $0.line(250, "PONG", last: false) } == "250-PONG\r\n")
        #expect(written { $0.line(.ok, "PONG") } == "250 PONG\r\n")
        #expect(written { $0.line(.greeting, "selfcare ready") } == "220 selfcare ready\r\n")
        #expect(written { $0.line(221, "bye", last: true) } == "221 bye\r\n")
        #expect(written { $0.line(250, "", last: true) } == "250 \r\n")
        #expect(written { $0.line(250, "Egyenleg: 5 000 Ft, érvényes", last: true) }
            == "250 Egyenleg: 5 000 Ft, érvényes\r\n")
    }

    @Test("substrings are written like strings")
    func substrings() {
        let text = "xx hello yy"
        let sub = text.dropFirst(3).dropLast(3)
        #expect(written { $0.line(250, sub, last: true) } == "250 hello\r\n")
    }

    @Test("multi-line responses")
    func multiLine() {
        #expect(written { $0.lines(.refused, ["Nincs elég egyenleg.", "Töltsön fel!"], final: "refused") }
            == "554-Nincs elég egyenleg.\r\n554-Töltsön fel!\r\n554 refused\r\n")
        #expect(written { $0.lines(250, [String](), final: "done") } == "250 done\r\n")
        #expect(written {
            $0.lines(214, [Request.Verb.auth, .sms, .topup, .ping, .help, .quit].map(\.usage), final: "end of HELP")
        } == "214-AUTH <account> <password>\r\n214-SMS <from-msisdn> <to-number> <text>\r\n"
            + "214-TOPUP <msisdn> <amount>\r\n214-PING\r\n214-HELP\r\n214-QUIT\r\n214 end of HELP\r\n")
    }

    @Test("requests' responses follow each other in one buffer")
    func pipelined() {
        #expect(written {
            $0.line(.ok, "PONG")
            $0.error(.unknownCommand)
            $0.error(.usage(.topup))
            $0.lines(.ok, ["a"], final: "b")
        } == "250 PONG\r\n500 unknown command\r\n501 Usage: TOPUP <msisdn> <amount>\r\n250-a\r\n250 b\r\n")
    }

    @Test("a prefix heads the first physical line only", arguments: [
        ("balance", true, "250 OK balance\r\n"),
        ("", true, "250 OK \r\n"),
        ("két\nsor", true, "250-OK két\r\n250 sor\r\n"),
        ("\nb", true, "250-OK \r\n250 b\r\n"),
        ("a\r\n", true, "250 OK a\r\n"),
        ("balance", false, "250-OK balance\r\n"),
        ("a\nb", false, "250-OK a\r\n250-b\r\n"),
    ])
    func prefixed(text: String, last: Bool, expected: String) {
        #expect(written { $0.line(.ok, prefix: "OK ", text, last: last) } == expected)
    }

    @Test("line breaks inside a text never break the framing", arguments: [
        ("a\nb", true, "250-a\r\n250 b\r\n"),
        ("a\r\nb", true, "250-a\r\n250 b\r\n"),
        ("a\rb", true, "250-a\r\n250 b\r\n"),
        ("a\n\nb", true, "250-a\r\n250-\r\n250 b\r\n"),
        ("a\n\r\nb", true, "250-a\r\n250-\r\n250 b\r\n"),
        ("a\r\rb", true, "250-a\r\n250-\r\n250 b\r\n"),
        ("a\n", true, "250 a\r\n"),
        ("a\r\n", true, "250 a\r\n"),
        ("a\n\n", true, "250-a\r\n250 \r\n"),
        ("\n", true, "250 \r\n"),
        ("\na", true, "250-\r\n250 a\r\n"),
        ("a\nb", false, "250-a\r\n250-b\r\n"),
        ("a\n", false, "250-a\r\n"),
    ])
    func embeddedBreaks(text: String, last: Bool, expected: String) {
        #expect(written { $0.line(250, text, last: last) } == expected)
    }

    @Test("random texts: every physical line carries the code, only the last one ends the response")
    func framingProperty() {
        var random = SeededGenerator(seed: 3)
        let pieces = ["a", "é", " ", "\r", "\n", "\r\n", "-", "250 "]
        for _ in 0..<2000 {
            let lineCount = Int.random(in: 0...3, using: &random)
            let texts = (0...lineCount).map { _ in
                (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            }
            var writer = ResponseWriter()
            writer.lines(554, texts.dropLast(), final: texts.last!)
            let bytes = writer.bytes
            #expect(bytes.suffix(2) == [0x0D, 0x0A])
            // Split on CRLF: no other CR or LF may appear.
            var physical: [[UInt8]] = []
            var current: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if bytes[index] == 0x0D {
                    #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "\(texts)")
                    physical.append(current)
                    current = []
                    index += 2
                    continue
                }
                #expect(bytes[index] != 0x0A, "\(texts)")
                current.append(bytes[index])
                index += 1
            }
            #expect(current.isEmpty)
            #expect(physical.count >= texts.count)
            for (number, line) in physical.enumerated() {
                #expect(line.count >= 4)
                #expect(Array(line.prefix(3)) == Array("554".utf8))
                let isLast = number == physical.count - 1
                #expect(line[3] == (isLast ? 0x20 : 0x2D), "\(texts)")
            }
        }
    }

    @Test("removeAll keeps the capacity for the next requests")
    func reuse() {
        var writer = ResponseWriter(capacity: 1024)
        writer.line(.ok, "PONG")
        #expect(writer.count == 10)
        #expect(!writer.isEmpty)
        let capacity = writer.bytes.capacity
        writer.removeAll()
        #expect(writer.isEmpty)
        #expect(writer.bytes.capacity == capacity)
        #expect(capacity >= 1024)
        writer.line(.bye, "bye")
        #expect(writer.bytes == Array("221 bye\r\n".utf8))
    }

    @Test("the documented codes")
    func codes() {
        let codes: [(ResponseCode, Int)] = [
            (.greeting, 220), (.bye, 221), (.authenticated, 235), (.ok, 250), (.continues, 251), (.closing, 421),
            (.commitFailed, 451), (.unknownCommand, 500), (.syntaxError, 501), (.authenticationRequired, 530),
            (.authenticationFailed, 535), (.unknownSubscriber, 550), (.refused, 554),
        ]
        for (code, value) in codes {
            #expect(code.rawValue == value)
        }
        #expect(ResponseCode.allCases.count == codes.count)
        #expect(ResponseCode.notPermitted.rawValue == 530)
        #expect(ResponseCode.lineTooLong.rawValue == 500)
        #expect(RequestError.lineTooLong.description == "500 line too long")
    }
}
