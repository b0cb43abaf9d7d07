import MMI
import Model
import Numbering

/// The supplementary services of 3GPP TS 22.030 (S7 call forwarding, S8 barring, call
/// waiting, CLIR) on the subscriber's settings:
///
/// | setting | value | meaning |
/// | --- | --- | --- |
/// | `cf.<sc>`, `cf.<sc>.<bs>` | `on <number>`, `off <number>`, 61: `on <number> <seconds>` | forwarding `sc` (21, 67, 61, 62) registered to a number, active or not; `.bs`: for one basic service group only |
/// | `cb.<sc>`, `cb.<sc>.<bs>` | `on` | barring `sc` (33, 331, 332, 35, 351) active |
/// | `cw`, `cw.<bs>` | `on` | call waiting active |
/// | `clir` | `on` | the number is withheld on outgoing calls |
/// | `cb.password` | a PasswordHash | the barring password; absent: `0000`, as operators ship it |
/// | `cb.failures`, `cb.locked` | a count, a Unix time | the barring password lock-out |
///
/// An absent setting is the network default: nothing forwarded, barred or waiting; CLIR
/// off; CLIP provided. Group codes (002, 004, 330, 333, 353) act on the codes they cover.
/// Without a basic service code (SIB, or SIA for call waiting) a procedure is for all
/// services: registration and activation replace every per-group entry, deactivation,
/// erasure and interrogation see them all. With one, they act on that group's entry, or
/// on the entry for all services when the group has none of its own (so `#43*11#` with
/// call waiting on for all services switches it off whole, and says so).
///
/// The barring password: 3 wrong ones in a row lock barring changes for 15 minutes, with
/// a notice SMS, like the PIN (but counted apart from it: it is another secret). A
/// password change with differing new passwords costs no attempt.
extension Engine {
    static let barringPasswordSetting = "cb.password"
    static let barringFailuresSetting = "cb.failures"
    static let barringLockedSetting = "cb.locked"
    /// The barring password every subscription starts with.
    public static let defaultBarringPassword = "0000"
    /// The no-reply timer when a CFNRy registration gives none (TS 22.082: network default).
    public static let defaultNoReplyTimer = 20
    /// Basic service groups forwarding and call waiting do not apply to (TS 22.004: no
    /// call to forward or to wait behind an SMS).
    static let callOnlyExcluded: Set<String> = ["sms"]

    /// The services a code stands for: itself, or the members of a group code.
    func members(of service: MMIService) -> [MMIService] {
        service.covers.isEmpty ? [service] : service.covers.compactMap { mmi.services[$0] }
    }

    /// Every service some group code covers: they need a short name for group answers.
    static func groupMembers(_ mmi: MMICodes) -> [MMIService] {
        let codes = Set(mmi.services.values.flatMap(\.covers))
        return codes.compactMap { mmi.services[$0] }
    }

    /// A well-formed supplementary-service request: refuse its problem, or run it.
    func supplementary(_ r: MMIRequest, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        if let problem = r.problem {
            let text: String
            switch problem {
            case .timerOutOfRange:
                text = lang.render("mmi.problem.timer", [
                    "lowest": String(mmi.timer.lowest), "highest": String(mmi.timer.highest), "step": String(mmi.timer.step)])
            case .timerNotAllowed: text = lang.render("mmi.problem.timerNotAllowed")
            case .unknownBasicService(let code): text = lang.render("mmi.problem.basicService", ["code": code])
            case .passwordMissing: text = lang.render("mmi.problem.passwordMissing", ["code": r.serviceCode])
            }
            return .refused(text, reason: problem.reason)
        }
        if let group = r.basicService, r.service.kind == .forwarding || r.service.kind == .waiting,
           Engine.callOnlyExcluded.contains(group.name) {
            return .refused(lang.render("mmi.notApplicable", ["service": name(r.service, lang), "bs": bsName(group.code, lang)]),
                            reason: "\(r.service.name) does not apply to \(group.name)")
        }
        switch r.service.kind {
        case .forwarding: return try forwarding(r, turn)
        case .barring: return try barring(r, turn)
        case .waiting: return try waiting(r, turn)
        case .identity: return try identity(r, turn)
        case .password: return .refused(lang.render("mmi.invalid", ["code": r.serviceCode]), reason: "password change form")
        }
    }

    // MARK: Settings entries

    /// One stored state of a service: for all services (`basicService` nil) or one group.
    struct SSEntry {
        let key: String
        let basicService: String?
        let value: String
        var words: [Substring] { value.split(separator: " ") }
        var active: Bool { words.first == "on" }
        var number: String? { words.count > 1 ? String(words[1]) : nil }
        var timer: Int? { words.count > 2 ? Int(words[2]) : nil }
    }

    /// `cf.21`, `cb.33`, `cw`: the key of a service for all basic services.
    func base(_ service: MMIService) -> String {
        switch service.kind {
        case .forwarding: "cf.\(service.code)"
        case .barring: "cb.\(service.code)"
        case .waiting: "cw"
        case .identity, .password: service.name
        }
    }

    func key(_ base: String, _ basicService: String?) -> String {
        basicService.map { "\(base).\($0)" } ?? base
    }

    /// Every entry of a service: the one for all services first, then the groups.
    func entries(_ base: String, _ settings: [String: String]) -> [SSEntry] {
        settings.compactMap { key, value -> SSEntry? in
            if key == base { return SSEntry(key: key, basicService: nil, value: value) }
            guard key.hasPrefix(base + ".") else { return nil }
            let group = String(key.dropFirst(base.count + 1))
            guard !group.isEmpty, group.allSatisfy(\.isNumber) else { return nil }
            return SSEntry(key: key, basicService: group, value: value)
        }.sorted { ($0.basicService ?? "") < ($1.basicService ?? "") }
    }

    /// The entries a procedure acts on: all of them, or the group's own entry, else the
    /// entry for all services.
    func selection(_ base: String, _ basicService: String?, _ settings: [String: String]) -> [SSEntry] {
        let all = entries(base, settings)
        guard let basicService else { return all }
        if let own = all.first(where: { $0.basicService == basicService }) { return [own] }
        return all.filter { $0.basicService == nil }
    }

    /// Sets a service's state for all services (dropping the groups' own entries) or one group.
    func store(_ value: String, _ base: String, _ basicService: String?, _ settings: [String: String], _ turn: Turn) throws {
        if basicService == nil {
            for entry in entries(base, settings) where entry.basicService != nil {
                try turn.tx.setSetting(entry.key, to: nil, of: turn.msisdn)
            }
        }
        try turn.tx.setSetting(key(base, basicService), to: value, of: turn.msisdn)
    }

    // MARK: Names

    /// `Hívásátirányítás (foglalt)`, with `, telefon` for one basic service group.
    func name(_ service: MMIService, _ lang: Messages, basicService: String? = nil) -> String {
        let name = lang.render("mmi.name.\(service.name)")
        return basicService.map { name + ", " + bsName($0, lang) } ?? name
    }

    func bsName(_ code: String, _ lang: Messages) -> String {
        mmi.basicServices[code].map { lang.render("mmi.bs.\($0.name)") } ?? code
    }

    /// `+36 30 123 4567`, or `hangposta (+36 30 911 1111)` for the subscriber's voicemail.
    func targetText(_ digits: String, _ turn: Turn) -> String {
        let shown = MSISDN(canonical: digits).displayed
        return digits == Engine.voicemail(of: turn.msisdn)?.digits ? turn.lang.render("mmi.voicemail", ["number": shown]) : shown
    }

    // MARK: Call forwarding (S7)

    func forwarding(_ r: MMIRequest, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        let services = members(of: r.service)
        let group = r.basicService?.code
        let settings = try turn.tx.settings(of: turn.msisdn)
        let codes = services.map(\.code).joined(separator: ",")
        switch r.procedure {
        case .register:
            guard let dialled = r.number else { return .refused(lang.render("cf.target.invalid", ["number": ""]), reason: "no number") }
            let target: MSISDN
            switch forwardingTarget(dialled, turn) {
            case .accepted(let number): target = number
            case .refused(let refusal): return refusal
            }
            for service in services {
                var value = "on \(target.digits)"
                if service.acceptsTimer { value += " \(r.noReplyTimer ?? Engine.defaultNoReplyTimer)" }
                try store(value, base(service), group, settings, turn)
            }
            let timer = services.count == 1 && services[0].acceptsTimer ? (r.noReplyTimer ?? Engine.defaultNoReplyTimer) : nil
            let values: KeyValuePairs<String, String> = [
                "service": name(r.service, lang, basicService: group), "number": targetText(target.digits, turn),
                "seconds": timer.map(String.init) ?? ""]
            return .ok(lang.render(timer == nil ? "mmi.forwarded" : "mmi.forwardedTimer", values),
                       result: "forwarding \(codes) registered to \(target.digits)" + (group.map { " for \($0)" } ?? ""))
        case .activate:
            var found = false
            for service in services {
                for entry in selection(base(service), group, settings) where entry.number != nil {
                    found = true
                    if !entry.active {
                        try turn.tx.setSetting(entry.key, to: (["on"] + entry.words.dropFirst()).joined(separator: " "), of: turn.msisdn)
                    }
                }
            }
            guard found else {
                return .refused(lang.render("mmi.noNumber", ["service": name(r.service, lang, basicService: group), "code": r.serviceCode]),
                                reason: "no number registered for \(codes)")
            }
            return .ok(report(r.service, group, try turn.tx.settings(of: turn.msisdn), turn), result: "forwarding \(codes) activated")
        case .deactivate:
            for service in services {
                for entry in selection(base(service), group, settings) where entry.active {
                    try turn.tx.setSetting(entry.key, to: (["off"] + entry.words.dropFirst()).joined(separator: " "), of: turn.msisdn)
                }
            }
            return .ok(lang.render("mmi.deactivated", ["service": name(r.service, lang, basicService: group)]),
                       result: "forwarding \(codes) deactivated")
        case .erase:
            for service in services {
                for entry in selection(base(service), group, settings) {
                    try turn.tx.setSetting(entry.key, to: nil, of: turn.msisdn)
                }
            }
            return .ok(lang.render("mmi.erased", ["service": name(r.service, lang, basicService: group)]),
                       result: "forwarding \(codes) erased")
        case .interrogate:
            return .ok(report(r.service, group, settings, turn), result: "forwarding \(codes) interrogated")
        }
    }

    /// A forwarding target: what S7 allows, or the refusal saying why not.
    enum TargetCheck {
        case accepted(MSISDN)
        case refused(Outcome)
    }

    /// The subscriber's own voicemail box: the mobile code, 9, and the last 6 digits of
    /// the number (`+36 30 911 1111` for `+36 30 111 1111`); nil for a non-mobile number.
    public static func voicemail(of msisdn: MSISDN) -> MSISDN? {
        guard msisdn.isHungarianMobile, let national = msisdn.nationalDigits else { return nil }
        return MSISDN(canonical: "36" + national.prefix(2) + "9" + national.suffix(6))
    }

    /// S7: a domestic mobile or fixed number or the voicemail; never premium (0690, 0691,
    /// 16xxx), a short code, a foreign number, or the subscriber's own number.
    func forwardingTarget(_ dialled: String, _ turn: Turn) -> TargetCheck {
        let lang = turn.lang
        func refuse(_ key: String, _ shown: String, _ reason: String) -> TargetCheck {
            .refused(.refused(lang.render(key, ["number": shown]), reason: reason))
        }
        if case .shortCode(let code)? = Destination(parsing: dialled) {
            return isPremium(.shortCode(code))
                ? refuse("cf.target.premium", code, "premium target \(code)")
                : refuse("cf.target.short", code, "short-code target \(code)")
        }
        guard let number = MSISDN(parsing: dialled) else {
            return refuse("cf.target.invalid", dialled, "target \(dialled) is no number")
        }
        let shown = number.displayed
        guard number.isHungarian else { return refuse("cf.target.foreign", shown, "foreign target \(number.digits)") }
        if isPremium(.number(number.digits)) {
            return refuse("cf.target.premium", shown, "premium target \(number.digits)")
        }
        guard number != turn.msisdn else { return refuse("cf.target.self", shown, "own number as target") }
        guard number.isHungarianMobile || number.isHungarianFixed else {
            return refuse("cf.target.other", shown, "target \(number.digits) is no mobile or fixed number")
        }
        return .accepted(number)
    }

    // MARK: Answers

    /// What a handset shows for an interrogation: one line per entry of a single service
    /// (`Hívásátirányítás bekapcsolva: +36 30 123 4567`), or for a group code its name
    /// and one short line per member (`foglalt: +36 30 123 4567`, `nem felel: ki`).
    func report(_ service: MMIService, _ group: String?, _ settings: [String: String], _ turn: Turn) -> String {
        let lang = turn.lang
        let services = members(of: service)
        if service.covers.isEmpty {
            let active = selection(base(service), group, settings).filter(\.active)
            guard !active.isEmpty else {
                return lang.render("mmi.notActive", ["service": name(service, lang, basicService: group)])
            }
            return active.map { entry in
                let named = name(service, lang, basicService: entry.basicService)
                guard service.kind == .forwarding, let number = entry.number else {
                    return lang.render("mmi.activated", ["service": named])
                }
                let values: KeyValuePairs<String, String> = [
                    "service": named, "number": targetText(number, turn), "seconds": entry.timer.map(String.init) ?? ""]
                return lang.render(entry.timer == nil ? "mmi.forwarded" : "mmi.forwardedTimer", values)
            }.joined(separator: "\n")
        }
        var lines = [name(service, lang, basicService: group) + ":"]
        for member in services {
            let short = lang.render("mmi.short.\(member.name)")
            let active = selection(base(member), group, settings).filter(\.active)
            if active.isEmpty { lines.append("\(short): \(lang.render("mmi.state.off"))") }
            for entry in active {
                var state = lang.render("mmi.state.on")
                if let number = entry.number {
                    state = targetText(number, turn)
                    if let seconds = entry.timer { state += " (" + lang.render("mmi.timer", ["seconds": String(seconds)]) + ")" }
                }
                lines.append("\(short)\(entry.basicService.map { ", " + bsName($0, lang) } ?? ""): \(state)")
            }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Call barring (S8)

    func barring(_ r: MMIRequest, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        let group = r.basicService?.code
        let settings = try turn.tx.settings(of: turn.msisdn)
        let codes = members(of: r.service).map(\.code).joined(separator: ",")
        switch r.procedure {
        case .interrogate:
            return .ok(report(r.service, group, settings, turn), result: "barring \(codes) interrogated")
        case .activate:
            guard r.service.covers.isEmpty else {
                return .refused(lang.render("mmi.groupActivation", ["codes": r.service.covers.joined(separator: ", ")]),
                                reason: "a group barring code is for deactivation and interrogation only")
            }
            guard let password = r.password else { return missing("password", turn) }
            if let refusal = try verifyBarringPassword(password, turn) { return refusal }
            try store("on", base(r.service), group, settings, turn)
            return .ok(lang.render("mmi.activated", ["service": name(r.service, lang, basicService: group)]),
                       result: "barring \(codes) activated" + (group.map { " for \($0)" } ?? ""))
        case .deactivate:
            guard let password = r.password else { return missing("password", turn) }
            if let refusal = try verifyBarringPassword(password, turn) { return refusal }
            for member in members(of: r.service) {
                for entry in selection(base(member), group, settings) {
                    try turn.tx.setSetting(entry.key, to: nil, of: turn.msisdn)
                }
            }
            return .ok(lang.render("mmi.deactivated", ["service": name(r.service, lang, basicService: group)]),
                       result: "barring \(codes) deactivated")
        case .register, .erase:
            // The parser refuses these for barring; a table that lets one through gets this.
            return .refused(lang.render("mmi.invalid", ["code": r.serviceCode]), reason: "no \(r.procedure.rawValue) for barring")
        }
    }

    /// `nil` when `password` is the barring password (the failure count is cleared);
    /// otherwise the refusal, with the count, lock and notice already written.
    func verifyBarringPassword(_ password: String, _ turn: Turn) throws -> Outcome? {
        let lang = turn.lang
        let tx = turn.tx
        let lockedUntil = try tx.setting(Engine.barringLockedSetting, of: turn.msisdn).flatMap { Int64($0) }
        if let until = lockedUntil, until > turn.now {
            return .refused(lang.render("cb.password.locked", ["until": lang.time(until)]), reason: "barring password locked")
        }
        let stored = try tx.setting(Engine.barringPasswordSetting, of: turn.msisdn)
        let right = stored.map { PasswordHash.verify(password, against: $0) } ?? (password == Engine.defaultBarringPassword)
        let failures = try tx.setting(Engine.barringFailuresSetting, of: turn.msisdn).flatMap { Int($0) } ?? 0
        if right {
            if let stored, PasswordHash.needsRekey(stored) {
                try tx.setSetting(Engine.barringPasswordSetting, to: PasswordHash.make(password), of: turn.msisdn)
            }
            if failures != 0 { try tx.setSetting(Engine.barringFailuresSetting, to: nil, of: turn.msisdn) }
            if lockedUntil != nil { try tx.setSetting(Engine.barringLockedSetting, to: nil, of: turn.msisdn) }
            return nil
        }
        guard failures + 1 >= Engine.pinAttempts else {
            try tx.setSetting(Engine.barringFailuresSetting, to: String(failures + 1), of: turn.msisdn)
            return .refused(lang.render("cb.password.wrong", ["left": String(Engine.pinAttempts - failures - 1)]),
                            reason: "wrong barring password (\(failures + 1) in a row)")
        }
        let until = turn.now + Engine.pinLockSeconds
        try tx.setSetting(Engine.barringFailuresSetting, to: nil, of: turn.msisdn)
        try tx.setSetting(Engine.barringLockedSetting, to: String(until), of: turn.msisdn)
        try send(lang.render("notice.barringLocked", ["until": lang.time(until)]), to: turn.msisdn, turn)
        return .refused(lang.render("cb.password.lockedNow", ["until": lang.time(until)]),
                        reason: "wrong barring password \(Engine.pinAttempts) times, locked until \(messages(.en).time(until))")
    }

    /// `**03*330*OLD*NEW*NEW#`: the new password twice (a typo costs no attempt), then the
    /// old one; stored hashed; the subscriber gets the security notice.
    func changeBarringPassword(old: String, new: String, repeat again: String, _ turn: Turn) throws -> Outcome {
        guard new == again else {
            return .refused(turn.lang.render("cb.password.mismatch"), reason: "new barring passwords differ")
        }
        if let refusal = try verifyBarringPassword(old, turn) { return refusal }
        try turn.tx.setSetting(Engine.barringPasswordSetting, to: PasswordHash.make(new), of: turn.msisdn)
        try securityNotice(turn.lang.render("change.barringPassword"), turn)
        return .ok(turn.lang.render("cb.password.changed"), result: "barring password changed")
    }

    // MARK: Call waiting, line identification (S8)

    func waiting(_ r: MMIRequest, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        let group = r.basicService?.code
        let settings = try turn.tx.settings(of: turn.msisdn)
        let named = name(r.service, lang, basicService: group)
        switch r.procedure {
        case .activate:
            try store("on", base(r.service), group, settings, turn)
            return .ok(lang.render("mmi.activated", ["service": named]), result: "call waiting activated" + (group.map { " for \($0)" } ?? ""))
        case .deactivate:
            for entry in selection(base(r.service), group, settings) {
                try turn.tx.setSetting(entry.key, to: nil, of: turn.msisdn)
            }
            return .ok(lang.render("mmi.deactivated", ["service": named]), result: "call waiting deactivated")
        case .interrogate:
            return .ok(report(r.service, group, settings, turn), result: "call waiting interrogated")
        case .register, .erase:
            return .refused(lang.render("mmi.invalid", ["code": r.serviceCode]), reason: "no \(r.procedure.rawValue) for call waiting")
        }
    }

    /// CLIR (31) is the subscriber's to switch, free of charge; CLIP (30) is provided by
    /// the network and COLP/COLR (76, 77) are not offered: those answer interrogations only.
    func identity(_ r: MMIRequest, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        let named = name(r.service, lang)
        let setting = base(r.service)
        switch (r.service.name, r.procedure) {
        case ("clir", .activate):
            try turn.tx.setSetting(setting, to: "on", of: turn.msisdn)
            return .ok(lang.render("mmi.activated", ["service": named]), result: "CLIR activated")
        case ("clir", .deactivate):
            try turn.tx.setSetting(setting, to: nil, of: turn.msisdn)
            return .ok(lang.render("mmi.deactivated", ["service": named]), result: "CLIR deactivated")
        case ("clir", .interrogate):
            let on = try turn.tx.setting(setting, of: turn.msisdn) == "on"
            return .ok(lang.render(on ? "mmi.activated" : "mmi.notActive", ["service": named]), result: "CLIR interrogated")
        case ("clip", .interrogate):
            return .ok(lang.render("mmi.provided", ["service": named]), result: "CLIP interrogated")
        case (_, .interrogate):
            return .ok(lang.render("mmi.notProvided", ["service": named]), result: "\(r.service.name) interrogated")
        default:
            return .refused(lang.render("mmi.notChangeable", ["service": named]),
                            reason: "\(r.service.name) cannot be changed by the subscriber")
        }
    }
}
