/// The five procedures of TS 22.030 §4.5.2, told apart by the code's prefix.
public enum MMIProcedure: String, Hashable, Sendable, CaseIterable {
    /// `*SC#`, `*SC*SI#` (a forwarding SIA makes it a registration).
    case activate
    /// `#SC#`, `#SC*SI#`.
    case deactivate
    /// `*#SC#`, `*#SC*SI#`.
    case interrogate
    /// `**SC*SI#`, and `*SC*SI#` with a forwarding number.
    case register
    /// `##SC#`, `##SC*SI#`.
    case erase
}

/// Something the code says that the network must refuse, though the code itself is well
/// formed: the engine answers it with a reason and changes nothing.
public enum MMIProblem: Hashable, Sendable {
    /// A no-reply timer (SIC) outside the table's values (5…30 s in steps of 5).
    case timerOutOfRange(Int)
    /// A timer on a code that has none (only 61, 002 and 004 take one).
    case timerNotAllowed
    /// A basic service group code that Annex C does not know.
    case unknownBasicService(String)
    /// Barring activated or deactivated without the barring password.
    case passwordMissing

    public var reason: String {
        switch self {
        case .timerOutOfRange(let s): "no-reply timer \(s) s is not allowed (5 to 30 s in steps of 5)"
        case .timerNotAllowed: "this service takes no no-reply timer"
        case .unknownBasicService(let code): "unknown basic service code \(code)"
        case .passwordMissing: "the barring password is missing"
        }
    }
}

/// A well-formed supplementary-service request: the raw fields and what they mean for
/// the service's kind.
public struct MMIRequest: Hashable, Sendable {
    public var procedure: MMIProcedure
    public var serviceCode: String
    public var service: MMIService
    /// Supplementary information A, B, C as dialled; nil when absent or empty.
    public var sia: String?
    public var sib: String?
    public var sic: String?
    /// Forwarding: the target as dialled (`06301234567`, `+36301234567`), not yet normalised.
    public var number: String?
    /// Barring: the barring password (SIA).
    public var password: String?
    /// The basic service group (SIB, or SIA for call waiting); nil means all services.
    public var basicService: MMIBasicService?
    /// Forwarding on no reply: the timer in seconds (SIC), when given and numeric.
    public var noReplyTimer: Int?
    /// Set when the network must refuse the request (see ``MMIProblem``).
    public var problem: MMIProblem?

    public init(procedure: MMIProcedure, service: MMIService, sia: String? = nil, sib: String? = nil,
                sic: String? = nil, number: String? = nil, password: String? = nil,
                basicService: MMIBasicService? = nil, noReplyTimer: Int? = nil, problem: MMIProblem? = nil) {
        self.procedure = procedure
        self.serviceCode = service.code
        self.service = service
        self.sia = sia
        self.sib = sib
        self.sic = sic
        self.number = number
        self.password = password
        self.basicService = basicService
        self.noReplyTimer = noReplyTimer
        self.problem = problem
    }
}

/// What a dialled string is (TS 22.030 §4.5).
public enum MMIParse: Hashable, Sendable {
    /// A supplementary-service procedure on a code of the table.
    case supplementary(MMIRequest)
    /// `**03*ZZ*OLD*NEW*NEW#`: `code` is the barring code ZZ (`330`), or empty for all.
    case passwordChange(code: String, old: String, new: String, repeat: String)
    /// Any other string ending in `#` (`*1412#`, `*100#`): for the USSD application.
    case ussd(String)
    /// Not a code, or a supplementary-service code written wrongly; the reason says which.
    case invalid(String)
}
