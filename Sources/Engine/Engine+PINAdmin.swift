import Model
import Numbering

/// The PIN's life apart from the subscriber's own `PIN <old> <new> <new>` (issue 18): an
/// operator sets, resets or unlocks it, and a subscriber without one asks for one.
extension Engine {
    /// A new random PIN: five digits from the system's generator.
    static func randomPIN() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = UInt32.random(in: 0..<100_000, using: &generator)
        let digits = String(value)
        return String(repeating: "0", count: 5 - digits.count) + digits
    }

    /// `PIN SET|RESET|UNLOCK <msisdn>` of an operator. Set: the subscriber gets a security
    /// notice (S14). Reset: a new random PIN goes to the handset by SMS — secret, blanked
    /// once handed over — and is never in the answer, the audit or a log. Unlock: the
    /// lock-out and the count of wrong PINs go. Each clears a lock-out.
    func changePIN(of msisdn: MSISDN, _ change: PINChange, _ context: RequestContext,
                   _ tx: any StoreTransaction) throws -> Outcome {
        guard let subscriber = try tx.subscriber(msisdn) else {
            return .unknownSubscriber(messages(.en).render("subscriber.unknown", ["msisdn": msisdn.digits]))
        }
        guard subscriber.status != .terminated else { return .refused(nil, reason: "terminated") }
        let turn = Turn(subscriber: subscriber, lang: messages(subscriber.language),
                        destination: Destination(parsing: Engine.noticeSender)!, context: context, tx: tx)
        switch change {
        case .set(let pin):
            try tx.setPIN(PINRecord(hash: PasswordHash.make(pin)), of: msisdn)
            try securityNotice(turn.lang.render("change.pin"), turn)
            return .ok(nil, result: "PIN set for \(msisdn.digits); the subscriber was notified")
        case .reset:
            try sendNewPIN(turn)
            return .ok(nil, result: "PIN reset for \(msisdn.digits): a new PIN was sent to the handset")
        case .unlock:
            var record = try tx.pin(of: msisdn) ?? PINRecord(hash: nil)
            let wasLocked = (record.lockedUntil ?? 0) > context.now
            guard wasLocked || record.failures > 0 else {
                return .ok(nil, result: "PIN of \(msisdn.digits) was not locked")
            }
            record.failures = 0
            record.lockedUntil = nil
            try tx.setPIN(record, of: msisdn)
            return .ok(nil, result: "PIN of \(msisdn.digits) unlocked")
        }
    }

    /// `PIN` to 1430 and the 1412 menu's "ask for a PIN": a subscriber without a PIN gets
    /// one by SMS. That is the rate limit too — once sent, the subscriber has a PIN, and
    /// asking again is refused with how to change it; a forgotten or lost one is an
    /// operator's `PIN RESET` (the PIN itself is never sent twice).
    func requestPIN(_ turn: Turn) throws -> Outcome {
        if try turn.tx.pin(of: turn.msisdn)?.hash != nil {
            return .refused(turn.lang.render("pin.alreadySet"), reason: "has a PIN")
        }
        try sendNewPIN(turn)
        return .ok(turn.lang.render("pin.sent"), result: "PIN sent")
    }

    /// A new random PIN, stored (lock-out cleared) and sent to the handset as a secret SMS.
    private func sendNewPIN(_ turn: Turn) throws {
        let pin = Engine.randomPIN()
        try turn.tx.setPIN(PINRecord(hash: PasswordHash.make(pin)), of: turn.msisdn)
        try send(turn.lang.render("pin.sms", ["pin": pin]), to: turn.msisdn, secret: true, turn)
    }
}
