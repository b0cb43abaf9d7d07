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

    public init(sender: String, recipient: MSISDN, text: String, at: Int64) {
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.at = at
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

/// An audit row as stored, with its id (the audit's order: newest is highest).
public struct AuditRecord: Hashable, Sendable {
    public var id: Int64
    public var entry: AuditEntry

    public init(id: Int64, entry: AuditEntry) {
        self.id = id
        self.entry = entry
    }
}
