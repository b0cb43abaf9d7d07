import TestSupport
import LineProtocol
import Model
import Numbering
import Testing

@Suite("Request parsing")
struct RequestParsingTests {
    static let subscriber = MSISDN(canonical: "36301111111")

    // MARK: Empty lines

    @Test("empty and blank lines are .empty", arguments: ["", " ", "   ", "\t", " \t \t "])
    func empty(line: String) {
        #expect(parse(line) == .success(.empty))
        #expect(Request.empty.verb == nil)
        #expect(Request.empty.maskedDescription == "")
    }

    // MARK: PING, HELP, QUIT

    @Test("PING, HELP, QUIT in any case, with surrounding blanks", arguments: [
        ("PING", Request.ping), ("ping", .ping), ("PiNg", .ping), ("  PING  ", .ping), ("\tping\t", .ping),
        ("HELP", .help), ("help", .help), (" Help ", .help),
        ("QUIT", .quit), ("quit", .quit), ("qUiT\t", .quit),
    ])
    func noArgumentVerbs(line: String, expected: Request) {
        #expect(parse(line) == .success(expected))
    }

    @Test("PING, HELP, QUIT take no arguments", arguments: [
        ("PING x", Request.Verb.ping), ("PING  x y", .ping), ("help me", .help), ("QUIT now", .quit),
    ])
    func noArgumentVerbsRefuseArguments(line: String, verb: Request.Verb) {
        let error = parse(line).error
        #expect(error?.code == .syntaxError)
        #expect(error?.code.rawValue == 501)
        #expect(error?.text == "Usage: \(verb.name)")
        #expect(error?.verb == verb)
    }

    // MARK: AUTH

    @Test("AUTH with account and password", arguments: [
        ("AUTH ops secret", "ops", "secret"),
        ("auth ops secret", "ops", "secret"),
        ("Auth   simulator \t simulator  ", "simulator", "simulator"),
        ("AUTH ügyfél jelszó€", "ügyfél", "jelszó€"),
        ("AUTH a p@ss:w0rd!", "a", "p@ss:w0rd!"),
    ])
    func auth(line: String, account: String, password: String) {
        #expect(parse(line) == .success(.auth(account: account, password: password)))
    }

    @Test("AUTH with a wrong number of arguments", arguments: ["AUTH", "AUTH   ", "AUTH ops", "AUTH ops pw extra"])
    func authUsage(line: String) {
        #expect(parse(line) == .failure(RequestError(.syntaxError, "Usage: AUTH <account> <password>", verb: .auth)))
    }

    // MARK: SMS

    @Test("SMS to a short code")
    func smsShortCode() {
        #expect(parse("SMS 36301111111 1730 EGYENLEG")
            == .success(.sms(from: Self.subscriber, to: .shortCode("1730"), text: "EGYENLEG")))
    }

    @Test("SMS keeps the text exactly as typed", arguments: [
        ("SMS 36301111111 777   stop   sport ", "stop   sport "),
        ("SMS 36301111111 777 stop", "stop"),
        ("sms 36301111111\t777\t\ttext\twith\ttabs\t", "text\twith\ttabs\t"),
        ("SMS 36301111111 777 árvíztűrő tükörfúrógép 😀", "árvíztűrő tükörfúrógép 😀"),
        ("SMS 36301111111 777 a\rb", "a\rb"),
        ("SMS 36301111111 777 x", "x"),
        ("SMS  36301111111  777  AUTH a b  ", "AUTH a b  "),
    ])
    func smsText(line: String, text: String) {
        #expect(parse(line) == .success(.sms(from: Self.subscriber, to: .shortCode("777"), text: text)))
    }

    @Test("numbers in every accepted form", arguments: [
        "36301111111", "+36301111111", "0036301111111", "06301111111", "06-30-111-1111", "+36-30-111-1111",
        "06/30/111-1111",
    ])
    func numberForms(number: String) {
        #expect(parse("SMS \(number) 1730 EGYENLEG")
            == .success(.sms(from: Self.subscriber, to: .shortCode("1730"), text: "EGYENLEG")))
        #expect(parse("SMS 36302222222 \(number) hello")
            == .success(.sms(from: MSISDN(canonical: "36302222222"), to: .number("36301111111"), text: "hello")))
        #expect(parse("TOPUP \(number) 100") == .success(.topup(msisdn: Self.subscriber, amount: 100)))
    }

    @Test("SMS to a full number")
    func smsToNumber() {
        #expect(parse("SMS +36301111111 06 90 123 456 hi")
            == .failure(RequestError(.syntaxError, "malformed number: to", verb: .sms)))
        #expect(parse("SMS +36301111111 0690123456 hi")
            == .success(.sms(from: Self.subscriber, to: .number("3690123456"), text: "hi")))
    }

    @Test("a number with spaces is several tokens: the first one is a malformed number")
    func numberWithSpaces() {
        #expect(parse("SMS 06 30 111 1111 1730 hi")
            == .failure(RequestError(.syntaxError, "malformed number: from", verb: .sms)))
        #expect(parse("TOPUP 06 30 111 1111 100").error?.text == "Usage: TOPUP <msisdn> <amount>")
    }

    @Test("SMS without its text or numbers", arguments: [
        "SMS", "SMS ", "SMS 36301111111", "SMS 36301111111 1730", "SMS 36301111111 1730 ", "SMS 36301111111 1730 \t \t",
    ])
    func smsUsage(line: String) {
        #expect(parse(line)
            == .failure(RequestError(.syntaxError, "Usage: SMS <from-msisdn> <to-number> <text>", verb: .sms)))
    }

    @Test("SMS from a malformed number", arguments: [
        "1730", "abc", "3630111", "363011111111111111", "+", "06", "36-30-111-111x", "063011111", "+0036301111111",
        String(repeating: "3", count: 200),
    ])
    func smsMalformedFrom(from: String) {
        #expect(parse("SMS \(from) 1730 hi")
            == .failure(RequestError(.syntaxError, "malformed number: from", verb: .sms)))
    }

    @Test("SMS to a malformed destination", arguments: ["abc", "17", "1234567", "0173", "+", "1730x", String(repeating: "7", count: 100)])
    func smsMalformedTo(to: String) {
        #expect(parse("SMS 36301111111 \(to) hi")
            == .failure(RequestError(.syntaxError, "malformed number: to", verb: .sms)))
    }

    @Test("the from field is checked before the to field")
    func fromBeforeTo() {
        #expect(parse("SMS bad bad hi").error?.text == "malformed number: from")
    }

    // MARK: TOPUP

    @Test("TOPUP with valid amounts", arguments: [
        ("TOPUP 36301111111 500", Int64(500)),
        ("topup 06301111111 1", 1),
        ("ToPuP   +36301111111\t\t2500  ", 2500),
        ("TOPUP 36301111111 10000000", 10_000_000),
        ("TOPUP 36301111111 0000500", 500),
        ("TOPUP 36301111111 000000000000000000000000000000000001", 1),
    ])
    func topup(line: String, amount: Int64) {
        #expect(parse(line) == .success(.topup(msisdn: Self.subscriber, amount: amount)))
    }

    @Test("the maximum top-up is 10 000 000 Ft")
    func maximumTopUp() {
        #expect(Request.maximumTopUp == 10_000_000)
    }

    @Test("TOPUP amounts that are not whole numbers", arguments: [
        "+5", "5.0", "5,0", "1e3", "abc", "5Ft", "0x10", "١٢", "٥", "--5", "-", "5-", "1_000",
    ])
    func topupNotANumber(amount: String) {
        #expect(parse("TOPUP 36301111111 \(amount)")
            == .failure(RequestError(.syntaxError, "invalid amount: not a whole number of forints", verb: .topup)))
    }

    @Test("TOPUP amounts that are not positive", arguments: ["0", "000", "-5", "-0", "-99999999999999999999999999"])
    func topupNotPositive(amount: String) {
        #expect(parse("TOPUP 36301111111 \(amount)")
            == .failure(RequestError(.syntaxError, "invalid amount: must be positive", verb: .topup)))
    }

    @Test("TOPUP amounts over the maximum, huge ones included, never crash", arguments: [
        "10000001", "99999999", "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "18446744073709551616", "99999999999999999999999999999999999999999999999999",
        String(repeating: "9", count: 4000),
    ])
    func topupTooLarge(amount: String) {
        #expect(parse("TOPUP 36301111111 \(amount)")
            == .failure(RequestError(.syntaxError, "invalid amount: more than 10000000 Ft", verb: .topup)))
    }

    @Test("TOPUP with a wrong number of arguments", arguments: [
        "TOPUP", "TOPUP 36301111111", "TOPUP 36301111111 5 6", "TOPUP 36301111111 1 000", "TOPUP  36301111111  ",
    ])
    func topupUsage(line: String) {
        #expect(parse(line) == .failure(RequestError(.syntaxError, "Usage: TOPUP <msisdn> <amount>", verb: .topup)))
    }

    @Test("TOPUP to a malformed number", arguments: ["abc", "1730", "3630", "+", "06-30"])
    func topupMalformedNumber(number: String) {
        #expect(parse("TOPUP \(number) 100")
            == .failure(RequestError(.syntaxError, "malformed number: msisdn", verb: .topup)))
    }

    // MARK: Unknown verbs

    @Test("unknown verbs are 500", arguments: [
        "FOO", "PINGX", "PIN2", "PINGPING", "SMSX 36301111111 1730 hi", "TOP UP 36301111111 5", "ÁRVÍZ",
        "PING\r", "\rPING", "-PING", "USSDX *102#", "RELEASEX", "  hello world  ", "P", "😀",
    ])
    func unknownVerb(line: String) {
        let result = parse(line)
        #expect(result == .failure(.unknownCommand))
        #expect(result.error?.code.rawValue == 500)
        #expect(result.error?.text == "unknown command")
        #expect(result.error?.verb == nil)
    }

    // MARK: Bytes

    @Test("invalid UTF-8 anywhere in the line is 501", arguments: [
        [0xC0, 0xAF],                   // overlong '/'
        [0xC1, 0xBF],                   // overlong
        [0xE0, 0x80, 0xAF],             // overlong, 3 bytes
        [0xE0, 0x9F, 0xBF],             // overlong, 3 bytes, highest
        [0xF0, 0x80, 0x80, 0xAF],       // overlong, 4 bytes
        [0xF0, 0x8F, 0xBF, 0xBF],       // overlong, 4 bytes, highest
        [0xE2, 0x82],                   // truncated at the end of the line
        [0xC3],                         // truncated lead byte at the end
        [0xF0, 0x9F, 0x98],             // truncated 4-byte sequence
        [0xE2, 0x82, 0x20, 0x41],       // truncated, followed by ASCII
        [0xC3, 0xC3, 0xA1],             // lead byte followed by a lead byte
        [0x80],                         // lone continuation byte
        [0xBF, 0x41],                   // lone continuation byte, then ASCII
        [0x41, 0xA1, 0x41],             // continuation in the middle
        [0xED, 0xA0, 0x80],             // surrogate U+D800
        [0xED, 0xBF, 0xBF],             // surrogate U+DFFF
        [0xF4, 0x90, 0x80, 0x80],       // above U+10FFFF
        [0xF5, 0x80, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
        [0xFE], [0xFF],
    ] as [[UInt8]])
    func invalidUTF8(bad: [UInt8]) {
        let lines: [[UInt8]] = [
            bad,
            Array("PING ".utf8) + bad,
            bad + Array(" PING".utf8),
            Array("SMS 36301111111 1730 egy ".utf8) + bad + Array(" kettő".utf8),
            Array("AUTH ops ".utf8) + bad,
            Array("SMS 36301111111 1730 a long enough text to use the fast path ".utf8) + bad,
        ]
        for line in lines {
            #expect(parse(bytes: line) == .failure(.invalidUTF8), "\(line)")
            #expect(parse(bytes: line).error?.description == "501 invalid UTF-8")
        }
    }

    @Test("valid UTF-8 at the edges of the ranges is accepted", arguments: [
        [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xE2, 0x82, 0xAC],
    ] as [[UInt8]])
    func validUTF8(good: [UInt8]) {
        let line = Array("SMS 36301111111 1730 ".utf8) + good
        #expect(parse(bytes: line)
            == .success(.sms(from: Self.subscriber, to: .shortCode("1730"), text: String(decoding: good, as: UTF8.self))))
    }

    @Test("the validator agrees with the standard library on random bytes")
    func utf8AgainstStandardLibrary() {
        var random = SeededGenerator(seed: 7)
        let interesting: [UInt8] = [0x41, 0x20, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...24, using: &random)
            let tail = (0..<length).map { _ in interesting.randomElement(using: &random)! }
            let line = Array("SMS 36301111111 1730 x".utf8) + tail
            let valid = String(validating: tail, as: UTF8.self) != nil
            let result = parse(bytes: line)
            if valid {
                #expect(result.request != nil, "\(tail)")
            } else {
                #expect(result == .failure(.invalidUTF8), "\(tail)")
            }
        }
    }

    @Test("a NUL byte anywhere is 501", arguments: [
        [0x00], Array("PING\0".utf8), Array("\0PING".utf8), Array("SMS 36301111111 1730 a\0b".utf8),
        Array("AUTH ops pw\0".utf8), [0x00, 0xFF], Array("   \0   ".utf8),
    ] as [[UInt8]])
    func nulByte(line: [UInt8]) {
        #expect(parse(bytes: line) == .failure(.nulByte))
        #expect(parse(bytes: line).error?.description == "501 NUL byte in line")
    }

    // MARK: Verbs

    @Test("verbs: name, role, usage")
    func verbs() {
        #expect(Request.Verb.allCases.map(\.name)
            == ["AUTH", "SMS", "TOPUP", "MT", "OUTBOX", "USSD", "RELEASE", "RATE", "SUB", "PIN", "BILL", "RELOAD", "PING", "HELP", "QUIT"])
        #expect(Request.Verb.mt.role == .network && Request.Verb.outbox.role == .network)
        #expect(Request.Verb.rate.role == .operator && Request.Verb.sub.role == .operator && Request.Verb.reload.role == .operator)
        #expect(Request.Verb.rate.usageLines.count == 3)
        #expect(Request.Verb.auth.role == .none)
        #expect(Request.Verb.ping.role == .none)
        #expect(Request.Verb.help.role == .none)
        #expect(Request.Verb.quit.role == .none)
        #expect(Request.Verb.sms.role == .network)
        #expect(Request.Verb.topup.role == .operator)
        #expect(Request.Verb.sms.usage == "SMS <from-msisdn> <to-number> <text>")
        #expect(RequestError.usage(.sms).description == "501 Usage: SMS <from-msisdn> <to-number> <text>")
        for verb in Request.Verb.allCases {
            #expect(Request.Verb(name: verb.name) == verb)
            #expect(Request.Verb(name: verb.name.lowercased()) == verb)
        }
        #expect(Request.Verb(name: "PONG") == nil)
        #expect(Request.ping.verb == .ping)
        #expect(Request.topup(msisdn: Self.subscriber, amount: 1).verb == .topup)
    }

    @Test("one table entry per verb: usage named after it, store use as the gateway runs it")
    func verbTable() {
        for verb in Request.Verb.allCases {
            #expect(verb.entry.usage.hasPrefix(verb.name), "\(verb)")
            // Each form of the usage starts with the verb.
            #expect(verb.usageLines.allSatisfy { $0.hasPrefix(verb.name) }, "\(verb)")
        }
        let inStore = Request.Verb.allCases.filter(\.usesStore).map(\.name)
        #expect(inStore == ["AUTH", "SMS", "TOPUP", "MT", "OUTBOX", "USSD", "RATE", "SUB", "PIN", "BILL"])
    }

    @Test("PIN: set, reset, unlock; the PIN never in the description", arguments: [
        ("PIN SET 36301111111 24680", Request.pin(MSISDN(canonical: "36301111111"), .set("24680")), "PIN SET 36301111111 *****"),
        ("pin reset +36301111111", Request.pin(MSISDN(canonical: "36301111111"), .reset), "PIN RESET 36301111111"),
        ("PIN UNLOCK 06301111111", Request.pin(MSISDN(canonical: "36301111111"), .unlock), "PIN UNLOCK 36301111111"),
    ])
    func pinVerb(line: String, request: Request, description: String) throws {
        let parsed = try parse(line).get()
        #expect(parsed == request)
        #expect(parsed.description == description)
    }

    @Test("SUB LIST: prefix and options in any order after it", arguments: [
        ("SUB LIST", SubscriberQuery()),
        ("sub list 0630", SubscriberQuery(prefix: "3630")),
        ("SUB LIST +3630 status=SUSPENDED product=mix", SubscriberQuery(prefix: "3630", product: .mix, status: .suspended)),
        ("SUB LIST after=06301111111 limit=1000", SubscriberQuery(after: "36301111111", limit: 1000)),
    ])
    func subList(line: String, query: SubscriberQuery) throws {
        #expect(try parse(line).get() == .subList(query))
    }

    @Test("SUB LIST refusals", arguments: [
        ("SUB LIST abc", "501 malformed prefix: digits, as 0630 or +3630"),
        ("SUB LIST 0630 0631", "501 malformed prefix: digits, as 0630 or +3630"),
        ("SUB LIST limit=0", "501 invalid limit: 1 to 1000"),
        ("SUB LIST limit=x", "501 invalid limit: 1 to 1000"),
        ("SUB LIST product=gold", "501 unknown product: prepaid, postpaid or mix"),
        ("SUB LIST status=gone", "501 unknown status: active, suspended or terminated"),
        ("SUB LIST after=12", "501 malformed number: after"),
        ("SUB LIST limit=5 limit=6", "501 limit= given twice"),
    ])
    func subListRefusals(line: String, answer: String) {
        #expect(parse(line).error?.description == answer)
    }

    @Test("SUB SET, SUB END, BILL CLOSE: what they parse to and how they are described", arguments: [
        ("SUB SET 06-30-111-1111 product=Postpaid", Request.subSet(MSISDN(canonical: "36301111111"), ProfileChange(product: .postpaid)),
         "SUB SET 36301111111 product=postpaid"),
        ("sub set 36303333333 allowance=5000 lang=en status=active birth=2001-02-03",
         .subSet(MSISDN(canonical: "36303333333"), ProfileChange(language: .en, status: .active,
                                                                 birthDate: CalendarDate(year: 2001, month: 2, day: 3), allowance: 5000)),
         "SUB SET 36303333333 lang=en status=active birth=2001-02-03 allowance=5000"),
        ("SUB END +36301111111", .subEnd(MSISDN(canonical: "36301111111")), "SUB END 36301111111"),
        ("BILL CLOSE 2026-10", .billClose(BillRun(period: "2026-10")), "BILL CLOSE 2026-10"),
        ("bill close LAST 06302222222", .billClose(BillRun(period: "last", msisdn: MSISDN(canonical: "36302222222"))),
         "BILL CLOSE last 36302222222"),
        ("BILL CLOSE 2026-10 after=36302222222 limit=500", .billClose(BillRun(period: "2026-10", after: "36302222222", limit: 500)),
         "BILL CLOSE 2026-10 after=36302222222 limit=500"),
    ])
    func lifecycleVerbs(line: String, request: Request, description: String) throws {
        let parsed = try parse(line).get()
        #expect(parsed == request)
        #expect(parsed.description == description)
    }

    @Test("SUB SET, SUB END, BILL CLOSE refusals", arguments: [
        ("SUB SET 36301111111", "501 Usage: " + Request.Verb.sub.usage),
        ("SUB SET 36301111111 product=gold", "501 unknown product: prepaid, postpaid or mix"),
        ("SUB SET 36301111111 allowance=-1", "501 invalid allowance: forints, digits only"),
        ("SUB SET 36301111111 allowance=99999999999999999999", "501 invalid allowance: forints, digits only"),
        ("SUB SET 36301111111 status=terminated", "501 unknown status: active or suspended (SUB END terminates)"),
        ("SUB SET 36301111111 colour=red", "501 unknown option colour=: product, allowance, lang, status or birth"),
        ("SUB SET 36301111111 lang=en lang=hu", "501 lang= given twice"),
        ("SUB SET 36301111111 en", "501 Usage: " + Request.Verb.sub.usage),
        ("SUB END 36301111111 now", "501 Usage: " + Request.Verb.sub.usage),
        ("BILL CLOSE", "501 Usage: " + Request.Verb.bill.usage),
        ("BILL OPEN 2026-10", "501 Usage: " + Request.Verb.bill.usage),
        ("BILL CLOSE 2026-13", "501 malformed month: YYYY-MM (2026-10) or last"),
        ("BILL CLOSE 26-10", "501 malformed month: YYYY-MM (2026-10) or last"),
        ("BILL CLOSE 2026-10 abc", "501 malformed number: msisdn"),
        ("BILL CLOSE 2026-10 36301111111 limit=5", "501 after= and limit= page a run over all subscribers, not one"),
        ("BILL CLOSE 2026-10 limit=10001", "501 invalid limit: 1 to 10000"),
        ("BILL CLOSE 2026-10 after=1", "501 malformed number: after"),
        ("BILL CLOSE 2026-10 when=now", "501 Usage: " + Request.Verb.bill.usage),
    ])
    func lifecycleRefusals(line: String, answer: String) {
        #expect(parse(line).error?.description == answer)
    }

    @Test("PIN refusals", arguments: [
        ("PIN SET 36301111111 1234", "501 invalid PIN: 5 digits"),
        ("PIN SET 36301111111 abcde", "501 invalid PIN: 5 digits"),
        ("PIN SET 36301111111", "501 Usage: PIN SET <msisdn> <pin> | PIN RESET <msisdn> | PIN UNLOCK <msisdn>"),
        ("PIN RESET 36301111111 12345", "501 Usage: PIN SET <msisdn> <pin> | PIN RESET <msisdn> | PIN UNLOCK <msisdn>"),
        ("PIN SHOW 36301111111", "501 Usage: PIN SET <msisdn> <pin> | PIN RESET <msisdn> | PIN UNLOCK <msisdn>"),
        ("PIN RESET abc", "501 malformed number: msisdn"),
    ])
    func pinRefusals(line: String, answer: String) {
        #expect(parse(line).error?.description == answer)
    }

    @Test("permissions by role")
    func permissions() {
        for verb in [Request.Verb.auth, .ping, .help, .quit] {
            for role in [nil] + Role.allCases {
                #expect(verb.isPermitted(for: role))
                #expect(verb.permission(for: role) == nil)
            }
        }
        #expect(Request.Verb.sms.isPermitted(for: .network))
        #expect(!Request.Verb.sms.isPermitted(for: .operator))
        #expect(!Request.Verb.sms.isPermitted(for: .none))
        #expect(Request.Verb.topup.isPermitted(for: .operator))
        #expect(!Request.Verb.topup.isPermitted(for: .network))
        #expect(Request.Verb.sms.permission(for: .none)?.description == "530 authentication required")
        #expect(Request.Verb.sms.permission(for: .operator)?.description == "530 not permitted for role operator")
        #expect(Request.Verb.topup.permission(for: .network)?.description == "530 not permitted for role network")
    }

    // MARK: Audit

    @Test("masked descriptions for the audit log")
    func masked() throws {
        let auth = try parse("auth ops s3cret").get()
        #expect(auth.maskedDescription == "AUTH ops ****")
        #expect(!auth.maskedDescription.contains("s3cret"))
        #expect("\(auth)" == "AUTH ops ****")
        #expect(try parse("sms 06-30-111-1111 1730 egyenleg  ").get().maskedDescription
            == "SMS 36301111111 1730 egyenleg  ")
        #expect(try parse("topup +36301111111 0500").get().maskedDescription == "TOPUP 36301111111 500")
        #expect(Request.ping.maskedDescription == "PING")
        #expect(Request.help.maskedDescription == "HELP")
        #expect(Request.quit.maskedDescription == "QUIT")
    }

    // MARK: Decoder and parser together

    @Test("lines from the decoder parse in order")
    func decoderToParser() {
        let input = Array("auth simulator simulator\r\n\r\nSMS 36301111111 1730 EGYENLEG\r\nFOO\n".utf8)
        var decoder = LineDecoder()
        var results: [Result<Request, RequestError>] = []
        let consumed = input.withUnsafeBytes { bytes in
            decoder.decode(bytes) { event in
                if case .line(let line) = event { results.append(Request.parse(line)) }
            }
        }
        #expect(consumed == input.count)
        #expect(results == [
            .success(.auth(account: "simulator", password: "simulator")),
            .success(.empty),
            .success(.sms(from: Self.subscriber, to: .shortCode("1730"), text: "EGYENLEG")),
            .failure(.unknownCommand),
        ])
    }
}
