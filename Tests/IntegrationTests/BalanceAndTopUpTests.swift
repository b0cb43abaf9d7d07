import Foundation
import LineClient
import Model
import Numbering
import Store
import Testing

@Suite("1730 and TOPUP against the real server")
struct BalanceAndTopUpTests {
    @Test func balanceForEachDemoProduct() throws {
        let store = try TemporaryStore()
        // An English prepaid and Mix, and a Hungarian postpaid, beside the demo ones.
        try store.open().write { tx in
            try tx.addSubscriber(Subscriber(msisdn: MSISDN(canonical: "36306000001"), product: .prepaid, language: .en), pin: PINRecord(hash: nil))
            try tx.post(LedgerEntry(msisdn: MSISDN(canonical: "36306000001"), bucket: .balance, amount: 1_250, kind: .opening, at: 0))
            try tx.addSubscriber(Subscriber(msisdn: MSISDN(canonical: "36306000002"), product: .postpaid), pin: PINRecord(hash: nil))
            try tx.post(LedgerEntry(msisdn: MSISDN(canonical: "36306000002"), bucket: .unbilled, amount: 12_345, kind: .charge, at: 0))
            try tx.addSubscriber(Subscriber(msisdn: MSISDN(canonical: "36306000003"), product: .mix, language: .en), pin: PINRecord(hash: nil))
            try tx.post(LedgerEntry(msisdn: MSISDN(canonical: "36306000003"), bucket: .allowance, amount: 700, kind: .opening, at: 0))
        }
        let server = try ServerProcess(store: store)
        let c = try server.network()

        let prepaid = try c.send("SMS 36301111111 1730 EGYENLEG")
        // 88 characters with á: two UCS-2 parts of a concatenated SMS, one line each.
        #expect(prepaid.count == 3)
        #expect(prepaid[0] == "250-Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. Utolsó ")
        #expect(prepaid[1].hasPrefix("250-vásárlás: "))
        #expect(prepaid[1].hasSuffix(", 300 Ft."))
        #expect(prepaid[2] == "250 OK balance")

        let postpaid = try c.send("SMS +36 30 222 2222 1730 balance".replacingOccurrences(of: " 30 222 2222", with: "302222222"))
        #expect(postpaid[0].hasPrefix("250-Unbilled this month: 3 450 Ft. Last bill ("))
        #expect(postpaid[0].hasSuffix("): 8 990 Ft."))

        #expect(try c.send("SMS 06303333333 1730 ?")[0].hasPrefix("250-Mix keretből még felhasználható: "))
        #expect(try c.send("SMS 36304444444 1730 x")[0] == "250-Egyenleg: 2 000 Ft, univerzális egyenleg: 0 Ft.")
        // A suspended subscription may still ask its balance (§4.8).
        #expect(try c.send("SMS 0036305555555 1730 x")[0] == "250-Egyenleg: 800 Ft, univerzális egyenleg: 0 Ft.")

        #expect(try c.send("SMS 36306000001 1730 x") == ["250-Balance: 1 250 Ft, universal balance: 0 Ft.", "250 OK balance"])
        #expect(try c.send("SMS 36306000002 1730 x")[0] == "250-Aktuális számlaállás: 12 345 Ft. Lezárt számla még nincs.")
        #expect(try c.send("SMS 36306000003 1730 x")[0] == "250-Mix allowance left: 700 Ft. Balance: 0 Ft, universal balance: 0 Ft.")
    }

    @Test func unknownSubscriberGets550AndOtherNumbers554() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let c = try server.network()
        #expect(try c.send("SMS 36309999999 1730 x") == [
            "550-A(z) 36309999999 hívószám nem szerepel az előfizetők között.", "550 Unknown subscriber"])
        #expect(try c.send("SMS 36301111111 4321 x") == [
            "554-A(z) 4321 számon nincs ilyen szolgáltatás.", "554 Refused: unknown destination"])
    }

    @Test func topUpAddsALedgerRowAndRefusalsChangeNothing() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let ops = try server.operatorConnection()
        #expect(try ops.send("TOPUP 06-30-111-1111 1500") == ["250 OK balance 6500"])
        #expect(try ops.send("TOPUP 36302222222 100").last == "554 Refused: postpaid")
        #expect(try ops.send("TOPUP 36309999999 100").last == "550 Unknown subscriber")
        for bad in ["0", "-5", "abc", "1.5", "+100", "99999999999999999999999", "10000001", ""] {
            #expect(try ops.send("TOPUP 36301111111 \(bad)").last?.hasPrefix("501 ") == true, "amount \(bad)")
        }
        #expect(try ops.send("TOPUP 36301111111").last?.hasPrefix("501 ") == true)
        #expect(server.stop() == 0)

        let s = try store.open()
        let msisdn = MSISDN(canonical: "36301111111")
        #expect(try s.write { try $0.subscriber(msisdn) }?.balance == 6_500)
        #expect(try s.write { try $0.subscriber(MSISDN(canonical: "36302222222")) }?.unbilled == 3_450)
        #expect(try s.ledgerDiscrepancies().isEmpty)
        let topups = try s.auditEntries(msisdn: "36301111111").filter { $0.request.hasPrefix("TOPUP") }
        #expect(topups.count == 1)  // the 501s never reached the engine
        #expect(topups[0].account == "ops")
    }

    @Test func anAnsweredTopUpSurvivesKill9() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let ops = try server.operatorConnection()
        #expect(try ops.send("TOPUP 36301111111 777") == ["250 OK balance 5777"])
        server.kill()
        let again = try ServerProcess(store: store)
        let c = try again.network()
        #expect(try c.send("SMS 36301111111 1730 x")[0].hasPrefix("250-Egyenleg: 5 777 Ft,"))
        again.stop()
        #expect(try store.open().ledgerDiscrepancies().isEmpty)
    }

    /// The store's thread commits while the loop reads: an answer must still never
    /// leave before its commit. Two connections stream top-ups; the server is killed
    /// mid-stream; every top-up answered before the kill is in the store.
    @Test func underLoadKill9LosesNoAnsweredTopUp() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let a = try server.operatorConnection()
        let b = try server.operatorConnection()
        let lines = String(repeating: "TOPUP 36301111111 1\r\n", count: 3000)
        try a.write(lines)
        try b.write(lines.replacingOccurrences(of: "36301111111", with: "36303333333"))
        // Some answers in, the rest in flight: kill.
        for _ in 0..<200 { _ = try a.readResponse() }
        server.kill()
        func acknowledged(_ c: LineClient, first: Int) -> (count: Int, last: Int64) {
            var count = first, last: Int64 = 0
            while let line = try? c.readLine() {
                if line.hasPrefix("250 OK balance ") { count += 1; last = Int64(line.dropFirst(15)) ?? last }
            }
            return (count, last)
        }
        let ackA = acknowledged(a, first: 200), ackB = acknowledged(b, first: 0)
        let s = try store.open()
        let balanceA = try s.write { try $0.subscriber(MSISDN(canonical: "36301111111")) }?.balance ?? 0
        let balanceB = try s.write { try $0.subscriber(MSISDN(canonical: "36303333333")) }?.balance ?? 0
        // Committed ≥ answered, and the last balance announced is on disk.
        #expect(balanceA >= 5_000 + Int64(ackA.count))
        #expect(balanceA >= ackA.last)
        #expect(balanceB >= 1_500 + Int64(ackB.count))
        #expect(balanceB >= ackB.last)
        #expect(try s.ledgerDiscrepancies().isEmpty)
    }

    @Test func sigtermAnswersWhatWasReadThenExitsCleanly() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let ops = try server.operatorConnection()
        try ops.write(String(repeating: "TOPUP 36301111111 1\r\n", count: 50))
        // Wait for the first answer so the server has read the batch, then stop it.
        let first = try ops.readResponse()
        #expect(first == ["250 OK balance 5001"])
        kill(server.process.processIdentifier, SIGTERM)
        var answered = 1
        while let line = try ops.readLine() {
            if line.hasPrefix("250 OK balance") { answered += 1 }
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        let s = try store.open()
        let balance = try s.write { try $0.subscriber(MSISDN(canonical: "36301111111")) }?.balance
        // Every answered top-up is in the store, and nothing unanswered was applied.
        #expect(balance == 5_000 + Int64(answered))
        #expect(try s.ledgerDiscrepancies().isEmpty)
        #expect(server.log.contains("stopped: requests served"))
    }

    @Test func aFailedCommitAnswers451AndKeepsNothing() throws {
        let store = try TemporaryStore()
        // Every 2nd commit fails: AUTH commits (1st), the TOPUP's commit fails (2nd).
        let server = try ServerProcess(store: store, environment: ["SELFCARE_FAIL_COMMIT": "2"])
        let ops = try server.operatorConnection()
        #expect(try ops.send("TOPUP 36301111111 100") == ["451 Commit failed, nothing applied; send it again"])
        #expect(try ops.send("TOPUP 36301111111 100") == ["250 OK balance 5100"])
        server.stop()
        let s = try store.open()
        #expect(try s.write { try $0.subscriber(MSISDN(canonical: "36301111111")) }?.balance == 5_100)
        #expect(try s.ledgerDiscrepancies().isEmpty)
    }

    @Test func selfcareSendPrintsTheReply() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let (status, output) = try runSelfcare(
            ["send", "--from", "06301111111", "--to", "1730", "EGYENLEG"],
            environment: ["SELFCARE_SERVER": "127.0.0.1:\(server.port)"])
        #expect(status == 0)
        #expect(output.contains("250-Egyenleg: 5 000 Ft"))
        let (refused, out2) = try runSelfcare(
            ["send", "--from", "36309999999", "--to", "1730", "x", "--server", "127.0.0.1:\(server.port)"])
        #expect(refused != 0)
        #expect(out2.contains("550 Unknown subscriber"))
    }
}
