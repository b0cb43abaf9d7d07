import Model
import Numbering

/// The self-service number (1430): call-me-back (S9), Te+ÉN favourites (S10),
/// suspension (S11), purchase code (S12), top-up of another subscriber (S13), PIN change
/// and reply language.
extension Engine {
    /// S9: at most this many call-me-back SMS a day for the same pair.
    public static let callMeBackDailyLimit = 50
    /// S10: at most this many favourite numbers.
    public static let favouriteLimit = 2
    static let favouritesSetting = "favourites"
    /// S13: a postpaid subscriber in its first 3 months tops up others once a month, at
    /// most this much.
    public static let newPostpaidTransferLimit: Int64 = 3_000
    static let purchaseCodeSetting = "purchase.code"
    /// S12: how long a purchase code is valid.
    public static let purchaseCodeSeconds: Int64 = 15 * 60

    // MARK: S9

    func callMeBack(_ target: MSISDN, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        guard turn.subscriber.product == .prepaid else {
            return .refused(lang.render("callmeback.prepaidOnly"), reason: "call-me-back is for prepaid only")
        }
        guard target.isHungarian else {
            return .refused(lang.render("callmeback.domesticOnly"), reason: "foreign target")
        }
        guard target != turn.msisdn else {
            return .refused(lang.render("callmeback.self"), reason: "own number")
        }
        let counter = "callmeback:\(target.digits)"
        let day = CivilTime.budapestDate(turn.now).iso
        guard try turn.tx.counter(counter, period: day, of: turn.msisdn) < Engine.callMeBackDailyLimit else {
            return .refused(lang.render("callmeback.limit", ["limit": String(Engine.callMeBackDailyLimit)]),
                            reason: "daily limit for this number reached")
        }
        try turn.tx.incrementCounter(counter, period: day, of: turn.msisdn)
        // The request goes out in the target's language when it is our subscriber.
        let targetLanguage = try turn.tx.subscriber(target)?.language ?? .hu
        try send(messages(targetLanguage).render("callmeback.request", ["number": display(turn.msisdn)]),
                 to: target, from: turn.msisdn.digits, turn)
        return .ok(lang.render("callmeback.sent", ["number": display(target)]), result: "call-me-back sent to \(target.digits)")
    }

    // MARK: S10

    func favourites(_ turn: Turn) throws -> [String] {
        (try turn.tx.setting(Engine.favouritesSetting, of: turn.msisdn) ?? "")
            .split(separator: ",").map(String.init)
    }

    func saveFavourites(_ list: [String], _ turn: Turn) throws {
        try turn.tx.setSetting(Engine.favouritesSetting, to: list.isEmpty ? nil : list.joined(separator: ","), of: turn.msisdn)
    }

    func favouriteList(_ list: [String]) -> String { list.map { "+" + $0 }.joined(separator: ", ") }

    func addFavourite(_ target: MSISDN, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        guard turn.subscriber.product != .mix else {
            return .refused(lang.render("favourite.notForMix"), reason: "Te+ÉN is not for Mix")
        }
        // Telekom mobile numbers: +36 30.
        guard target.digits.hasPrefix("3630") else {
            return .refused(lang.render("favourite.notTelekom", ["number": display(target)]), reason: "not a Telekom mobile number")
        }
        guard target != turn.msisdn else {
            return .refused(lang.render("favourite.self"), reason: "own number")
        }
        var list = try favourites(turn)
        if list.contains(target.digits) {
            return .refused(lang.render("favourite.already", ["number": display(target)]), reason: "already a favourite")
        }
        guard list.count < Engine.favouriteLimit else {
            return .refused(lang.render("favourite.full", ["numbers": favouriteList(list)]), reason: "two favourites already")
        }
        list.append(target.digits)
        try saveFavourites(list, turn)
        return .ok(lang.render("favourite.added", ["number": display(target), "numbers": favouriteList(list)]),
                   result: "favourite \(target.digits) added")
    }

    func removeFavourite(_ target: MSISDN, _ turn: Turn) throws -> Outcome {
        var list = try favourites(turn)
        guard let index = list.firstIndex(of: target.digits) else {
            return .refused(turn.lang.render("favourite.notFound", ["number": display(target)]), reason: "not a favourite")
        }
        list.remove(at: index)
        try saveFavourites(list, turn)
        return .ok(turn.lang.render("favourite.removed", ["number": display(target)]), result: "favourite \(target.digits) removed")
    }

    func listFavourites(_ turn: Turn) throws -> Outcome {
        let list = try favourites(turn)
        guard !list.isEmpty else { return .ok(turn.lang.render("favourite.none"), result: "no favourites") }
        return .ok(turn.lang.render("favourite.list", ["numbers": favouriteList(list)]), result: "favourites \(list.joined(separator: ","))")
    }

    // MARK: S11

    func suspend(pin: String?, _ turn: Turn) throws -> Outcome {
        guard let pin else { return missing("pin", turn) }
        if let refusal = try verifyPIN(pin, turn) { return refusal }
        var s = turn.subscriber
        s.status = .suspended
        try turn.tx.updateProfile(s)
        try securityNotice(turn.lang.render("change.suspended"), turn)
        return .ok(turn.lang.render("suspend.done"), result: "suspended")
    }

    /// Reconnection is free and needs no PIN (§4.8).
    func reconnect(_ turn: Turn) throws -> Outcome {
        guard turn.subscriber.status == .suspended else {
            return .refused(turn.lang.render("reconnect.notSuspended"), reason: "not suspended")
        }
        var s = turn.subscriber
        s.status = .active
        try turn.tx.updateProfile(s)
        return .ok(turn.lang.render("reconnect.done"), result: "reconnected")
    }

    // MARK: S12

    /// A one-time code for a mobile purchase, sent by SMS (never in the reply, the audit
    /// or the logs); the store keeps only its hash and expiry.
    func purchaseCode(pin: String?, _ turn: Turn) throws -> Outcome {
        guard let pin else { return missing("pin", turn) }
        if let refusal = try verifyPIN(pin, turn) { return refusal }
        let code = codeSource()
        let expires = turn.now + Engine.purchaseCodeSeconds
        try turn.tx.setSetting(Engine.purchaseCodeSetting,
                               to: "\(expires) \(PasswordHash.make(code, rounds: 1_000))", of: turn.msisdn)
        try send(turn.lang.render("purchasecode.sms", ["code": code, "until": turn.lang.time(expires)]), to: turn.msisdn,
                 secret: true, turn)
        return .ok(turn.lang.render("purchasecode.sent"), result: "purchase code sent")
    }

    // MARK: S13

    func transfer(_ amount: Int64, to target: MSISDN, pin: String?, _ turn: Turn) throws -> Outcome {
        guard let pin else { return missing("pin", turn) }
        let lang = turn.lang
        let sender = turn.subscriber
        guard target != sender.msisdn else {
            return .refused(lang.render("transfer.self"), reason: "own number")
        }
        guard let recipient = try liveSubscriber(target, turn.tx) else {
            return .refused(lang.render("transfer.unknownTarget", ["number": display(target)]), reason: "target not a subscriber")
        }
        let month = String(CivilTime.budapestDate(turn.now).iso.prefix(7))
        if sender.product == .postpaid, try isNewSubscriber(sender.msisdn, turn) {
            guard amount <= Engine.newPostpaidTransferLimit else {
                return .refused(lang.render("transfer.newPostpaidMax", ["max": lang.money(Engine.newPostpaidTransferLimit)]),
                                reason: "new postpaid subscriber: at most \(Engine.newPostpaidTransferLimit) Ft")
            }
            guard try turn.tx.counter("transfer", period: month, of: sender.msisdn) == 0 else {
                return .refused(lang.render("transfer.newPostpaidMonthly"), reason: "new postpaid subscriber: once a month")
            }
        }
        guard !recipient.universalBalance.addingReportingOverflow(amount).overflow else {
            return .refused(lang.render("topup.overflow"), reason: "overflow")
        }
        if sender.product != .postpaid, sender.balance < amount {
            return insufficient(amount, turn)
        }
        if let refusal = try verifyPIN(pin, turn) { return refusal }
        guard try charge(amount, kind: .charge, reference: "UTAL to \(target.digits)", turn) else {
            return insufficient(amount, turn)
        }
        try turn.tx.post(LedgerEntry(msisdn: target, bucket: .universal, amount: amount, kind: .topup,
                                     reference: "UTAL from \(sender.msisdn.digits)", at: turn.now))
        try turn.tx.incrementCounter("transfer", period: month, of: sender.msisdn)
        try send(messages(recipient.language).render("transfer.received", [
            "number": display(sender.msisdn), "amount": lang.money(amount)]), to: target, turn)
        try securityNotice(lang.render("change.transfer", ["amount": lang.money(amount), "number": display(target)]), turn)
        return .ok(lang.render("transfer.done", ["amount": lang.money(amount), "number": display(target)]),
                   result: "transferred \(amount) to \(target.digits)")
    }

    /// In its first 3 calendar months (§III.5), counted from the `since` setting that
    /// `SUB ADD` writes (subscribers from elsewhere, without it, are not new).
    func isNewSubscriber(_ msisdn: MSISDN, _ turn: Turn) throws -> Bool {
        guard let text = try turn.tx.setting(Engine.sinceSetting, of: msisdn), let since = Int64(text) else { return false }
        let start = CivilTime.budapestDate(since)
        let today = CivilTime.budapestDate(turn.now)
        let months = (today.year - start.year) * 12 + (today.month - start.month)
        return months < 3
    }

    // MARK: PIN and language

    func changePIN(old: String, new: String, repeat again: String, _ turn: Turn) throws -> Outcome {
        // A typo in the new PIN costs no attempt: checked before the old one.
        guard new == again else {
            return .refused(turn.lang.render("pin.mismatch"), reason: "new PINs differ")
        }
        if let refusal = try verifyPIN(old, turn) { return refusal }
        try turn.tx.setPIN(PINRecord(hash: PasswordHash.make(new)), of: turn.msisdn)
        try securityNotice(turn.lang.render("change.pin"), turn)
        return .ok(turn.lang.render("pin.changed"), result: "PIN changed")
    }

    func setLanguage(_ language: Language, _ turn: Turn) throws -> Outcome {
        var s = turn.subscriber
        s.language = language
        if language != turn.subscriber.language { try turn.tx.updateProfile(s) }
        return .ok(messages(language).render("language.set"), result: "language \(language.rawValue)")
    }
}
