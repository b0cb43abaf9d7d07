/// MOs a link has run lately, to recognise one the SMSC delivers again because our
/// `deliver_sm_resp` was lost: it is answered like the original and not run twice.
///
/// An MO is known by a 64-bit hash of the SMSC's MO id when the profile names the TLV that
/// carries it, else of (source, destination, text, part of a long message). Only a
/// committed MO is remembered (one whose commit failed was not kept: it runs again); an
/// MO that arrives while its twin is still in the pipeline waits for the twin's answer.
/// Memory: about 40 bytes per MO of the window (30 s at 10 000 MO/s: 12 MB).
///
/// What the window trades away: the same subscriber sending the same text to the same
/// number twice within it (the second `SPORT` of a minute is answered, not run), and an
/// MO the SMSC redelivers after it. A 64-bit hash may collide (at 300 000 MOs remembered,
/// about one chance in 10⁸): the second MO would be answered without being run.
struct SMPPDuplicates {
    let window: Double
    /// Hash → the whole second it committed in.
    private var seen: [UInt64: UInt32] = [:]
    /// Per second of the window, the hashes that committed then (for expiry).
    private var ring: [[UInt64]]
    private var ringSecond: UInt32 = 0
    /// Hash → the copies waiting for the original's answer (the link's tickets: which
    /// connection, which sequence number).
    private var inFlight: [UInt64: [UInt64]] = [:]

    init(window: Double) {
        self.window = window
        ring = Array(repeating: [], count: max(1, Int(window.rounded(.up)) + 1))
    }

    var isOn: Bool { window > 0 }

    enum Verdict: Equatable {
        /// Run it (and tell ``committed(_:at:)`` or ``failed(_:)`` afterwards).
        case run
        /// The original is in the pipeline: this copy's sequence waits for its answer.
        case waiting
        /// The original committed within the window: answer `ESME_ROK`, run nothing.
        case answered
    }

    mutating func check(_ key: UInt64, tickets: [UInt64], now: Double) -> Verdict {
        if let second = seen[key], Double(second) >= now - window { return .answered }
        if inFlight[key] != nil {
            inFlight[key]! += tickets
            return .waiting
        }
        inFlight[key] = []
        return .run
    }

    /// The original committed: remembered; the copies that waited for it.
    mutating func committed(_ key: UInt64, now: Double) -> [UInt64] {
        let second = UInt32(now)
        expire(upTo: second)
        seen[key] = second
        ring[Int(second) % ring.count].append(key)
        return inFlight.removeValue(forKey: key) ?? []
    }

    /// The original's commit failed: forgotten; the copies that waited get its answer too.
    mutating func failed(_ key: UInt64) -> [UInt64] { inFlight.removeValue(forKey: key) ?? [] }

    /// Forgets the seconds that left the window.
    mutating func expire(upTo second: UInt32) {
        guard ringSecond < second else { return }
        let steps = min(Int(second - ringSecond), ring.count)
        for i in 1...steps {
            let slot = Int(ringSecond &+ UInt32(i)) % ring.count
            for key in ring[slot] where seen[key].map({ Int($0) % ring.count == slot && $0 != second }) ?? false {
                seen[key] = nil
            }
            ring[slot].removeAll(keepingCapacity: true)
        }
        ringSecond = second
    }

    var count: Int { seen.count }

    /// The key of an MO: the SMSC's id when there is one, else its content.
    static func key(moID: [UInt8]?, from: String, to: String, text: String, part: (UInt16, UInt8)?) -> UInt64 {
        var h = Hasher()
        if let moID {
            h.combine(0 as UInt8)
            h.combine(moID)
        } else {
            h.combine(1 as UInt8)
            h.combine(from)
            h.combine(to)
            h.combine(text)
            h.combine(part?.0 ?? 0)
            h.combine(part?.1 ?? 0)
        }
        return UInt64(bitPattern: Int64(h.finalize()))
    }
}
