/// One SMPP link to an operator's SMSC or USSD gateway, from its URL:
///
/// ```
/// smpp://SYSTEM_ID:PASSWORD@HOST:PORT?system_type=&window=64&enquire=30&profile=standard
/// ```
///
/// `selfcare serve --smsc URL` (repeatable) opens one link per URL. The password may be
/// percent-encoded (`%40` for `@`). Query parameters, all optional:
///
/// | name | default | meaning |
/// | --- | --- | --- |
/// | `system_type` | empty | the bind's system_type |
/// | `window` | 64 | `submit_sm` awaiting their response at once (1–10 000) |
/// | `enquire` | 30 | seconds of silence before an `enquire_link` (0: never) |
/// | `timeout` | 30 | seconds a request waits for its response before the link is dropped |
/// | `reconnect` | 1 | first wait before reconnecting, seconds; doubles up to 60 |
/// | `bind` | transceiver | `pair`: a receiver bind for MOs and a transmitter bind for replies (two connections) |
/// | `dedupe` | 30 | seconds an MO is remembered, so one delivered again is not run twice (0: off) |
/// | `profile` | standard | the file `Grammars/smpp/NAME.profile` |
/// | `name` | HOST:PORT | the link's name in logs, metrics and audit rows |
public struct SMPPLinkConfig: Equatable, Sendable {
    public var host: String
    public var port: UInt16
    public var systemID: String
    public var password: String
    public var systemType = ""
    public var window = 64
    public var enquireInterval = 30.0
    public var responseTimeout = 30.0
    public var reconnectDelay = 1.0
    public var maximumReconnectDelay = 60.0
    public var dedupeWindow = 30.0
    /// One transceiver bind, or a receiver and a transmitter (`bind=pair`).
    public var pair = false
    public var profileName = "standard"
    /// A profile given as data (tests, embedding); nil: the file ``profileName`` names.
    public var profile: SMPPProfile?
    public var name: String

    public init(host: String, port: UInt16, systemID: String, password: String) {
        self.host = host
        self.port = port
        self.systemID = systemID
        self.password = password
        name = "\(host):\(port)"
    }

    /// A URL that cannot be a link, and why.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String {
            "\(reason) (expected smpp://SYSTEM_ID:PASSWORD@HOST:PORT?window=64&enquire=30&profile=standard)"
        }
    }

    public init(url: String) throws(Invalid) {
        guard url.hasPrefix("smpp://") else { throw Invalid(reason: "not an smpp:// URL") }
        var rest = Substring(url.dropFirst("smpp://".count))
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let at = rest.lastIndex(of: "@") else { throw Invalid(reason: "no SYSTEM_ID:PASSWORD@ before the host") }
        let credentials = rest[..<at]
        let hostPort = rest[rest.index(after: at)...]
        guard let colon = credentials.firstIndex(of: ":") else { throw Invalid(reason: "no password after the system_id") }
        guard let systemID = SMPPLinkConfig.percentDecoded(credentials[..<colon]),
              let password = SMPPLinkConfig.percentDecoded(credentials[credentials.index(after: colon)...]) else {
            throw Invalid(reason: "malformed percent-encoding in the credentials")
        }
        guard !systemID.isEmpty, systemID.utf8.count <= 15 else { throw Invalid(reason: "system_id must be 1 to 15 characters") }
        guard password.utf8.count <= 8 else { throw Invalid(reason: "password must be at most 8 characters (SMPP 3.4)") }
        guard let portColon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: portColon)...]),
              port > 0 else { throw Invalid(reason: "no HOST:PORT") }
        var host = String(hostPort[..<portColon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw Invalid(reason: "no host") }
        self.init(host: host, port: port, systemID: systemID, password: password)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            func number(_ range: ClosedRange<Double>) throws(Invalid) -> Double {
                guard let n = Double(value), range.contains(n) else {
                    throw Invalid(reason: "\(key) must be a number from \(SMPPLinkConfig.show(range.lowerBound)) to \(SMPPLinkConfig.show(range.upperBound))")
                }
                return n
            }
            switch key {
            case "system_type":
                guard value.utf8.count <= 12 else { throw Invalid(reason: "system_type must be at most 12 characters") }
                systemType = value
            case "window": window = Int(try number(1...10_000))
            case "enquire": enquireInterval = try number(0...3600)
            case "timeout": responseTimeout = try number(1...600)
            case "reconnect": reconnectDelay = try number(0.1...600)
            case "dedupe": dedupeWindow = try number(0...3600)
            case "bind":
                guard value == "transceiver" || value == "pair" else { throw Invalid(reason: "bind must be transceiver or pair") }
                self.pair = value == "pair"
            case "profile":
                guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw Invalid(reason: "profile must be a name (letters, digits, - and _)")
                }
                profileName = value
            case "name":
                guard !value.isEmpty, value.utf8.count <= 64 else { throw Invalid(reason: "name must be 1 to 64 characters") }
                name = value
            default:
                throw Invalid(reason: "unknown parameter \(key)")
            }
        }
        maximumReconnectDelay = max(maximumReconnectDelay, reconnectDelay)
    }

    static func show(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    static func percentDecoded(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let utf8 = s.utf8
        while i < utf8.endIndex {
            let c = utf8[i]
            if c == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h < utf8.endIndex, utf8.index(after: h) < utf8.endIndex,
                      let v = UInt8(String(decoding: [utf8[h], utf8[utf8.index(after: h)]], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                i = utf8.index(h, offsetBy: 2)
            } else {
                bytes.append(c)
                i = utf8.index(after: i)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The URL with the password hidden, for logs.
    public var redacted: String { "smpp://\(systemID):***@\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
