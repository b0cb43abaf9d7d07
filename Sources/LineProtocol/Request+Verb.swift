import Model

extension Request {
    /// The verbs of the line protocol. What each verb is — its name, the role it needs,
    /// its usage, whether its work is in the store, and its arguments parser — is one
    /// entry of ``Verb/table`` (`Request+VerbTable.swift`).
    ///
    /// To add a verb: a case here, its entry in the table, a case of ``Request`` and its
    /// parser in `Request+Parsing.swift`.
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
        case pin = "PIN"
        case bill = "BILL"
        case reload = "RELOAD"
        case ping = "PING"
        case help = "HELP"
        case quit = "QUIT"

        /// The verb as written in the protocol documentation (upper case); clients may
        /// write it in any case.
        public var name: String { rawValue }

        /// The role a connection must hold to use the verb (the accounts' ``Role``);
        /// `nil`: anyone may, even before `AUTH` (`AUTH`, `PING`, `HELP`, `QUIT`).
        public var role: Role? { entry.role }

        /// The one-line usage shown by `HELP` and in `501 Usage: …` answers.
        public var usage: String { entry.usage }

        /// Whether the verb's work is in the store (the others are answered on the loop).
        public var usesStore: Bool { entry.usesStore }

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
        /// an unknown verb. Every request starts here: the token's bytes, upper-cased,
        /// are packed into one integer and compared with each verb's (callgrind: matching
        /// against the raw value strings cost ~570 instructions a request).
        public init?(token: UnsafeRawBufferPointer) {
            guard let key = Verb.key(token) else { return nil }
            for (verbKey, verb) in Verb.keys where verbKey == key {
                self = verb
                return
            }
            return nil
        }

        /// Up to 8 bytes, upper-cased, little-endian in one integer; `nil` when longer.
        @inline(__always)
        static func key(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
            guard bytes.count > 0, bytes.count <= 8 else { return nil }
            var key: UInt64 = 0
            for i in 0..<bytes.count { key |= UInt64(asciiUppercase(bytes[i])) << (8 * UInt64(i)) }
            return key
        }

        /// Every verb's key.
        static let keys: [(UInt64, Verb)] = allCases.map { verb in
            var name = verb.rawValue
            return (name.withUTF8 { key(UnsafeRawBufferPointer($0))! }, verb)
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
