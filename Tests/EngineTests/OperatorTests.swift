import Engine
import Model
import Numbering
import Testing

@Suite("Operator commands: rates, subscribers, outbox")
struct OperatorTests {
    @Test func setRateAuditsOldAndNewPrice() throws {
        let desk = try Desk()
        let changed = try desk.run(.setRate(Rate(prefix: "3690", price: 350, kind: .premium)))
        #expect(changed.result == "rate 3690 premium 300 -> 350")
        #expect(desk.state.audit.last?.outcome == "ok: rate 3690 premium 300 -> 350")
        #expect(try desk.run(.setRate(Rate(prefix: "3699", price: 10, kind: .premium))).result == "rate 3699 premium new 10")
        // The new price applies to the next command.
        #expect(try desk.sms(prepaid, "0690123456", "x").result == "charged 350")
    }

    @Test func deleteAndList() throws {
        let desk = try Desk()
        #expect(try desk.run(.listRates(prefix: "3690")).lines == ["3690 premium 300", "3690 premium-mt 100"])
        #expect(try desk.run(.deleteRates(prefix: "3690", kind: .premium)).status == .ok)
        #expect(try desk.run(.deleteRates(prefix: "3690", kind: .premium)).status == .refused)
        #expect(try desk.sms(prepaid, "0690123456", "x").status == .refused)
    }

    @Test func addAndShowSubscriber() throws {
        let desk = try Desk()
        let fresh = MSISDN(canonical: "36306666666")
        let added = try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .prepaid,
                                                           birthDate: CalendarDate(year: 2000, month: 1, day: 1), language: .en),
                                                pin: "66666"))
        #expect(added.status == .ok)
        #expect(try desk.run(.addSubscriber(Subscriber(msisdn: fresh, product: .mix), pin: nil)).status == .refused)
        try desk.sms(fresh, "1430", "TILT 91")
        let shown = try desk.run(.showSubscriber(fresh))
        #expect(shown.lines.contains("product prepaid"))
        #expect(shown.lines.contains("birth 2000-01-01"))
        #expect(shown.lines.contains("setting bar.91 on"))
        #expect(shown.lines.contains("pin set, 0 wrong in a row"))
        #expect(try desk.run(.showSubscriber(stranger)).status == .unknownSubscriber)
    }

    @Test func outboxHandsEachMessageOverOnce() throws {
        let desk = try Desk()
        try desk.sms(prepaid, "1430", "HIVJ 06201234567")
        try desk.mt("0690123456", postpaid)
        let all = try desk.run(.outbox(recipient: nil, limit: 100), account: "simulator")
        #expect(all.lines.count == 2)
        #expect(all.lines[0].hasPrefix("1 36301111111 36201234567 "))
        #expect(try desk.run(.outbox(recipient: nil, limit: 100), account: "simulator").lines.isEmpty)
    }
}
