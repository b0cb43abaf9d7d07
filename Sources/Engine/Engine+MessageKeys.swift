import Grammar
import Menus
import MMI

/// The reply texts the engine renders: a grammar whose catalogs lack one is refused at
/// start-up and by RELOAD, so no subscriber ever gets a bare key as an answer.
extension Engine {
    static let fixedMessageKeys: [String] = [
        "adult.minor", "argument.missing", "balance.lastPurchase", "balance.mix",
        "balance.postpaid", "balance.postpaid.nobill", "balance.prepaid", "callmeback.domesticOnly",
        "callmeback.limit", "callmeback.prepaidOnly", "callmeback.request", "callmeback.self",
        "callmeback.sent", "change.pin", "change.premiumOn", "change.rangeUnbarred",
        "change.suspended", "change.transfer", "charge.insufficient", "destination.unknown",
        "donation.thanks", "donation.unavailable", "favourite.added", "favourite.already",
        "favourite.full", "favourite.list", "favourite.none", "favourite.notForMix",
        "favourite.notFound", "favourite.notTelekom", "favourite.removed", "favourite.self",
        "horoscope.already", "horoscope.future", "horoscope.notSubscribed", "horoscope.subscribed",
        "horoscope.unsubscribed", "info.already", "info.list", "info.none", "info.notSubscribed",
        "info.subscribed", "info.unsubscribed", "info.unsubscribedAll", "language.set",
        "notice.pinLocked", "notice.premiumAdult", "notice.premiumBlocked",
        "notice.premiumInsufficient", "notice.security", "partner.already", "partner.notSubscribed",
        "partner.subscribed", "partner.unsubscribed", "pin.changed", "pin.locked", "pin.lockedNow",
        "pin.mismatch", "pin.notSet", "pin.wrong", "pin.alreadySet", "pin.sent", "pin.sms", "premium.barred", "premium.charged",
        "premium.unavailable", "premiummt.alreadyOff", "premiummt.alreadyOn", "premiummt.blocked",
        "premiummt.unblocked", "premiummt.unblocked.minor", "purchasecode.sent", "purchasecode.sms",
        "range.alreadyBarred", "range.barred", "range.notBarred", "range.unbarred",
        "reconnect.done", "reconnect.notSuspended", "subscriber.unknown", "suspend.done",
        "suspended", "topup.overflow", "topup.postpaid", "transfer.done", "transfer.newPostpaidMax",
        "transfer.newPostpaidMonthly", "transfer.received", "transfer.self",
        "transfer.unknownTarget",
    ]

    /// Every key, the per-service help texts and argument explanations included; with
    /// `mmi`, the name of every supplementary service and basic service group it lists.
    public static func requiredMessageKeys(for grammar: Grammar, mmi: MMICodes = MMICodes()) -> [String] {
        requiredMessageKeys(services: grammar.services, mmi: mmi)
    }

    static func requiredMessageKeys(services: [String], mmi: MMICodes) -> [String] {
        fixedMessageKeys + ussdMessageKeys
            + services.map { "help.\($0)" }
            + CommandGrammar.SlotType.allCases.map { "argument.\($0.rawValue)" }
            + Zodiac.allCases.map { "sign.\($0.rawValue)" }
            + mmi.services.values.map { "mmi.name.\($0.name)" }.sorted()
            + Engine.groupMembers(mmi).map { "mmi.short.\($0.name)" }.sorted()
            + mmi.basicServices.values.map { "mmi.bs.\($0.name)" }.sorted()
    }

    /// An engine for `grammar`, with the MMI codes (`mmi.codes`) and the menus (`menus/`)
    /// of `folder`, once every language has every text it needs.
    ///
    /// - Throws: ``GrammarError`` naming the file (in `folder`) and what is wrong with it:
    ///   a missing reply text, an MMI table or a menu that does not parse.
    public convenience init(validating grammar: Grammar, folder: String,
                codeSource: (@Sendable () -> String)? = nil) throws(GrammarError) {
        let mmi = try MMICodes.load(from: folder)
        let menus = try MenuCatalog.load(from: folder)
        let problems = Engine.catalogProblems(grammar.messages, services: grammar.services, mmi: mmi, folder: folder)
        if let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more: selfcare grammar check)" : ""
            throw GrammarError(file: first.file, line: first.line, reason: first.reason + more)
        }
        self.init(grammar: grammar, mmi: mmi, menus: menus, codeSource: codeSource)
    }
}
