import Model

/// The subscriber PIN (5 digits, 1412 map): 3 wrong PINs in a row lock PIN-protected
/// commands for 15 minutes; the lock-out is audited and the subscriber gets a notice.
extension Engine {
    public static let pinAttempts = 3
    public static let pinLockSeconds: Int64 = 15 * 60

    /// `nil` when `pin` is right (the failure counter is cleared); otherwise the refusal,
    /// with the counter, lock and notice already written.
    func verifyPIN(_ pin: String, _ turn: Turn) throws -> Outcome? {
        var record = try turn.tx.pin(of: turn.msisdn) ?? PINRecord(hash: nil)
        let lang = turn.lang
        if let until = record.lockedUntil, until > turn.now {
            return .refused(lang.render("pin.locked", ["until": lang.time(until)]), reason: "PIN locked")
        }
        guard let hash = record.hash else {
            return .refused(lang.render("pin.notSet"), reason: "no PIN set")
        }
        if PasswordHash.verify(pin, against: hash) {
            let rekey = PasswordHash.needsRekey(hash)
            if record.failures != 0 || record.lockedUntil != nil || rekey {
                record.failures = 0
                record.lockedUntil = nil
                // Made before the server key: made again with it, now that the PIN is known.
                if rekey { record.hash = PasswordHash.make(pin) }
                try turn.tx.setPIN(record, of: turn.msisdn)
            }
            return nil
        }
        record.failures += 1
        guard record.failures >= Engine.pinAttempts else {
            try turn.tx.setPIN(record, of: turn.msisdn)
            let left = Engine.pinAttempts - record.failures
            return .refused(lang.render("pin.wrong", ["left": String(left)]), reason: "wrong PIN (\(record.failures) in a row)")
        }
        let until = turn.now + Engine.pinLockSeconds
        record.failures = 0
        record.lockedUntil = until
        try turn.tx.setPIN(record, of: turn.msisdn)
        try send(lang.render("notice.pinLocked", ["until": lang.time(until)]), to: turn.msisdn, turn)
        return .refused(lang.render("pin.lockedNow", ["until": lang.time(until)]),
                        reason: "wrong PIN \(Engine.pinAttempts) times, PIN locked until \(messages(.en).time(until))")
    }
}
