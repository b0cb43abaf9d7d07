import Model

extension Request {
    /// The verbs of the line protocol: name, the role each needs, and its usage line.
    ///
    /// To add a verb: a case here with its ``name``, ``role`` and ``usage``, a case of
    /// ``Request`` and its arguments parser in `Request+Parsing.swift`.
    public enum Verb: String, Hashable, Sendable, CaseIterable {
        case auth = "AUTH"
        case sms = "SMS"
        case topup = "TOPUP"
        case mt = "MT"
        case outbox = "OUTBOX"
        case ussd = "USSD"
        case release = "RELEASE"
        case rate = "RATE"
        case sub = "SUB"
        case reload = "RELOAD"
        case ping = "PING"
        case help = "HELP"
        case quit = "QUIT"

        /// The verb as written in the protocol documentation (upper case); clients may
        /// write it in any case.
        public var name: String { rawValue }

        /// The role a connection must hold to use the verb (the accounts' ``Role``);
        /// `nil`: anyone may, even before `AUTH` (`AUTH`, `PING`, `HELP`, `QUIT`).
        public var role: Role? {
            switch self {
            case .auth, .ping, .help, .quit: return .none
            case .sms, .mt, .outbox, .ussd, .release: return .network
            case .topup, .rate, .sub, .reload: return .operator
            }
        }

        /// The one-line usage shown by `HELP` and in `501 Usage: …` answers.
        public var usage: String {
            switch self {
            case .auth: return "AUTH <account> <password>"
            case .sms: return "SMS <from-msisdn> <to-number> <text>"
            case .topup: return "TOPUP <msisdn> <amount>"
            case .mt: return "MT <from-number> <to-msisdn> <text>"
            case .outbox: return "OUTBOX [<msisdn>]"
            case .ussd: return "USSD <msisdn> <string>"
            case .release: return "RELEASE <msisdn>"
            case .rate: return "RATE SET <prefix> <price> <premium|premium-mt|subscription|donation> [adult|noadult] | RATE DEL <prefix> [<kind>] | RATE LIST [<prefix>]"
            case .sub: return "SUB ADD <msisdn> <prepaid|postpaid|mix> [birth=YYYY-MM-DD] [pin=NNNNN] [lang=hu|en] | SUB SHOW <msisdn>"
            case .reload: return "RELOAD"
            case .ping: return "PING"
            case .help: return "HELP"
            case .quit: return "QUIT"
            }
        }

        /// The usage as `HELP` lists it: one line per form of the verb.
        public var usageLines: [String] {
            usage.split(separator: " | ").map(String.init)
        }

        /// Whether a connection holding `role` may use the verb (`nil`: not logged in).
        public func isPermitted(for role: Role?) -> Bool {
            self.role == nil || self.role == role
        }

        /// `nil` when a connection holding `role` may use the verb; otherwise the `530`
        /// answer: ``RequestError/authenticationRequired`` before `AUTH`, or
        /// `530 not permitted for role <role>` for an account of another role.
        public func permission(for role: Role?) -> RequestError? {
            if isPermitted(for: role) { return nil }
            guard let role else { return .authenticationRequired }
            return RequestError(.authenticationRequired, "not permitted for role \(role.rawValue)", verb: self)
        }

        /// The verb named by `token`, compared without regard to ASCII case; `nil` for
        /// an unknown verb.
        public init?(token: UnsafeRawBufferPointer) {
            for verb in Verb.allCases where verb.rawValue.utf8.count == token.count {
                if verb.rawValue.utf8.elementsEqual(token, by: { $0 == Verb.asciiUppercase($1) }) {
                    self = verb
                    return
                }
            }
            return nil
        }

        /// The verb named `name`, in any case; `nil` for an unknown verb.
        public init?(name: some StringProtocol) {
            var name = String(name)
            guard let verb = name.withUTF8({ Verb(token: UnsafeRawBufferPointer($0)) }) else { return nil }
            self = verb
        }

        @inline(__always)
        static func asciiUppercase(_ byte: UInt8) -> UInt8 {
            byte &- 0x61 < 26 ? byte &- 0x20 : byte
        }
    }
}
