import Engine
import Model
import Numbering
import Testing

/// The PIN's life beyond `PIN <old> <new> <new>` (issue 18): an operator sets, resets and
/// unlocks; a subscriber without a PIN asks for one (1430 `PIN`, the 1412 menu item 1.10).
@Suite("PIN administration")
struct PINAdminTests {
    func run(_ desk: Desk, _ msisdn: MSISDN, _ change: PINChange) throws -> Outcome {
        try desk.store.write { tx in
            try desk.engine.execute(.pin(msisdn, change), context("PIN", account: "ops"), in: tx)
        }
    }

    /// The secret SMS's PIN (the last outbox message to `msisdn` that carries one).
    func sentPIN(_ desk: Desk, to msisdn: MSISDN) -> String? {
        let state = desk.store.state
        let secret = state.outbox.last { $0.recipient == msisdn.digits && state.secrets.contains($0.id) }
        guard let text = secret?.text else { return nil }
        let runs = text.split(whereSeparator: { !$0.isNumber }).map(String.init)
        return runs.first { $0.count == 5 }
    }

    @Test func aResetPINGoesToTheHandsetOnlyAndWorks() throws {
        let desk = try Desk()
        let outcome = try run(desk, prepaid, .reset)
        #expect(outcome.status == .ok && outcome.reply == nil)
        let pin = try #require(sentPIN(desk, to: prepaid))
        // Not in the answer, not in the audit.
        #expect(!outcome.result.contains(pin) && outcome.lines.allSatisfy { !$0.contains(pin) })
        #expect(desk.store.state.audit.last?.request == "PIN RESET 36301111111")
        #expect(desk.store.state.outbox.last.map { desk.store.state.secrets.contains($0.id) } == true)
        // The old PIN no longer works, the new one does.
        #expect(try desk.sms(prepaid, "1430", "SZUNETEL 11111").status == .refused)
        #expect(try desk.sms(prepaid, "1430", "SZUNETEL \(pin)").status == .ok)
    }

    @Test func aSetPINIsNotifiedAndNeverWritten() throws {
        let desk = try Desk()
        #expect(try run(desk, prepaid, .set("24680")).status == .ok)
        #expect(desk.store.state.audit.last?.request == "PIN SET 36301111111 *****")
        #expect(desk.store.state.outbox.last?.text.hasPrefix("Biztonsági értesítés: jelszó módosítva") == true)
        #expect(!desk.store.state.audit.contains { $0.request.contains("24680") })
        #expect(try desk.sms(prepaid, "1430", "SZUNETEL 24680").status == .ok)
    }

    @Test func unlockLiftsALockOutEarly() throws {
        let desk = try Desk()
        for _ in 0..<3 { try desk.sms(prepaid, "1430", "SZUNETEL 99999") }
        #expect(try desk.sms(prepaid, "1430", "SZUNETEL 11111").result == "PIN locked")
        #expect(try run(desk, prepaid, .unlock).result == "PIN of 36301111111 unlocked")
        #expect(try desk.sms(prepaid, "1430", "SZUNETEL 11111").status == .ok)
        #expect(try run(desk, prepaid, .unlock).result == "PIN of 36301111111 was not locked")
    }

    @Test func anUnknownNumberChangesNothing() throws {
        let desk = try Desk()
        let before = desk.store.state
        for change in [PINChange.set("12345"), .reset, .unlock] {
            #expect(try run(desk, stranger, change).status == .unknownSubscriber)
        }
        #expect(desk.store.state.pins == before.pins && desk.store.state.outbox == before.outbox)
    }

    @Test func aSubscriberWithoutAPINAsksForOneOnceBySMSOrUSSD() throws {
        let desk = try Desk()
        let newcomer = MSISDN(canonical: "36309990001"), other = MSISDN(canonical: "36309990002")
        try desk.store.write { tx in
            try tx.addSubscriber(Subscriber(msisdn: newcomer, product: .prepaid), pin: PINRecord(hash: nil))
            try tx.addSubscriber(Subscriber(msisdn: other, product: .prepaid, language: .en), pin: PINRecord(hash: nil))
        }
        #expect(try desk.sms(newcomer, "1430", "KOD 12345").reply?.contains("PIN szót az 1430-ra") == true)
        let asked = try desk.sms(newcomer, "1430", "pin")
        #expect(asked.status == .ok && asked.reply?.hasPrefix("Új jelszavadat SMS-ben küldjük.") == true)
        let pin = try #require(sentPIN(desk, to: newcomer))
        #expect(try desk.sms(newcomer, "1430", "KOD \(pin)").status == .ok)
        // Asking again: refused, no second SMS.
        let outbox = desk.store.state.outbox.count
        #expect(try desk.sms(newcomer, "1430", "JELSZÓ").reply?.hasPrefix("Már van jelszavad.") == true)
        #expect(desk.store.state.outbox.count == outbox)
        // The 1412 menu: Self-service, item 10.
        try desk.ussd(other, "*1412#")
        try desk.ussd(other, "1")
        let menu = try desk.ussd(other, "10")
        #expect(menu.status == .ok && menu.reply?.hasPrefix("Your new PIN is on its way by SMS.") == true, "\(menu)")
        #expect(sentPIN(desk, to: other) != nil)
    }
}
