import Model

extension Request.Verb {
    /// What a verb is, in one place.
    public struct Entry: Sendable {
        /// `nil`: anyone, even before `AUTH`.
        public let role: Role?
        /// `HELP`'s line(s) and the `501 Usage:` text; forms separated by ` | `.
        public let usage: String
        /// Its work is in the store: it goes to the pipeline's batch.
        public let usesStore: Bool
        /// Its arguments (after the verb) into a request.
        let parse: @Sendable (inout ArgumentScanner) -> Result<Request, RequestError>
    }

    /// Every verb of the line protocol: role, usage, store, parser (a dictionary literal,
    /// so a verb cannot appear twice; read through ``entries``).
    static let table: [Request.Verb: Entry] = [
        .auth: Entry(role: nil, usage: "AUTH <account> <password>", usesStore: true,
                     parse: RequestParser.parseAuth),
        .sms: Entry(role: .network, usage: "SMS <from-msisdn> <to-number> <text>", usesStore: true,
                    parse: RequestParser.parseSMS),
        .topup: Entry(role: .operator, usage: "TOPUP <msisdn> <amount>", usesStore: true,
                      parse: RequestParser.parseTopUp),
        .mt: Entry(role: .network, usage: "MT <from-number> <to-msisdn> <text>", usesStore: true,
                   parse: RequestParser.parseMT),
        .outbox: Entry(role: .network, usage: "OUTBOX [<msisdn>]", usesStore: true,
                       parse: RequestParser.parseOutbox),
        .ussd: Entry(role: .network, usage: "USSD <msisdn> <string>", usesStore: true,
                     parse: RequestParser.parseUSSD),
        .release: Entry(role: .network, usage: "RELEASE <msisdn>", usesStore: false,
                        parse: RequestParser.parseRelease),
        .rate: Entry(role: .operator,
                     usage: "RATE SET <prefix> <price> <premium|premium-mt|subscription|donation> [adult|noadult] | RATE DEL <prefix> [<kind>] | RATE LIST [<prefix>]",
                     usesStore: true, parse: RequestParser.parseRate),
        .sub: Entry(role: .operator,
                    usage: "SUB ADD <msisdn> <prepaid|postpaid|mix> [birth=YYYY-MM-DD] [pin=NNNNN] [lang=hu|en] | SUB SHOW <msisdn> | SUB LIST [<prefix>] [product=prepaid|postpaid|mix] [status=active|suspended|terminated] [after=<msisdn>] [limit=N] | SUB SET <msisdn> [product=prepaid|postpaid|mix] [allowance=N] [lang=hu|en] [status=active|suspended] [birth=YYYY-MM-DD] | SUB END <msisdn>",
                    usesStore: true, parse: RequestParser.parseSub),
        .pin: Entry(role: .operator, usage: "PIN SET <msisdn> <pin> | PIN RESET <msisdn> | PIN UNLOCK <msisdn>",
                    usesStore: true, parse: RequestParser.parsePIN),
        .bill: Entry(role: .operator, usage: "BILL CLOSE <YYYY-MM|last> [<msisdn>] [after=<msisdn>] [limit=N]",
                     usesStore: true, parse: RequestParser.parseBill),
        .reload: Entry(role: .operator, usage: "RELOAD", usesStore: false,
                       parse: { RequestParser.noArguments(&$0, .reload, .reload) }),
        .ping: Entry(role: nil, usage: "PING", usesStore: false,
                     parse: { RequestParser.noArguments(&$0, .ping, .ping) }),
        .help: Entry(role: nil, usage: "HELP", usesStore: false,
                     parse: { RequestParser.noArguments(&$0, .help, .help) }),
        .quit: Entry(role: nil, usage: "QUIT", usesStore: false,
                     parse: { RequestParser.noArguments(&$0, .quit, .quit) }),
    ]

    /// The table in `allCases` order: looked up by position on every request (a
    /// `String`-backed enum hashes its raw value as a dictionary key).
    static let entries: [Entry] = allCases.map { verb in
        guard let entry = table[verb] else { fatalError("Request.Verb.table has no entry for \(verb)") }
        return entry
    }

    /// This verb's entry.
    public var entry: Entry { Request.Verb.entries[position] }

    /// The verb's place in `allCases`.
    private var position: Int {
        switch self {
        case .auth: return 0
        case .sms: return 1
        case .topup: return 2
        case .mt: return 3
        case .outbox: return 4
        case .ussd: return 5
        case .release: return 6
        case .rate: return 7
        case .sub: return 8
        case .pin: return 9
        case .bill: return 10
        case .reload: return 11
        case .ping: return 12
        case .help: return 13
        case .quit: return 14
        }
    }
}
