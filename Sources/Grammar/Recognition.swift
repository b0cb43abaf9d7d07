import Model
import Numbering

/// What a rule of the grammar calls: the closed set of things the engine knows how to
/// do. The grammar maps text to these names (`-> info.subscribe`); it never holds code.
public enum Action: String, CaseIterable, Sendable {
    case balance = "balance"                              // 1730, any text
    case infoSubscribe = "info.subscribe"                 // 777 <topic>
    case infoUnsubscribe = "info.unsubscribe"             // 777 STOP <topic>, -<topic>
    case infoUnsubscribeAll = "info.unsubscribe-all"      // 777 STOP
    case infoList = "info.list"                           // 777 LISTA / LIST
    case help = "help"                                    // SUGO / HELP on any service number
    case partnerSubscribe = "partner.subscribe"           // 363080807xx, any text
    case partnerUnsubscribe = "partner.unsubscribe"       // 363080807xx STOP
    case horoscopeSubscribe = "horoscope.subscribe"       // 36303030440 <date>
    case horoscopeUnsubscribe = "horoscope.unsubscribe"   // -HORO, - HORO, STOP HORO, STOP
    case premium = "premium"                              // 0690…, 0691…, 16xxx, any text
    case donation = "donation"                            // donation numbers (§3.27), any text
    case premiumMTUnblock = "premium-mt.unblock"          // 1430 EMELT BE <pin> / PREMIUM ON <pin>
    case premiumMTBlock = "premium-mt.block"              // 1430 EMELT KI / PREMIUM OFF
    case rangeBar = "range.bar"                           // 1430 TILT <range>
    case rangeUnbar = "range.unbar"                       // 1430 ENGED <range> <pin>
    case callMeBack = "callmeback"                        // 1430 HIVJ <msisdn>
    case favouriteAdd = "favourite.add"                   // 1430 TEEN <msisdn>
    case favouriteRemove = "favourite.remove"             // 1430 TEEN TOROL <msisdn>
    case favouriteList = "favourite.list"                 // 1430 TEEN
    case suspend = "suspend"                              // 1430 SZUNETEL <pin>
    case reconnect = "reconnect"                          // 1430 VISSZA
    case purchaseCode = "purchase-code"                   // 1430 KOD <pin>
    case transfer = "transfer"                            // 1430 UTAL <msisdn> <amount> <pin>
    case changePIN = "pin.change"                         // 1430 PIN <old> <new> <repeat>
    case requestPIN = "pin.request"                       // 1430 PIN (no PIN yet: one by SMS)
    case language = "language"                            // 1430 NYELV EN|HU / LANG EN|HU
}

/// A typed argument taken from the text of an SMS.
public enum Argument: Hashable, Sendable {
    case topic(String)          // the topic's canonical name from the grammar, e.g. "HIREK"
    case date(CalendarDate)
    case msisdn(MSISDN)
    case amount(Int64)          // forints, 1 ... 10_000_000
    case pin(String)            // exactly 5 digits
    case range(String)          // "90", "91" or "16"
    case language(Language)
    case text(String)
}

/// A text that a rule recognised, with its arguments by slot name.
public struct Match: Hashable, Sendable {
    /// The service name in the grammar (`infosms`, `selfservice`, …).
    public var service: String
    public var action: Action
    /// By slot name (`topic`, `date`, `msisdn`, `amount`, `pin`, `old`, `new`, `repeat`,
    /// `range`, `language`, …): see `Grammars/README.md`.
    public var arguments: [String: Argument]
    /// The text with every PIN-typed argument replaced by `*****`, for audit and logs.
    public var maskedText: String

    public init(service: String, action: Action, arguments: [String: Argument], maskedText: String) {
        self.service = service
        self.action = action
        self.arguments = arguments
        self.maskedText = maskedText
    }
}

/// What the grammar makes of one SMS.
public enum Recognition: Hashable, Sendable {
    case matched(Match)
    /// The keyword matched a rule but an argument is malformed or missing (bad date, bad
    /// number, PIN not 5 digits …). `type` is the slot's type name (`date`, `pin`, …).
    case badArgument(service: String, action: Action, slot: String, type: String, maskedText: String)
    /// The number is known but no rule matches: the engine answers that service's help text.
    case noRule(service: String, maskedText: String)
    /// No rule knows this destination.
    case unknownDestination

    /// The text as it may be audited (PINs masked); `nil` for an unknown destination.
    public var maskedText: String? {
        switch self {
        case .matched(let match): return match.maskedText
        case .badArgument(_, _, _, _, let text), .noRule(_, let text): return text
        case .unknownDestination: return nil
        }
    }

    /// The grammar service the destination belongs to; `nil` for an unknown destination.
    public var service: String? {
        switch self {
        case .matched(let match): return match.service
        case .badArgument(let service, _, _, _, _), .noRule(let service, _): return service
        case .unknownDestination: return nil
        }
    }
}
