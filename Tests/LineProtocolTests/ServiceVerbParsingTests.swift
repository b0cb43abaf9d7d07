import LineProtocol
import Model
import Numbering
import Testing

@Suite("MT, OUTBOX, RATE, SUB, RELOAD parsing")
struct ServiceVerbParsingTests {
    static let subscriber = MSISDN(canonical: "36301111111")

    @Test func mtTakesAnyNumberAndTheRestAsText() {
        #expect(parse("MT 0690123456 06-30-111-1111 Your  horoscope ") ==
                .success(.mt(from: .number("3690123456"), to: Self.subscriber, text: "Your  horoscope ")))
        #expect(parse("mt 16123 36301111111 x") == .success(.mt(from: .shortCode("16123"), to: Self.subscriber, text: "x")))
        #expect(parse("MT 0690123456 36301111111").error?.text == "Usage: " + Request.Verb.mt.usage)
        #expect(parse("MT 0690123456 1730 x").error?.text == "malformed number: to")
        #expect(parse("MT +0 36301111111 x").error?.text == "malformed number: from")
    }

    @Test func outboxWithAndWithoutRecipient() {
        #expect(parse("OUTBOX") == .success(.outbox(recipient: nil)))
        #expect(parse("outbox 06301111111") == .success(.outbox(recipient: Self.subscriber)))
        #expect(parse("OUTBOX x").error?.text == "malformed number: msisdn")
        #expect(parse("OUTBOX 36301111111 36301111111").error?.code == .syntaxError)
    }

    @Test func rateSetNormalisesThePrefix() {
        #expect(parse("RATE SET 0690 300 premium") == .success(.rateSet(RateChange(prefix: "3690", price: 300, kind: .premium))))
        #expect(parse("rate set +3691 500 PREMIUM adult") ==
                .success(.rateSet(RateChange(prefix: "3691", price: 500, kind: .premium, adult: true))))
        // No flag keeps the stored one; noadult unmarks (issue 12.1).
        #expect(parse("RATE SET 0691 600 premium noadult") ==
                .success(.rateSet(RateChange(prefix: "3691", price: 600, kind: .premium, adult: false))))
        #expect(parse("RATE SET 0691 600 premium") ==
                .success(.rateSet(RateChange(prefix: "3691", price: 600, kind: .premium, adult: nil))))
        #expect(parse("RATE SET 0691 600 premium kids").error?.code == .syntaxError)
        #expect(parse("RATE SET 0691 600 premium adult noadult").error?.code == .syntaxError)
        #expect(parse("RATE SET 1690 0 premium-mt") == .success(.rateSet(RateChange(prefix: "1690", price: 0, kind: .premiumMT))))
        #expect(parse("RATE SET 06308080712 400 subscription") ==
                .success(.rateSet(RateChange(prefix: "36308080712", price: 400, kind: .subscription))))
    }

    @Test("RATE refuses bad input with a reason", arguments: [
        ("RATE SET 0120 300 premium", "malformed prefix"),
        ("RATE SET abc 300 premium", "malformed prefix"),
        ("RATE SET 0690 -5 premium", "invalid price: not a whole number of forints"),
        ("RATE SET 0690 1.5 premium", "invalid price: not a whole number of forints"),
        ("RATE SET 0690 100001 premium", "invalid price: more than 100000 Ft"),
        ("RATE SET 0690 300 cheap", "unknown kind"),
        ("RATE SET 0690 300 premium kids", "Usage"),
        ("RATE SET 0690 300", "Usage"),
        ("RATE DROP 0690", "Usage"),
        ("RATE", "Usage"),
        ("RATE DEL 0690 cheap", "unknown kind"),
    ])
    func rateRefusals(line: String, reason: String) {
        let error = parse(line).error
        #expect(error?.code == .syntaxError)
        #expect(error?.text.hasPrefix(reason) == true, "\(line): \(error?.text ?? "no error")")
    }

    @Test func rateDelAndList() {
        #expect(parse("RATE DEL 0690") == .success(.rateDelete(prefix: "3690", kind: nil)))
        #expect(parse("RATE DEL 0690 premium-mt") == .success(.rateDelete(prefix: "3690", kind: .premiumMT)))
        #expect(parse("RATE LIST") == .success(.rateList(prefix: nil)))
        #expect(parse("RATE LIST 06") == .success(.rateList(prefix: "36")))
    }

    @Test func subAddWithOptionsAndAMaskedPIN() throws {
        let request = try parse("SUB ADD 06-30-111-1111 prepaid birth=2012-06-01 pin=12345 lang=EN").get()
        guard case .subAdd(let s, let pin) = request else {
            Issue.record("not SUB ADD: \(request)")
            return
        }
        #expect(s.msisdn == Self.subscriber && s.product == .prepaid && s.language == .en)
        #expect(s.birthDate == CalendarDate(year: 2012, month: 6, day: 1))
        #expect(pin == "12345")
        #expect(request.maskedDescription == "SUB ADD 36301111111 prepaid birth=2012-06-01 pin=***** lang=en")
        #expect(parse("SUB SHOW 36301111111") == .success(.subShow(Self.subscriber)))
    }

    @Test("SUB refuses bad input with a reason", arguments: [
        ("SUB ADD 36301111111 gold", "unknown product"),
        ("SUB ADD 36301111111 mix birth=2012-02-30", "invalid birth date"),
        ("SUB ADD 36301111111 mix pin=1234", "invalid PIN"),
        ("SUB ADD 36301111111 mix lang=de", "unknown language"),
        ("SUB ADD 36301111111 mix color=red", "unknown option"),
        ("SUB ADD 36301111111 mix pin=12345 pin=54321", "pin= given twice"),
        ("SUB ADD 36301111111 mix extra", "Usage"),
        ("SUB ADD 1730 mix", "malformed number"),
        ("SUB SHOW", "Usage"),
        ("SUB SHOW 36301111111 more", "Usage"),
    ])
    func subRefusals(line: String, reason: String) {
        let error = parse(line).error
        #expect(error?.code == .syntaxError)
        #expect(error?.text.hasPrefix(reason) == true, "\(line): \(error?.text ?? "no error")")
    }

    @Test func reloadTakesNoArguments() {
        #expect(parse("RELOAD") == .success(.reload))
        #expect(parse("reload now").error?.text == "Usage: RELOAD")
    }
}
