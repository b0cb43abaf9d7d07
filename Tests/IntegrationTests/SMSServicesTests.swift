import Foundation
import GRDB
import Testing

/// The SMS services through the real server: every refusal leaves balances, ledger,
/// subscriptions, settings and outbox exactly as they were (the audit grows, and a wrong
/// PIN counts), and the ledger invariant holds after money moved.
@Suite("SMS services against the real server")
struct SMSServicesTests {
    /// Everything a refusal must not touch, as text rows.
    static func snapshot(_ store: TemporaryStore) throws -> [String] {
        let db = try store.rawDatabase()
        return try db.read { db in
            var rows: [String] = []
            for sql in [
                "SELECT msisdn, product, status, language, balance, universal_balance, unbilled, allowance FROM subscribers ORDER BY msisdn",
                "SELECT id, msisdn, bucket, amount, kind FROM ledger ORDER BY id",
                "SELECT msisdn, service, fee FROM subscriptions ORDER BY msisdn, service",
                "SELECT msisdn, key, value FROM settings ORDER BY msisdn, key",
                "SELECT id, recipient, text FROM outbox ORDER BY id",
                "SELECT prefix, kind, price FROM rates ORDER BY prefix, kind",
            ] {
                for row in try Row.fetchAll(db, sql: sql) {
                    rows.append(row.description)
                }
            }
            return rows
        }
    }

    @Test func refusalsChangeNothing() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let c = try server.network()
        let before = try Self.snapshot(store)
        let refusals = [
            "SMS 36301111111 777 BLAHBLAH",            // unknown topic
            "SMS 36301111111 777 STOP SPORT",          // not subscribed
            "SMS 36301111111 06303030440 1985.02.30",  // bad date
            "SMS 36301111111 06303030440 -HORO",       // not subscribed
            "SMS 36304444444 0691123456 x",            // adult range, minor
            "SMS 36304444444 06303030440 2099.01.01",  // future birth date
            "SMS 36305555555 777 SPORT",               // suspended
            "SMS 36305555555 0690123456 x",            // suspended
            "SMS 36302222222 1430 HIVJ 06201234567",   // call-me-back: prepaid only
            "SMS 36303333333 1430 TEEN 06301111111",   // Te+ÉN: not for Mix
            "SMS 36301111111 1430 TEEN 06201234567",   // Te+ÉN: not Telekom
            "SMS 36301111111 1430 UTAL 06303333333 90000 11111",  // not enough balance
            "SMS 36301111111 1430 UTAL 06309999999 100 11111",    // not a subscriber
            "SMS 36301111111 1430 PIN 11111 12345 54321",         // new PINs differ
            "SMS 36301111111 1430 VISSZA",             // not suspended
            "SMS 36301111111 1430 EMELT KI",           // already blocked
            "SMS 36301111111 1430 ENGED 90 11111",     // not barred
            "SMS 36301111111 1430 nonsense",           // no rule: help
            "SMS 36301111111 5555 hello",              // unknown destination
            "SMS 36309999999 777 SPORT",               // unknown subscriber
            "MT 0690123456 36309999999 hi",            // unknown subscriber
        ]
        for line in refusals {
            let answer = try c.send(line)
            let last = try #require(answer.last)
            #expect(last.hasPrefix("554 ") || last.hasPrefix("550 "), "\(line): \(answer)")
        }
        #expect(try Self.snapshot(store) == before)
        #expect(try store.open().ledgerDiscrepancies().isEmpty)
    }

    @Test func moneyMovesOnlyWithItsLedgerRows() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let c = try server.network()
        for line in ["SMS 36301111111 777 SPORT", "SMS 36302222222 777 SPORT", "SMS 36301111111 0690123456 x",
                     "SMS 36303333333 13600 x", "SMS 36301111111 1430 EMELT BE 11111", "MT 0690123456 36301111111 x",
                     "SMS 36301111111 1430 UTAL 06303333333 500 11111", "SMS 36301111111 06303030440 19850321"] {
            #expect(try c.send(line).last?.hasPrefix("250 ") == true, "\(line)")
        }
        #expect(try store.open().ledgerDiscrepancies().isEmpty)
        let balance = try c.send("SMS 36301111111 1730 x").joined()
        // 5 000 − 500 (777) − 300 (0690) − 100 (MT) − 500 (UTAL) − 600 (horoscope)
        #expect(balance.contains("Egyenleg: 3 000 Ft"), "\(balance)")
    }

    @Test func threeWrongPINsLockAndTheOwnerIsTold() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let c = try server.network()
        for pin in ["00000", "00001"] {
            #expect(try c.send("SMS 36301111111 1430 SZUNETEL \(pin)").last == "554 Refused: wrong PIN (\(pin == "00000" ? 1 : 2) in a row)")
        }
        let third = try c.send("SMS 36301111111 1430 SZUNETEL 00002")
        #expect(third.last?.hasPrefix("554 Refused: wrong PIN 3 times, PIN locked until") == true)
        #expect(try c.send("SMS 36301111111 1430 SZUNETEL 11111").last == "554 Refused: PIN locked")
        let outbox = try c.send("OUTBOX 36301111111")
        #expect(outbox.contains { $0.contains("zárolva") })
        // Audited, never with the PIN in clear.
        let audit = try store.open().write { try $0.auditEntries(msisdn: "36301111111", since: nil, limit: 10) }
        #expect(audit.contains { $0.entry.outcome.contains("PIN locked") })
        #expect(!audit.contains { $0.entry.request.contains("00002") || $0.entry.request.contains("SZUNETEL 11111") })
    }

    @Test func reloadRefusesABrokenGrammarAndKeepsTheOldOne() throws {
        let store = try TemporaryStore()
        let folder = store.folder + "/grammars"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shipped = repositoryRoot + "/Grammars"
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped) where !name.hasSuffix(".md") {
            try FileManager.default.copyItem(atPath: shipped + "/" + name, toPath: folder + "/" + name)
        }
        let server = try ServerProcess(store: store, arguments: ["--grammars", folder])
        let ops = try server.operatorConnection()
        let grammar = folder + "/sms.grammar"
        let good = try String(contentsOfFile: grammar, encoding: .utf8)
        try (good + "\nservice broken\n  number 1999\n  rule * -> no.such.action\n").write(toFile: grammar, atomically: true, encoding: .utf8)
        let refused = try ops.send("RELOAD")
        #expect(refused.last?.hasPrefix("554 Grammar refused, the previous one stays: \(grammar):") == true, "\(refused)")
        #expect(refused.last?.contains("no.such.action") == true)
        let c = try server.network()
        #expect(try c.send("SMS 36301111111 777 SPORT").last?.hasPrefix("250 ") == true)
        // A fixed grammar with a new keyword is taken.
        try good.replacingOccurrences(of: "rule LISTA | LIST ", with: "rule LISTA | LIST | MINE ")
            .write(toFile: grammar, atomically: true, encoding: .utf8)
        #expect(try ops.send("RELOAD").last?.hasPrefix("250 Grammar reloaded") == true)
        #expect(try c.send("SMS 36301111111 777 mine").last == "250 OK topics SPORT")
        // A misspelt placeholder would reach subscribers as an empty string: refused.
        let messages = folder + "/messages.hu"
        let texts = try String(contentsOfFile: messages, encoding: .utf8)
        try texts.replacingOccurrences(of: "Egyenleg: {balance}", with: "Egyenleg: {balanse}")
            .write(toFile: messages, atomically: true, encoding: .utf8)
        let misspelt = try ops.send("RELOAD")
        #expect(misspelt.last?.hasPrefix("554 Grammar refused, the previous one stays: \(messages):6: `{balanse}` is not filled in for `balance.prepaid`") == true, "\(misspelt)")
        let balance = try c.send("SMS 36301111111 1730 EGYENLEG").first ?? ""
        #expect(balance.hasPrefix("250-Egyenleg: ") && balance.contains(" Ft,"), "the old grammar answers: \(balance)")
        let (status, output) = try runSelfcare(["grammar", "check", folder])
        #expect(status == 1 && output.contains("\(messages):6: `{balanse}` is not filled in for `balance.prepaid` (the engine gives: {balance}, {universal})"), "\(output)")
        let (shippedStatus, shippedOutput) = try runSelfcare(["grammar", "check", shipped])
        #expect(shippedStatus == 0 && shippedOutput.contains(": ok — "), "\(shippedOutput)")
    }
}
