import Numbering
import SMPP

/// The parts of long MOs until the last arrives. A part's `deliver_sm` is answered only
/// once the whole message has committed, so a crash in between loses nothing: the SMSC
/// delivers the parts again.
struct SMPPReassembly {
    struct Key: Hashable {
        let from: MSISDN
        let to: Destination
        let reference: UInt16
        let total: UInt8
    }

    struct Partial {
        var parts: [UInt8: String] = [:]
        var sequences: [UInt32] = []
        var started: Double
    }

    private var partials: [Key: Partial] = [:]
    /// At most this many long messages wait at once; the oldest is dropped beyond.
    var limit = 10_000

    /// Adds a part; the whole text (parts in order) and every part's sequence number
    /// when it was the last one missing.
    mutating func add(_ part: Concatenation, text: String, sequence: UInt32, from: MSISDN, to: Destination,
                      now: Double) -> (text: String, sequences: [UInt32])? {
        let key = Key(from: from, to: to, reference: part.reference, total: part.total)
        var partial = partials[key] ?? Partial(started: now)
        partial.parts[part.number] = text   // a part delivered twice counts once
        partial.sequences.append(sequence)
        guard partial.parts.count == Int(part.total) else {
            if partials.count >= limit, partials[key] == nil,
               let oldest = partials.min(by: { $0.value.started < $1.value.started })?.key {
                partials[oldest] = nil
            }
            partials[key] = partial
            return nil
        }
        partials[key] = nil
        let whole = (1...part.total).map { partial.parts[$0] ?? "" }.joined()
        return (whole, partial.sequences)
    }

    /// The sequence numbers of long messages incomplete after `seconds`, forgotten.
    mutating func expire(now: Double, after seconds: Double) -> [[UInt32]] {
        var expired: [[UInt32]] = []
        for (key, partial) in partials where now - partial.started > seconds {
            expired.append(partial.sequences)
            partials[key] = nil
        }
        return expired
    }

    mutating func removeAll() { partials.removeAll() }

    var count: Int { partials.count }
}
