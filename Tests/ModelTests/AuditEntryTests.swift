import Model
import Testing

@Suite struct AuditEntryTests {
    @Test func outcomeInTwoPiecesReadsAsOneText() {
        let split = AuditEntry(at: 1, account: "simulator", channel: "line", msisdn: "36301111111",
                               request: "SMS 36301111111 1730 EGYENLEG", outcomeHead: "ok: ", outcomeTail: "balance")
        let whole = AuditEntry(at: 1, account: "simulator", channel: "line", msisdn: "36301111111",
                               request: "SMS 36301111111 1730 EGYENLEG", outcome: "ok: balance")
        #expect(split.outcome == "ok: balance")
        // A row read back from a store has its outcome whole: it must still equal the entry written.
        #expect(split == whole)
        #expect(Set([split, whole]).count == 1)
        #expect(split != AuditEntry(at: 1, account: "simulator", channel: "line", msisdn: "36301111111",
                                    request: "SMS 36301111111 1730 EGYENLEG", outcome: "ok: balanc"))
    }

    @Test func settingTheOutcomeReplacesBothPieces() {
        var entry = AuditEntry(at: 1, account: nil, channel: "http", msisdn: nil, request: "x",
                               outcomeHead: "refused: ", outcomeTail: "postpaid")
        entry.outcome = "unknown subscriber"
        #expect(entry.outcome == "unknown subscriber")
        #expect(entry.outcomeHead.isEmpty)
    }
}
