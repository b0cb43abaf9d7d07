import EventLoop
import HTTP
import Model

/// Who a request says it is: HTTP basic auth, or `user` and `pass` parameters (Kannel's
/// habit). Checked against the accounts of the store, as `AUTH` on the line protocol.
public struct Credentials: Hashable, Sendable {
    public var name: String
    public var password: String

    public init(name: String, password: String) {
        self.name = name
        self.password = password
    }
}

public enum HTTPAuth {
    /// The `WWW-Authenticate` header of a `401`.
    public static let challenge = ("WWW-Authenticate", "Basic realm=\"selfcare\", charset=\"UTF-8\"")

    public enum Failure: Error, Equatable, Sendable {
        /// No `Authorization` header and no `user`/`pass` parameters.
        case missing
        /// An `Authorization` header we cannot read (not Basic, bad base64, no colon).
        case malformed
    }

    /// The credentials of `request`: its `Authorization: Basic` header first, else the
    /// `user` and `pass` of `parameters`.
    public static func credentials(_ request: HTTPRequest, parameters: HTTPParameters) -> Result<Credentials, Failure> {
        if let header = request.headers["Authorization"] {
            // Two sets of credentials: neither is taken.
            guard request.headers.count(of: "Authorization") == 1 else { return .failure(.malformed) }
            return parseBasic(header).map(Result.success) ?? .failure(.malformed)
        }
        if let name = parameters["user"], let password = parameters["pass"], !name.isEmpty {
            return .success(Credentials(name: name, password: password))
        }
        return .failure(.missing)
    }

    /// `Basic dXNlcjpwYXNz` → `user`, `pass` (RFC 7617: the password may contain `:`,
    /// the user name may not; the bytes must be UTF-8).
    ///
    /// Read as bytes: every request of a keep-alive Kannel carries it (callgrind: splitting
    /// and lower-casing it as Strings was ~17k instructions a request).
    public static func parseBasic(_ header: String) -> Credentials? {
        let bytes = Array(header.utf8)
        // Spaces, the scheme, spaces, the token, spaces: nothing else.
        var i = 0
        func skipSpaces() { while i < bytes.count, bytes[i] == 0x20 { i += 1 } }
        skipSpaces()
        let scheme = Array("basic".utf8)
        guard bytes.count - i > scheme.count else { return nil }
        for (k, want) in scheme.enumerated() where bytes[i + k] | 0x20 != want { return nil }
        i += scheme.count
        guard bytes[i] == 0x20 else { return nil }
        skipSpaces()
        let start = i
        while i < bytes.count, bytes[i] != 0x20 { i += 1 }
        let token = bytes[start..<i]
        skipSpaces()
        guard i == bytes.count, !token.isEmpty,
              let decoded = Base64.decode(bytes: token),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              let name = String(validating: decoded[..<colon], as: UTF8.self),
              let password = String(validating: decoded[(colon + 1)...], as: UTF8.self)
        else { return nil }
        return Credentials(name: name, password: password)
    }
}

/// Standard base64 (RFC 4648, with padding), enough for basic auth. Hand-written: on the
/// Kannel path Foundation's `Data(base64Encoded:)` (and the `Data` around it) cost ~3 % of
/// the CPU against well under 1 % for this (BENCHMARKS.md "2026-12-03 (late night)").
enum Base64 {
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: Array(text.utf8)[...])
    }

    static func decode(bytes: ArraySlice<UInt8>) -> [UInt8]? {
        let bytes = Array(bytes)
        guard bytes.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3)
        var index = 0
        while index < bytes.count {
            let quad = bytes[index..<index + 4]
            let last = index + 4 == bytes.count
            let padding = quad.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || last else { return nil }
            var value: UInt32 = 0
            for (i, byte) in quad.enumerated() {
                let sextet: UInt8
                if i >= 4 - padding {
                    sextet = 0
                } else {
                    guard let v = sextetValue(byte) else { return nil }
                    sextet = v
                }
                value = value << 6 | UInt32(sextet)
            }
            out.append(UInt8(value >> 16 & 0xFF))
            if padding < 2 { out.append(UInt8(value >> 8 & 0xFF)) }
            if padding < 1 { out.append(UInt8(value & 0xFF)) }
            index += 4
        }
        return out
    }

    static func sextetValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}

/// Credentials that passed the store's check recently, so a Kannel sending every MO
/// with the same user and password does not pay PBKDF2 (10 000 rounds) each time.
///
/// Only successes are kept, and only for `lifetime` seconds: a password changed or an
/// account removed with `selfcare account` takes effect within that time. The exact
/// name and password are the key, so nothing but the very same pair can hit.
public struct CredentialCache: Sendable {
    public let lifetime: Double
    public let capacity: Int
    private var entries: [Credentials: (account: Account, expires: Double)] = [:]

    public init(lifetime: Double = 60, capacity: Int = 1024) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The account these credentials proved at most `lifetime` seconds before `now`.
    public mutating func account(for credentials: Credentials, now: Double) -> Account? {
        guard let entry = entries[credentials] else { return nil }
        guard entry.expires > now else {
            entries[credentials] = nil
            return nil
        }
        return entry.account
    }

    /// Remembers a successful check (call it only once the check's audit row committed).
    public mutating func remember(_ credentials: Credentials, as account: Account, now: Double) {
        guard lifetime > 0, capacity > 0 else { return }
        if entries.count >= capacity, entries[credentials] == nil {
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[credentials] = (account, now + lifetime)
    }

    public var count: Int { entries.count }
}
