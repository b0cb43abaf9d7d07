import Foundation
import Model
import Numbering
import Store
import Testing

/// `selfcare import subscribers|rates`: a dry run shows the diff and changes nothing, a
/// file with one bad line changes nothing and names every bad line, `--apply` applies
/// everything in one transaction — also while the gateway runs.
@Suite("selfcare import")
struct ImportCommandTests {
    func write(_ text: String, in store: TemporaryStore, as name: String = "import.csv") throws -> String {
        let path = store.folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What a refusal must leave as it was: every subscriber, the ledger's size, the audit's size.
    func snapshot(_ store: TemporaryStore) throws -> ([Subscriber], Int, Int) {
        let s = try store.open()
        defer { try? s.close() }
        let subscribers = try s.write { try $0.subscribers(matching: SubscriberQuery(limit: 1000)) }
        return (subscribers, try s.ledgerCount(), try s.auditCount())
    }

    static let subscribers = """
        msisdn,product,lang,birth,status,balance,universal,allowance
        # two new, two changed, one as it is
        06-30-900-0001,prepaid,hu,1990-01-02,,1500,,
        +36309000002,mix,en,,,200,,3000
        36301111111,prepaid,en,,,5000,,
        36303333333,mix,,,,,,5000
        36302222222,postpaid,en,,,,,

        """

    @Test func aDryRunShowsTheDiffAndApplyingDoesIt() throws {
        let store = try TemporaryStore()
        let file = try write(Self.subscribers, in: store)
        let before = try snapshot(store)
        let (dry, diff) = try runSelfcare(["import", "subscribers", file, "--db", store.path])
        #expect(dry == 0, "\(diff)")
        #expect(diff.contains("line 3: + subscriber 36309000001 added prepaid lang=hu birth=1990-01-02 balance=1500"), "\(diff)")
        #expect(diff.contains("line 4: + subscriber 36309000002 added mix lang=en balance=200 allowance=3000"))
        #expect(diff.contains("line 5: ~ subscriber 36301111111 lang hu -> en"))
        #expect(diff.contains("line 6: ~ subscriber 36303333333 allowance 2600 -> 5000"))
        #expect(diff.contains("5 rows: 2 added, 2 changed, 1 unchanged: dry run, nothing applied — run again with --apply"))
        #expect(try snapshot(store) == before)

        let (applied, said) = try runSelfcare(["import", "subscribers", file, "--db", store.path, "--apply", "--account", "billing"])
        #expect(applied == 0 && said.contains("5 rows: 2 added, 2 changed, 1 unchanged: applied"), "\(said)")
        let s = try store.open()
        let (added, mix) = try s.write { tx in
            (try tx.subscriber(MSISDN(canonical: "36309000002")), try tx.subscriber(MSISDN(canonical: "36303333333")))
        }
        #expect(added?.balance == 200 && added?.allowance == 3000 && added?.language == .en)
        #expect(mix?.allowance == 5000)
        #expect(try s.ledgerDiscrepancies().isEmpty)
        let audit = try s.auditEntries(msisdn: nil).last
        #expect(audit?.request == "IMPORT subscribers import.csv" && audit?.account == "billing" && audit?.channel == "cli")
        #expect(audit?.outcome == "ok: 5 rows: 2 added, 2 changed, 1 unchanged")
    }

    @Test func oneBadLineAndNothingIsAppliedEveryBadLineNamed() throws {
        let store = try TemporaryStore()
        let file = try write("""
            msisdn,product,balance
            36309000001,prepaid,100
            36301111111,prepaid,3000
            1234,prepaid,
            36309000010,postpaid,100
            36309000001,prepaid,
            36309000011,gold,

            """, in: store)
        let before = try snapshot(store)
        let (status, output) = try runSelfcare(["import", "subscribers", file, "--db", store.path, "--apply"])
        #expect(status == 1, "\(output)")
        for expected in [
            "line 3: balance 3000 in the file, 5000 in the store: an import does not move an existing subscriber's money (TOPUP, SUB SET)",
            "line 4: msisdn \"1234\": not a mobile number of ours",
            "line 5: a postpaid subscriber has no balance: give it as universal",
            "line 6: 36309000001 is on an earlier line too",
            "line 7: product \"gold\": one of prepaid, postpaid, mix",
            "6 rows: 1 added, 0 changed, 0 unchanged; 5 errors: nothing applied",
        ] {
            #expect(output.contains(expected), "\(expected)\n\(output)")
        }
        #expect(try snapshot(store) == before)

        let broken = try write("msisdn,product\n\"36309000001,prepaid\n", in: store, as: "broken.csv")
        let (refused, why) = try runSelfcare(["import", "subscribers", broken, "--db", store.path, "--apply"])
        #expect(refused == 1 && why.contains("line 2: a quoted field is never closed"), "\(why)")
        let unknown = try write("msisdn,product,colour\n", in: store, as: "unknown.csv")
        let (header, said) = try runSelfcare(["import", "subscribers", unknown, "--db", store.path])
        #expect(header == 1 && said.contains("line 1: unknown column \"colour\""), "\(said)")
        let (empty, nothing) = try runSelfcare(["import", "subscribers", try write("", in: store, as: "empty.csv"), "--db", store.path])
        #expect(empty == 1 && nothing.contains("the file is empty: it needs a header row"), "\(nothing)")
        #expect(try snapshot(store) == before)
    }

    @Test func ratesWhileTheGatewayRunsAndPruneMakesTheFileTheTable() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let file = try write("""
            prefix,price,kind,adult
            0690,350,premium,
            0691,500,premium,yes
            16,150,premium,
            0690,100,premium-mt,
            3699,99,premium,

            """, in: store, as: "rates.csv")
        let (status, output) = try runSelfcare(["import", "rates", file, "--db", store.path, "--prune", "--apply"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("line 2: ~ rate 3690 premium 300 -> 350"), "\(output)")
        #expect(output.contains("line 6: + rate 3699 premium new 99"))
        #expect(output.contains("\n- deleted 3691 premium-mt 250 adult\n"))
        // The running gateway charges the new price at once.
        let network = try server.connect()
        #expect(try network.send("AUTH simulator simulator").last?.hasPrefix("235") == true)
        #expect(try network.send("SMS 36301111111 06901234567 VOTE").last == "250 OK charged 350")
        let ops = try server.operatorConnection()
        let listed = try ops.send("RATE LIST")
        #expect(listed.last == "250 OK 5 rates", "\(listed)")
        server.stop()
    }
}
