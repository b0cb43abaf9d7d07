import Engine
import Grammar
import Model
import Numbering

/// The repository's Grammars/ folder, found from this file.
let grammarFolder: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // EngineTests/Fixtures.swift, Tests
    return parts.joined(separator: "/") + "/Grammars"
}()

func makeEngine() throws -> Engine {
    Engine(grammar: try Grammar.load(from: grammarFolder))
}

/// 2026-11-21 12:00:00 UTC
let now: Int64 = 1_795_262_400

let prepaid = MSISDN(canonical: "36301111111")
let postpaid = MSISDN(canonical: "36302222222")
let mix = MSISDN(canonical: "36303333333")
let stranger = MSISDN(canonical: "36309999999")

/// A store with a prepaid (5 000 Ft + 1 000 Ft universal, a purchase of 300 Ft on
/// 2026-11-18), an English postpaid (3 450 Ft unbilled, bill 8 990 Ft for October) and a
/// Mix subscriber (2 600 Ft allowance, 1 500 Ft balance).
func makeStore() throws -> InMemoryStore {
    let store = InMemoryStore()
    try store.write { tx in
        try tx.addSubscriber(Subscriber(msisdn: prepaid, product: .prepaid), pin: PINRecord(hash: nil))
        try tx.post(LedgerEntry(msisdn: prepaid, bucket: .balance, amount: 5_300, kind: .opening, at: now - 864_000))
        try tx.post(LedgerEntry(msisdn: prepaid, bucket: .balance, amount: -300, kind: .purchase, at: 1_795_003_200))
        try tx.post(LedgerEntry(msisdn: prepaid, bucket: .universal, amount: 1_000, kind: .opening, at: now - 864_000))

        try tx.addSubscriber(Subscriber(msisdn: postpaid, product: .postpaid, language: .en), pin: PINRecord(hash: nil))
        try tx.post(LedgerEntry(msisdn: postpaid, bucket: .unbilled, amount: 3_450, kind: .charge, at: now - 3600))
        try tx.addBill(Bill(period: "2026-10", amount: 8_990), of: postpaid)

        try tx.addSubscriber(Subscriber(msisdn: mix, product: .mix), pin: PINRecord(hash: nil))
        try tx.post(LedgerEntry(msisdn: mix, bucket: .allowance, amount: 2_600, kind: .opening, at: now - 3600))
        try tx.post(LedgerEntry(msisdn: mix, bucket: .balance, amount: 1_500, kind: .opening, at: now - 3600))

        try tx.saveAccount(Account(name: "ops", role: .operator, passwordHash: PasswordHash.make("ops", rounds: 1000)))
    }
    return store
}

func context(_ request: String, account: String? = "simulator") -> RequestContext {
    RequestContext(channel: "test", account: account, request: request, now: now)
}

extension InMemoryStore {
    /// Every bucket equals the sum of its ledger rows.
    var ledgerHolds: Bool {
        state.subscribers.values.allSatisfy { s in
            Bucket.allCases.allSatisfy { b in
                s[b] == state.ledger.filter { $0.msisdn == s.msisdn && $0.bucket == b }.reduce(0) { $0 + $1.amount }
            }
        }
    }
}
