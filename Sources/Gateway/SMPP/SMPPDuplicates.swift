import Crypto
import Engine
import Model

/// MOs a link has run lately, to recognise one the SMSC delivers again because our
/// `deliver_sm_resp` was lost: it is answered like the original — `ESME_ROK` and the same
/// reply — and not run twice.
///
/// An MO is known by a 64-bit digest of the SMSC's MO id when the profile names the TLV that
/// carries it, else of (source, destination, text, part of a long message). Only a
/// committed MO is remembered (one whose commit failed was not kept: it runs again); an
/// MO that arrives while its twin is still in the pipeline waits for the twin's answer.
/// At most ``limit`` MOs are remembered (100 000: some 25 MB with their replies): past it
/// the oldest second is forgotten early, so under a load above limit ÷ window MO/s
/// (3 300/s at 30 s) the window is shorter than configured.
///
/// What the window trades away: the same subscriber sending the same text to the same
/// number twice within it gets the first answer again instead of a second run. A 64-bit
/// digest may collide (at 100 000 MOs remembered, about one chance in 10¹⁴ per MO).
///
/// The memory outlives the process: each MO that runs is also kept in the store, in the
/// transaction that applies it (``RememberedMO``), and a start reloads those still in the
/// window: an SMSC redelivering after a crash is answered, not charged again (issue 16).
struct SMPPDuplicates {
    let window: Double
    let limit: Int
    struct Entry {
        var second: UInt32
        /// The reply's parts as text (not as PDUs: a third of the memory); rebuilt for
        /// the copy's addresses when it comes.
        var replies: [String]
    }
    private var seen: [UInt64: Entry] = [:]
    /// Per second of the window, the hashes that committed then (for expiry).
    private var ring: [[UInt64]]
    private var ringSecond: UInt32 = 0
    /// Hash → the copies waiting for the original's answer (the link's tickets: which
    /// connection, which sequence number).
    private var inFlight: [UInt64: [UInt64]] = [:]

    init(window: Double, limit: Int = 100_000) {
        self.window = window
        self.limit = limit
        ring = Array(repeating: [], count: max(1, Int(window.rounded(.up)) + 1))
    }

    var isOn: Bool { window > 0 }

    enum Verdict {
        /// Run it (and tell ``committed(_:replies:now:)`` or ``failed(_:)`` afterwards).
        case run
        /// The original is in the pipeline: this copy waits for its answer.
        case waiting
        /// The original committed within the window: answer `ESME_ROK` and send this
        /// reply (its parts) again; run nothing.
        case answered([String])
    }

    mutating func check(_ key: UInt64, tickets: [UInt64], now: Double) -> Verdict {
        if let entry = seen[key], Double(entry.second) >= now - window { return .answered(entry.replies) }
        if inFlight[key] != nil {
            inFlight[key]! += tickets
            return .waiting
        }
        inFlight[key] = []
        return .run
    }

    /// The original committed with `replies`: remembered; the copies that waited for it.
    mutating func committed(_ key: UInt64, replies: [String], now: Double) -> [UInt64] {
        let second = UInt32(now)
        expire(upTo: second)
        seen[key] = Entry(second: second, replies: replies)
        ring[Int(second) % ring.count].append(key)
        if seen.count > limit { forgetOldest(before: second) }
        return inFlight.removeValue(forKey: key) ?? []
    }

    /// The original's commit failed: forgotten; the copies that waited get its answer too.
    mutating func failed(_ key: UInt64) -> [UInt64] { inFlight.removeValue(forKey: key) ?? [] }

    /// Forgets the seconds that left the window.
    mutating func expire(upTo second: UInt32) {
        guard ringSecond < second else { return }
        let steps = min(Int(second - ringSecond), ring.count)
        for i in 1...steps { clear(slot: Int(ringSecond &+ UInt32(i)) % ring.count, keeping: second) }
        ringSecond = second
    }

    /// Over the limit: the oldest seconds go first, the current one last.
    private mutating func forgetOldest(before second: UInt32) {
        for age in stride(from: ring.count - 1, through: 1, by: -1) where seen.count > limit {
            guard second >= UInt32(age) else { continue }
            clear(slot: Int(second - UInt32(age)) % ring.count, keeping: second)
        }
    }

    private mutating func clear(slot: Int, keeping second: UInt32) {
        for key in ring[slot] where seen[key].map({ Int($0.second) % ring.count == slot && $0.second != second }) ?? false {
            seen[key] = nil
        }
        ring[slot].removeAll(keepingCapacity: true)
    }

    var count: Int { seen.count }

    /// Puts back what a store kept (``RememberedMO``, oldest first) when the gateway
    /// starts: a redelivery after a restart is still answered, not run again.
    mutating func restore(_ remembered: [RememberedMO], now: Double) {
        for mo in remembered where Double(mo.at) >= now - window {
            // Kept whole (``StoreWork``): cut into SMS parts as the MO's answer was.
            let parts = mo.replies.flatMap { Outcome(status: .ok, reply: $0, result: "").replyParts }
            _ = committed(mo.key, replies: parts, now: Double(mo.at))
        }
        expire(upTo: UInt32(now))
    }

    /// The key of an MO: the SMSC's id when there is one, else its content. The same in
    /// every process (the store keeps keys across restarts) and not one a sender can aim
    /// at another's MO (a collision would answer them with its reply): SipHash-2-4 of the
    /// length-prefixed fields, keyed with ``hashKey``.
    static func key(moID: [UInt8]?, from: String, to: String, text: String, part: (UInt16, UInt8)?) -> UInt64 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24 + (moID?.count ?? from.utf8.count + to.utf8.count + text.utf8.count))
        func field(_ field: some Collection<UInt8>) {
            let n = UInt32(field.count)
            bytes += [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            bytes += field
        }
        if let moID {
            bytes.append(0)
            field(moID)
        } else {
            bytes.append(1)
            field(from.utf8)
            field(to.utf8)
            field(text.utf8)
            let p = part ?? (0, 0)
            bytes += [UInt8(p.0 >> 8), UInt8(p.0 & 0xFF), p.1]
        }
        return hashKey.hash(bytes)
    }

    /// The hash's key: from the server key (``PasswordHash/key``, the key file beside the
    /// store) when there is one, so that only its holder could aim a collision; a fixed
    /// one for a store without a key.
    static let hashKey: SipHash = {
        guard let key = PasswordHash.key else { return SipHash(k0: 0x5365_6c66_6361_7265, k1: 0x534d_5050_6475_7073) }
        let code = Array(HMAC<SHA256>.authenticationCode(for: Array("smpp-duplicates".utf8), using: SymmetricKey(data: key)))
        func word(_ at: Int) -> UInt64 { code[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        return SipHash(k0: word(0), k1: word(8))
    }()
}
