import SMPP

/// The requests one side of an SMPP connection sends: sequence numbers, the requests
/// awaiting their response (at most ``size`` of the queued kind), and the queue of those
/// waiting for a slot. Shared by the client link (its `submit_sm`) and the server's binds
/// (their `deliver_sm`); pure bookkeeping, the caller writes.
struct SMPPWindow {
    struct Outgoing {
        let pdu: PDU
        let sentAt: Double
        /// The sender's mark on a queued request (an outbox message's), 0 for none.
        var tag = 0
    }

    var size: Int
    private(set) var outstanding: [UInt32: Outgoing] = [:]
    /// Queued requests; a head index instead of `removeFirst` (O(1) per message).
    private var waiting: [(pdu: PDU, tag: Int)] = []
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
    mutating func track(_ pdu: PDU, now: Double, tag: Int = 0) {
        outstanding[pdu.sequence] = Outgoing(pdu: pdu, sentAt: now, tag: tag)
    }

    mutating func enqueue(_ pdu: PDU, tag: Int = 0) { waiting.append((pdu, tag)) }

    /// The queued requests that fit the window now, numbered and tracked, in order.
    mutating func due(now: Double) -> [PDU] {
        guard now >= pausedUntil else { return [] }
        var out: [PDU] = []
        while head < waiting.count, outstanding.count < size {
            var (pdu, tag) = waiting[head]
            head += 1
            pdu.sequence = sequence()
            track(pdu, now: now, tag: tag)
            out.append(pdu)
        }
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            waiting.removeFirst(head)
            head = 0
        }
        return out
    }

    /// The request a response answers (its slot is free), or nil.
    mutating func answered(_ sequence: UInt32) -> Outgoing? { outstanding.removeValue(forKey: sequence) }

    /// A request the peer could not take yet goes back to the head of the queue, and
    /// nothing is sent for `pause` seconds.
    mutating func retry(_ request: Outgoing, now: Double, pause: Double) {
        if head > 0 {
            head -= 1
            waiting[head] = (request.pdu, request.tag)
        } else {
            waiting.insert((request.pdu, request.tag), at: 0)
        }
        pausedUntil = now + pause
    }

    /// The connection is gone: the unanswered requests of `command` go back to the head of
    /// the queue, in the order they were sent (the rest are forgotten).
    mutating func requeueUnanswered(_ command: CommandID) {
        let resend = outstanding.values.filter { $0.pdu.command == command }.sorted { $0.pdu.sequence < $1.pdu.sequence }
        outstanding.removeAll()
        guard !resend.isEmpty else { return }
        waiting.replaceSubrange(0..<head, with: resend.map { ($0.pdu, $0.tag) })
        head = 0
    }

    /// The request waiting longest for its response.
    var oldest: Outgoing? { outstanding.values.min { $0.sentAt < $1.sentAt } }

    func hasUnanswered(_ command: CommandID) -> Bool { outstanding.values.contains { $0.pdu.command == command } }
}
