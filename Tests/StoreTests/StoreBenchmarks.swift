import Foundation
import Model
import Numbering
import Store
import Testing

/// Timings on a million subscribers, opt-in (a few seconds in release, longer in debug):
/// `SELFCARE_STORE_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter StoreBenchmarks`
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SELFCARE_STORE_BENCH"] != nil))
struct StoreBenchmarks {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func millionSubscribers() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.db())
        let count = 1_000_000
        let populate = try Self.seconds {
            try store.populate(count: count, balance: 100_000) { _ in }
        }
        print("bench: populate \(count): \(populate) s")
        #expect(populate < 30)

        var bad: [String] = []
        let check = try Self.seconds { bad = try store.ledgerDiscrepancies() }
        print("bench: ledgerDiscrepancies on \(count): \(check) s")
        #expect(bad.isEmpty)

        // Group commit as the server does it: 100 requests per write.
        let groups = 1_000, perGroup = 100
        var rng = SystemRandomNumberGenerator()
        let numbers = (0..<(groups * perGroup)).map { _ -> MSISDN in
            let k = String(Int.random(in: 0..<count, using: &rng))
            return MSISDN(canonical: "3630" + String(repeating: "0", count: 7 - k.count) + k)
        }
        for (label, topUp) in [("balance query (subscriber + lastPurchase + audit)", false),
                               ("top-up (subscriber + post + audit)", true)] {
            let time = try Self.seconds {
                for g in 0..<groups {
                    try store.write { tx in
                        for i in 0..<perGroup {
                            let n = numbers[g * perGroup + i]
                            guard let s = try tx.subscriber(n) else { continue }
                            if topUp {
                                _ = try tx.post(LedgerEntry(msisdn: n, bucket: .balance, amount: 1, kind: .topup,
                                                            reference: "ops", at: 1))
                            } else {
                                _ = try tx.lastPurchase(of: n)
                            }
                            try tx.audit(AuditEntry(at: 1, account: "simulator", channel: "line", msisdn: n.digits,
                                                    request: "SMS \(n.digits) 1730 EGYENLEG", outcome: "250 \(s.balance)"))
                        }
                    }
                }
            }
            let requests = groups * perGroup
            print("bench: \(label): \(requests) requests in \(groups) commits: \(time) s, \(Double(requests) / time) req/s")
        }
        // Per-call CPU cost, one big transaction (no fsync in the figure).
        let n = numbers.count
        var sink: Int64 = 0
        let lookups = try Self.seconds {
            try store.write { tx in for m in numbers { sink &+= try tx.subscriber(m)?.balance ?? 0 } }
        }
        let purchases = try Self.seconds {
            try store.write { tx in for m in numbers { sink &+= try tx.lastPurchase(of: m)?.amount ?? 0 } }
        }
        let audits = try Self.seconds {
            try store.write { tx in
                for m in numbers {
                    try tx.audit(AuditEntry(at: 1, account: "simulator", channel: "line", msisdn: m.digits,
                                            request: "SMS 1730 EGYENLEG", outcome: "250 balance"))
                }
            }
        }
        let posts = try Self.seconds {
            try store.write { tx in
                for m in numbers {
                    sink &+= try tx.post(LedgerEntry(msisdn: m, bucket: .balance, amount: 1, kind: .topup,
                                                     reference: "ops", at: 1))
                }
            }
        }
        print("bench: per call (µs): subscriber \(lookups / Double(n) * 1e6), lastPurchase \(purchases / Double(n) * 1e6), "
              + "audit \(audits / Double(n) * 1e6), post \(posts / Double(n) * 1e6) (sink \(sink))")
        #expect(try store.ledgerDiscrepancies().isEmpty)
    }
}
