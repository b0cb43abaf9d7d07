import SMPP

/// The requests one side of an SMPP connection sends: sequence numbers, the requests
/// awaiting their response (at most ``size`` of the queued kind), and the queue of those
/// waiting for a slot. Shared by the client link (its `submit_sm`) and the server's binds
/// (their `deliver_sm`); pure bookkeeping, the caller writes.
///
/// A queued request is kept encoded: it is encoded once, and a slot, a retry or a resend
/// after a reconnect only writes a new sequence number into its bytes (copying the PDU
/// value with its strings at each step was a tenth of an SMPP MO's loop CPU).
struct SMPPWindow {
    struct Outgoing {
        let command: CommandID
        let sequence: UInt32
        /// The encoded request (empty for those sent outside the queue: bind, enquire_link).
        let bytes: [UInt8]
        let sentAt: Double
        /// The sender's mark on a queued request (an outbox message's), 0 for none.
        var tag = 0

        /// The request as a PDU again (for a log line: rare).
        var pdu: PDU? { try? PDU.decode(bytes) }
    }

    private struct Queued {
        let command: CommandID
        let bytes: [UInt8]
        let tag: Int
    }

    var size: Int
    private(set) var outstanding: [UInt32: Outgoing] = [:]
    /// Queued requests; a head index instead of `removeFirst` (O(1) per message).
    private var waiting: [Queued] = []
    private var head = 0
    private var nextSequence: UInt32 = 1
    /// Nothing is sent before this (the peer said it is throttled or its queue is full).
    var pausedUntil = 0.0

    init(size: Int) { self.size = size }

    var queued: Int { waiting.count - head }

    mutating func sequence() -> UInt32 {
        defer { nextSequence = nextSequence >= 0x7FFF_FFFF ? 1 : nextSequence + 1 }
        return nextSequence
    }

    /// A request sent now, outside the queue (bind, enquire_link, unbind).
    mutating func track(_ pdu: PDU, now: Double) {
        outstanding[pdu.sequence] = Outgoing(command: pdu.command, sequence: pdu.sequence, bytes: [], sentAt: now)
    }

    mutating func enqueue(_ pdu: PDU, tag: Int = 0) {
        waiting.append(Queued(command: pdu.command, bytes: pdu.encoded(), tag: tag))
    }

    /// The queued requests that fit the window now, numbered and tracked, in order: each
    /// one's bytes handed to `write`.
    mutating func sendDue(now: Double, _ write: ([UInt8]) -> Void) {
        guard now >= pausedUntil else { return }
        while head < waiting.count, outstanding.count < size {
            let request = waiting[head]
            head += 1
            let sequence = sequence()
            var bytes = request.bytes
            bytes[12] = UInt8(sequence >> 24); bytes[13] = UInt8((sequence >> 16) & 0xFF)
            bytes[14] = UInt8((sequence >> 8) & 0xFF); bytes[15] = UInt8(sequence & 0xFF)
            outstanding[sequence] = Outgoing(command: request.command, sequence: sequence, bytes: bytes, sentAt: now,
                                             tag: request.tag)
            write(bytes)
        }
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            waiting.removeFirst(head)
            head = 0
        }
    }

    /// The request a response answers (its slot is free), or nil.
    mutating func answered(_ sequence: UInt32) -> Outgoing? { outstanding.removeValue(forKey: sequence) }

    /// A request the peer could not take yet goes back to the head of the queue, and
    /// nothing is sent for `pause` seconds.
    mutating func retry(_ request: Outgoing, now: Double, pause: Double) {
        let again = Queued(command: request.command, bytes: request.bytes, tag: request.tag)
        if head > 0 {
            head -= 1
            waiting[head] = again
        } else {
            waiting.insert(again, at: 0)
        }
        pausedUntil = now + pause
    }

    /// The connection is gone: the unanswered requests of `command` go back to the head of
    /// the queue, in the order they were sent (the rest are forgotten).
    mutating func requeueUnanswered(_ command: CommandID) {
        let resend = outstanding.values.filter { $0.command == command }.sorted { $0.sequence < $1.sequence }
        outstanding.removeAll()
        guard !resend.isEmpty else { return }
        waiting.replaceSubrange(0..<head, with: resend.map { Queued(command: $0.command, bytes: $0.bytes, tag: $0.tag) })
        head = 0
    }

    /// The request waiting longest for its response.
    var oldest: Outgoing? { outstanding.values.min { $0.sentAt < $1.sentAt } }

    func hasUnanswered(_ command: CommandID) -> Bool { outstanding.values.contains { $0.command == command } }
}
