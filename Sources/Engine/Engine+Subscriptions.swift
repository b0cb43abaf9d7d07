import Grammar
import Model
import Numbering

/// S1 InfoSMS topics (777), S2 partner InfoSMS (36308080700–799), S3 horoscope.
///
/// A subscription's monthly fee comes from the rate table (kind `subscription`, longest
/// prefix of the destination number) and is charged when it starts; without a rate the
/// subscription is free. Subscribing twice says so and charges nothing.
extension Engine {
    static let topicPrefix = "777:"
    static let partnerPrefix = "partner:"
    static let horoscopeService = "horoscope"

    // MARK: S1

    func subscribe(topic: String, _ turn: Turn) throws -> Outcome {
        let service = Engine.topicPrefix + topic
        if try turn.tx.subscription(service, of: turn.msisdn) != nil {
            return .refused(turn.lang.render("info.already", ["topic": topic]), reason: "already subscribed to \(topic)")
        }
        return try start(service, reference: "777 \(topic)", turn) { fee in
            turn.lang.render("info.subscribed", ["topic": topic, "fee": turn.lang.money(fee)])
        }
    }

    func unsubscribe(topic: String, _ turn: Turn) throws -> Outcome {
        guard try turn.tx.removeSubscription(Engine.topicPrefix + topic, of: turn.msisdn) else {
            return .refused(turn.lang.render("info.notSubscribed", ["topic": topic]), reason: "not subscribed to \(topic)")
        }
        return .ok(turn.lang.render("info.unsubscribed", ["topic": topic]), result: "unsubscribed \(topic)")
    }

    func unsubscribeAllTopics(_ turn: Turn) throws -> Outcome {
        let topics = try ownTopics(turn)
        guard !topics.isEmpty else {
            return .refused(turn.lang.render("info.none"), reason: "no topics")
        }
        for topic in topics {
            try turn.tx.removeSubscription(Engine.topicPrefix + topic, of: turn.msisdn)
        }
        let list = topics.joined(separator: ", ")
        return .ok(turn.lang.render("info.unsubscribedAll", ["topics": list]), result: "unsubscribed \(list)")
    }

    func listTopics(_ turn: Turn) throws -> Outcome {
        let topics = try ownTopics(turn)
        guard !topics.isEmpty else { return .ok(turn.lang.render("info.none"), result: "no topics") }
        let list = topics.joined(separator: ", ")
        return .ok(turn.lang.render("info.list", ["topics": list]), result: "topics \(list)")
    }

    func ownTopics(_ turn: Turn) throws -> [String] {
        try turn.tx.subscriptions(of: turn.msisdn).compactMap { s in
            s.service.hasPrefix(Engine.topicPrefix) ? String(s.service.dropFirst(Engine.topicPrefix.count)) : nil
        }
    }

    // MARK: S2

    func subscribePartner(_ turn: Turn) throws -> Outcome {
        let number = turn.destination.digits
        let service = Engine.partnerPrefix + number
        if try turn.tx.subscription(service, of: turn.msisdn) != nil {
            return .refused(turn.lang.render("partner.already", ["number": number]), reason: "already subscribed to \(number)")
        }
        return try start(service, reference: "partner \(number)", turn) { fee in
            turn.lang.render("partner.subscribed", ["number": number, "fee": turn.lang.money(fee)])
        }
    }

    func unsubscribePartner(_ turn: Turn) throws -> Outcome {
        let number = turn.destination.digits
        guard try turn.tx.removeSubscription(Engine.partnerPrefix + number, of: turn.msisdn) else {
            return .refused(turn.lang.render("partner.notSubscribed", ["number": number]), reason: "not subscribed to \(number)")
        }
        return .ok(turn.lang.render("partner.unsubscribed", ["number": number]), result: "unsubscribed \(number)")
    }

    // MARK: S3

    func subscribeHoroscope(birth: CalendarDate, _ turn: Turn) throws -> Outcome {
        let today = CivilTime.budapestDate(turn.now)
        guard birth <= today else {
            return .refused(turn.lang.render("horoscope.future"), reason: "birth date in the future")
        }
        let sign = turn.lang.render("sign.\(Zodiac.sign(of: birth).rawValue)")
        if let existing = try turn.tx.subscription(Engine.horoscopeService, of: turn.msisdn) {
            let date = existing.detail.flatMap { CalendarDate(iso: $0) } ?? birth
            let current = turn.lang.render("sign.\(Zodiac.sign(of: date).rawValue)")
            return .refused(turn.lang.render("horoscope.already", ["sign": current]), reason: "already subscribed to horoscope")
        }
        return try start(Engine.horoscopeService, detail: birth.iso, reference: "horoscope", turn) { fee in
            turn.lang.render("horoscope.subscribed", ["sign": sign, "fee": turn.lang.money(fee)])
        }
    }

    func unsubscribeHoroscope(_ turn: Turn) throws -> Outcome {
        guard try turn.tx.removeSubscription(Engine.horoscopeService, of: turn.msisdn) else {
            return .refused(turn.lang.render("horoscope.notSubscribed"), reason: "not subscribed to horoscope")
        }
        return .ok(turn.lang.render("horoscope.unsubscribed"), result: "unsubscribed horoscope")
    }

    // MARK: Shared

    /// Starts a subscription at the destination's monthly fee: adult fees are refused to
    /// minors, the fee is charged, the subscription row written — all or nothing.
    func start(_ service: String, detail: String? = nil, reference: String, _ turn: Turn,
               reply: (Int64) -> String) throws -> Outcome {
        let rate = try turn.tx.rate(for: turn.destination.digits, kind: .subscription)
        let fee = rate?.price ?? 0
        if rate?.adult == true, isMinor(turn.subscriber, now: turn.now) {
            return .refused(turn.lang.render("adult.minor"), reason: "adult content, subscriber under 18")
        }
        guard try charge(fee, reference: "\(reference) monthly fee", turn) else {
            return insufficient(fee, turn)
        }
        try turn.tx.addSubscription(Subscription(service: service, fee: fee, startedAt: turn.now, detail: detail),
                                    of: turn.msisdn)
        return .ok(reply(fee), result: "subscribed \(service), fee \(fee)")
    }
}

/// The twelve signs of the tropical zodiac, by birth date.
enum Zodiac: String, CaseIterable {
    case aries, taurus, gemini, cancer, leo, virgo, libra, scorpio, sagittarius, capricorn, aquarius, pisces

    /// First day (month, day) of each sign, in calendar order from Capricorn's January part.
    private static let starts: [(Int, Int, Zodiac)] = [
        (1, 20, .aquarius), (2, 19, .pisces), (3, 21, .aries), (4, 20, .taurus), (5, 21, .gemini),
        (6, 21, .cancer), (7, 23, .leo), (8, 23, .virgo), (9, 23, .libra), (10, 23, .scorpio),
        (11, 22, .sagittarius), (12, 22, .capricorn),
    ]

    static func sign(of date: CalendarDate) -> Zodiac {
        var sign = Zodiac.capricorn
        for (month, day, s) in starts where (date.month, date.day) >= (month, day) { sign = s }
        return sign
    }
}
