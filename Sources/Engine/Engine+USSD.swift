import Menus
import MMI
import Model
import Numbering
import SMSText

/// USSD (S7, S8, S16): a dialled string is a supplementary-service code of TS 22.030
/// (`Engine+MMI.swift`), or a USSD code that opens a menu of `Grammars/menus/`; with a
/// menu dialogue open, the string is the answer to its screen. Every answer is one USSD
/// screen: GSM 7-bit (accents the alphabet lacks dropped), at most 182 characters.
///
/// Decisions the brief leaves open:
/// - The 1412 map's 2.9 (English menu) switches the dialogue's language and, for an
///   active subscriber, stores it as the reply language (the brief: "a subscriber may
///   switch to English (1412 map 2.9)"); a suspended subscriber's choice lasts for the
///   dialogue only (§4.8: nothing but balance and reconnection).
/// - A suspended subscriber may walk the menu and read its texts, but of the services
///   only the balance and reconnection run; every MMI code is refused.
/// - 5.3 (reconnection) asks the PIN, as the map says; a subscription that is not
///   suspended is told so before the PIN is checked (no attempt spent).
extension Engine {
    static let ussdMessageKeys: [String] = [
        "ussd.unknownCode", "ussd.noDialogue", "ussd.suspended", "ussd.tariff",
        "plan.prepaid", "plan.postpaid", "plan.mix",
        "mmi.invalid", "mmi.problem.timer", "mmi.problem.timerNotAllowed", "mmi.problem.basicService",
        "mmi.problem.passwordMissing", "mmi.notApplicable", "mmi.forwarded", "mmi.forwardedTimer",
        "mmi.activated", "mmi.deactivated", "mmi.erased", "mmi.notActive", "mmi.provided",
        "mmi.notProvided", "mmi.notChangeable", "mmi.noNumber", "mmi.groupActivation",
        "mmi.state.on", "mmi.state.off", "mmi.timer", "mmi.voicemail",
        "cf.target.premium", "cf.target.short", "cf.target.foreign", "cf.target.other",
        "cf.target.self", "cf.target.invalid",
        "cb.password.wrong", "cb.password.locked", "cb.password.lockedNow", "cb.password.mismatch",
        "cb.password.changed", "notice.barringLocked", "change.barringPassword",
    ]

    /// One USSD string of subscriber `from`: an answer to `dialogue` when one is open and
    /// the string is no new code, else a code.
    func ussd(from: MSISDN, input raw: String, dialogue: USSDDialogue?, _ context: RequestContext,
              _ tx: any StoreTransaction) throws -> Outcome {
        let input = raw.trimmedSpaces
        var outcome: Outcome
        if let subscriber = try liveSubscriber(from, tx) {
            let turn = Turn(subscriber: subscriber, lang: messages(subscriber.language),
                            destination: .shortCode(Engine.ussdLabel), context: context, tx: tx)
            if let open = dialogue, !USSDDialogue.isCode(input) {
                var walk = open
                let step = walk.menu.answer(input)
                outcome = try menuStep(step, walk, turn)
            } else {
                outcome = try dial(input, turn)
            }
        } else {
            outcome = .unknownSubscriber(messages(.hu).render("subscriber.unknown", ["msisdn": from.digits]))
        }
        outcome.reply = outcome.reply.map(Engine.ussdScreen)
        return outcome
    }

    /// What a USSD turn's ``Turn/destination`` says (no service number is involved).
    static let ussdLabel = "ussd"

    /// A code dialled with no dialogue open (or replacing the open one).
    func dial(_ input: String, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        let suspended = turn.subscriber.status == .suspended
        switch MMIParse.parse(input, codes: mmi) {
        case .supplementary(let request):
            if suspended { return suspendedRefusal(turn) }
            return try supplementary(request, turn)
        case .passwordChange(_, let old, let new, let again):
            if suspended { return suspendedRefusal(turn) }
            return try changeBarringPassword(old: old, new: new, repeat: again, turn)
        case .ussd(let code):
            guard let menu = menus.menu(for: code) else {
                return .refused(lang.render("ussd.unknownCode", ["code": code]), reason: "no menu for \(code)")
            }
            let (walk, step) = MenuDialogue.start(menu: menu, language: turn.subscriber.language)
            return try menuStep(step, USSDDialogue(code: code, menu: walk), turn)
        case .invalid(let reason):
            guard input.hasPrefix("*") || input.hasPrefix("#") || input.hasSuffix("#") else {
                return .refused(lang.render("ussd.noDialogue"), reason: "no open dialogue to answer")
            }
            // A malformed barring code may carry a password in its reason: say less.
            let told = maskedCode(input) == input ? reason : "malformed code"
            return .refused(lang.render("mmi.invalid", ["code": maskedCode(input)]), reason: told)
        }
    }

    func suspendedRefusal(_ turn: Turn) -> Outcome {
        .refused(turn.lang.render("ussd.suspended"), reason: "suspended")
    }

    // MARK: Menus

    /// Turns a step of the menu dialogue into the outcome: a screen that keeps the
    /// dialogue open, a closing text, or a service run for real.
    func menuStep(_ step: MenuStep, _ open: USSDDialogue, _ turn: Turn) throws -> Outcome {
        let place = "menu \(open.code) " + (open.path.isEmpty ? "main" : open.path)
        switch step {
        case .screen(let text, let expectsAnswer):
            var result = place + (open.menu.expectedInput.map { " prompt \($0.rawValue)" } ?? "")
            let menu = open.menu.menu
            if text.hasPrefix(GSM7.transliterate(menu.invalid[open.language]) + "\n") { result += ", answer not taken" }
            if let chosen = open.menu.languageChosen, chosen != turn.subscriber.language,
               turn.subscriber.status == .active {
                var s = turn.subscriber
                s.language = chosen
                try turn.tx.updateProfile(s)
                result += ", language \(chosen.rawValue) stored"
            }
            return Outcome(status: .ok, reply: text, result: result, dialogue: expectsAnswer ? open : nil)
        case .end(let text):
            return .ok(text, result: place + " end")
        case .run(let action, let inputs, let language):
            let turn = Turn(subscriber: turn.subscriber, lang: messages(language), destination: turn.destination,
                            context: turn.context, tx: turn.tx)
            if turn.subscriber.status == .suspended, ![.balance, .reconnect, .agent].contains(action) {
                return suspendedRefusal(turn)
            }
            return try menuAction(action, inputs: inputs, open.menu.menu, turn)
        }
    }

    /// A menu item's service, run with the answers to its prompts (checked for shape by
    /// the dialogue: a PIN is 5 digits, a number 6 to 15 digits).
    func menuAction(_ action: MenuAction, inputs: [String], _ menu: Menu, _ turn: Turn) throws -> Outcome {
        let lang = turn.lang
        switch action {
        case .balance:
            return .ok(try balance(of: turn.subscriber, lang, turn.tx), result: "balance")
        case .tariffInfo:
            let plan = lang.render("plan.\(turn.subscriber.product.rawValue)")
            return .ok(lang.render("ussd.tariff", ["plan": plan]), result: "tariff info")
        case .reconnect:
            guard turn.subscriber.status == .suspended else {
                return .refused(lang.render("reconnect.notSuspended"), reason: "not suspended")
            }
            guard let pin = inputs.first else { return missing("pin", turn) }
            if let refusal = try verifyPIN(pin, turn) { return refusal }
            return try reconnect(turn)
        case .suspend:
            return try suspend(pin: inputs.first, turn)
        case .premiumBlock:
            return try blockPremiumMT(turn)
        case .premiumUnblock:
            return try unblockPremiumMT(pin: inputs.first, turn)
        case .forwardingOn:
            guard let number = inputs.first, let cfu = mmi.services.values.first(where: { $0.name == "cfu" }) else {
                return missing("number", turn)
            }
            return try forwarding(MMIRequest(procedure: .register, service: cfu, sia: number, number: number), turn)
        case .forwardingOff:
            guard let all = mmi.services.values.first(where: { $0.name == "cf-all" }) else { return missing("service", turn) }
            return try forwarding(MMIRequest(procedure: .erase, service: all), turn)
        case .purchaseCode:
            return try purchaseCode(pin: inputs.first, turn)
        case .callMeBack:
            guard let text = inputs.first else { return missing("number", turn) }
            guard let target = MSISDN(parsing: text) else {
                return .refused(lang.render("argument.msisdn"), reason: "bad number")
            }
            return try callMeBack(target, turn)
        case .requestPIN:
            return try requestPIN(turn)
        case .agent:
            return .ok(menu.screen(menu.agent, in: lang.language), result: "agent")
        case .languageEN, .languageHU:
            // The dialogue switches language itself; a menu run that gets here stores it.
            return try setLanguage(action.switchesTo ?? .hu, turn)
        }
    }

    // MARK: Screens and masking

    /// A text as one USSD screen: GSM 7-bit (letters outside it lose their accent), cut
    /// with `...` when it is longer than 182 characters.
    public static func ussdScreen(_ text: String) -> String {
        let plain = GSM7.transliterate(text)
        guard let length = GSM7.septets(plain), length > SMSSegmenter.ussdMaximum else { return plain }
        var out = ""
        var used = 0
        for c in plain {
            let width = GSM7.septets(String(c)) ?? 1
            if used + width > SMSSegmenter.ussdMaximum - 3 { break }
            out.append(c)
            used += width
        }
        return out + "..."
    }

    /// The USSD string as audited: the answer to a PIN prompt as `*****`, the barring
    /// password of an MMI code as `****` (`*33*****#`, `**03*330*****#`). A PIN-shaped
    /// answer with no dialogue open (it came after the timeout) is masked too.
    func maskedUSSD(_ input: String, dialogue: USSDDialogue?) -> String {
        let trimmed = input.trimmedSpaces
        if let open = dialogue, !USSDDialogue.isCode(trimmed) {
            return open.expectsPIN && !["*", "#", "0"].contains(trimmed) ? "*****" : input
        }
        if dialogue == nil, trimmed.count == 5, trimmed.allSatisfy(\.isNumber) { return "*****" }
        return maskedCode(input)
    }

    /// A code with its barring passwords masked; any other string as it is.
    func maskedCode(_ input: String) -> String {
        let code = input.trimmedSpaces
        guard code.hasSuffix("#"),
              let prefix = ["**", "*#", "##", "*", "#"].first(where: { code.hasPrefix($0) }),
              code.count > prefix.count else { return input }
        var fields = code.dropFirst(prefix.count).dropLast().split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard let sc = fields.first, let service = mmi.services[sc] else { return input }
        switch service.kind {
        case .barring where fields.count > 1 && !fields[1].isEmpty:
            fields[1] = "****"
        case .password where fields.count > 2:
            fields = Array(fields.prefix(2)) + ["****"]
        default:
            return input
        }
        return prefix + fields.joined(separator: "*") + "#"
    }
}
