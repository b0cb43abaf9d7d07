import Crypto
import Numbering

/// An SMS the gateway will send to someone (a confirmation, a partner's message, a
/// call-me-back request). Queued with ``StoreTransaction/enqueue(_:)`` in the same
/// transaction as its cause, so an answer is never sent for a change that was not kept.
public struct OutgoingSMS: Hashable, Sendable {
    /// The number it appears to come from: a short code (`1430`) or an MSISDN.
    public var sender: String
    public var recipient: MSISDN
    public var text: String
    /// Unix seconds, when it was queued.
    public var at: Int64
    /// The text is a secret (a purchase code): the store blanks it once delivered.
    public var secret: Bool

    public init(sender: String, recipient: MSISDN, text: String, at: Int64, secret: Bool = false) {
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.at = at
        self.secret = secret
    }
}

/// A queued SMS as stored: ``OutgoingSMS`` plus the id the store gave it, which orders
/// the queue and is what ``StoreTransaction/markDelivered(_:at:)`` takes.
public struct OutboxMessage: Hashable, Sendable {
    public var id: Int64
    public var sender: String
    /// Canonical digits.
    public var recipient: String
    public var text: String
    /// Unix seconds, when it was queued.
    public var at: Int64

    public init(id: Int64, sender: String, recipient: String, text: String, at: Int64) {
        self.id = id
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.at = at
    }
}

/// What a delivery receipt said of a message sent to the network: the state in SMPP 3.4's
/// text form (Appendix B), whether it came as the `message_state` TLV or as `stat:…`.
///
/// ```swift
/// DeliveryReport(messageState: 5)?.state      // "UNDELIV"
/// DeliveryReport(state: "DELIVRD").isFailure  // false
/// ```
public struct DeliveryReport: Hashable, Sendable {
    /// `DELIVRD`, `EXPIRED`, `DELETED`, `UNDELIV`, `ACCEPTD`, `UNKNOWN`, `REJECTD`, `ENROUTE`
    /// or what else the SMSC wrote (at most 16 characters, upper case).
    public var state: String

    public init(state: String) {
        self.state = String(state.uppercased().prefix(16))
    }

    /// SMPP 3.4 5.2.28 `message_state`; `nil` for a value it does not define.
    public init?(messageState: UInt8) {
        let names = ["ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"]
        guard (1...8).contains(messageState) else { return nil }
        state = names[Int(messageState) - 1]
    }

    /// The message did not and will not reach its recipient.
    public var isFailure: Bool { ["EXPIRED", "DELETED", "UNDELIV", "REJECTD"].contains(state) }
    /// The message reached its recipient (`ACCEPTD`: read on their behalf).
    public var isDelivered: Bool { state == "DELIVRD" || state == "ACCEPTD" }
}

/// An SMPP MO that ran, kept so that a redelivery after a restart is still recognised
/// (issues 14 and 16): the link's duplicate memory is reloaded from these at start. The
/// store keeps the latest ``capacity`` of them, older ones making room as new ones come.
public struct RememberedMO: Hashable, Sendable {
    /// Which memory it belongs to: `smsc:<link>` for a client link, `smpp-server` for the
    /// server's binds.
    public var scope: String
    /// The duplicate key (a digest of the SMSC's MO id, or of the MO's content).
    public var key: UInt64
    /// Unix seconds, when it committed.
    public var at: Int64
    /// The reply's parts, as sent.
    public var replies: [String]

    public init(scope: String, key: UInt64, at: Int64, replies: [String]) {
        self.scope = scope
        self.key = key
        self.at = at
        self.replies = replies
    }

    /// How many the store keeps: as many as a link's duplicate memory holds.
    public static let capacity = 100_000

    /// The replies as one text: each part as `<UTF-8 length>:<part>`.
    public var storedReplies: String {
        replies.map { "\($0.utf8.count):\($0)" }.joined()
    }

    /// The parts of a ``storedReplies`` text; `nil` when it is damaged.
    public static func replies(stored: String) -> [String]? {
        var parts: [String] = []
        var rest = Substring(stored).utf8[...]
        while !rest.isEmpty {
            guard let colon = rest.firstIndex(of: UInt8(ascii: ":")),
                  let length = Int(Substring(rest[..<colon])), length >= 0 else { return nil }
            let start = rest.index(after: colon)
            guard rest.distance(from: start, to: rest.endIndex) >= length else { return nil }
            let end = rest.index(start, offsetBy: length)
            guard let part = String(rest[start..<end]) else { return nil }
            parts.append(part)
            rest = rest[end...]
        }
        return parts
    }
}

/// A request a client tagged with an idempotency key (`TOPUP id=bill-77 …`), and the
/// answer it got: a repeat of the key is answered with it and changes nothing.
public struct IdempotencyRecord: Hashable, Sendable {
    /// Keys are per account: two clients may use the same token.
    public var account: String
    public var key: String
    /// A digest of the request (``digest(of:)``; not its text, which may hold a PIN): a
    /// key reused for another request is refused.
    public var request: String
    /// The answer, serialised by the transport.
    public var answer: String
    /// Unix seconds, when it was first run.
    public var at: Int64

    public init(account: String, key: String, request: String, answer: String, at: Int64) {
        self.account = account
        self.key = key
        self.request = request
        self.answer = answer
        self.at = at
    }

    /// A digest of a request's canonical text (`TOPUP 36301111111 1000`): 128 bits of
    /// HMAC-SHA256 under the server key (``PasswordHash/key``), in hex; of SHA-256 when
    /// the store has no key. Keyed because an SMS's text may hold a 5-digit PIN: from a
    /// plain hash, a copy of the store would give it up in 100 000 guesses.
    public static func digest(of request: String, key: [UInt8]? = PasswordHash.key) -> String {
        let bytes = Array(request.utf8)
        let code: [UInt8] = key.map {
            Array(HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: $0)))
        } ?? Array(SHA256.hash(data: bytes))
        return PasswordHash.hex(Array(code.prefix(16)))
    }

    /// Whether `request` is the request this record's key was first used for.
    public func isFor(request canonical: String) -> Bool {
        // Records written before keyed digests: `sha256:<hex>` of the whole text.
        if self.request.hasPrefix("sha256:") {
            return self.request == "sha256:" + PasswordHash.hex(Array(SHA256.hash(data: Array(canonical.utf8))))
        }
        return self.request == Self.digest(of: canonical)
    }
}

/// An audit row as stored, with its id (the audit's order: newest is highest).
public struct AuditRecord: Hashable, Sendable {
    public var id: Int64
    public var entry: AuditEntry

    public init(id: Int64, entry: AuditEntry) {
        self.id = id
        self.entry = entry
    }
}
