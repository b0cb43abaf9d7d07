import SMPP

/// Outbox messages handed to an SMPP peer, by the tag their parts carry in the window:
/// how many parts are unanswered, the first refusal, the peer's ids of the parts it took.
/// The verdict goes to the pusher once the last part is answered. Shared by the client
/// link (`submit_sm`) and the server's binds (`deliver_sm`).
struct SMPPOutboxSends {
    private struct Send {
        var parts: Int
        var refusal: String?
        var messageIDs: [String] = []
        let done: (OutboxCarrierVerdict) -> Void
    }
    private var sends: [Int: Send] = [:]
    private var nextTag = 0
    /// The carrier's name in the verdict (`smpp NAME`): receipts are awaited under it.
    let carrier: String

    init(carrier: String) { self.carrier = carrier }

    var isEmpty: Bool { sends.isEmpty }

    /// A message of `parts` parts about to be queued: the tag its parts carry.
    mutating func add(parts: Int, done: @escaping (OutboxCarrierVerdict) -> Void) -> Int {
        nextTag += 1
        sends[nextTag] = Send(parts: parts, done: done)
        return nextTag
    }

    /// The peer answered a part: taken (its `message_id`, may be empty) or refused.
    mutating func answered(_ tag: Int, refusal: String?, messageID: String) {
        guard var send = sends[tag] else { return }
        send.parts -= 1
        if send.refusal == nil { send.refusal = refusal }
        if !messageID.isEmpty { send.messageIDs.append(messageID) }
        guard send.parts <= 0 else {
            sends[tag] = send
            return
        }
        sends[tag] = nil
        send.done(send.refusal.map { .refused($0) } ?? .accepted(by: carrier, channel: "smpp", peerIDs: send.messageIDs))
    }

    /// The connection is gone with parts unanswered: every message waiting is told
    /// `.down` (sent again after the pusher's back-off).
    mutating func lost(_ why: String) {
        let all = sends.values
        sends.removeAll()
        for send in all { send.done(.down(why)) }
    }
}
