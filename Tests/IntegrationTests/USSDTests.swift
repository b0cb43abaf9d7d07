import Dispatch
import Foundation
import LineClient
import Model
import Numbering
import Store
import Testing

/// USSD and RELEASE against the real server: dialogues kept per subscriber across
/// passes and connections, released, timed out, and left as they were by a failed commit.
@Suite("USSD over the line protocol")
struct USSDTests {
    /// `count` new prepaid subscribers `3630200xxxx` (PIN 12345), added by the operator.
    static func addSubscribers(_ server: ServerProcess, _ count: Int) throws -> [String] {
        let numbers = (0..<count).map { "3630200" + String(format: "%04d", $0) }
        let ops = try server.operatorConnection()
        try ops.write(numbers.map { "SUB ADD \($0) prepaid pin=12345\r\n" }.joined())
        for number in numbers {
            #expect(try ops.readResponse() == ["250 OK subscriber \(number) added"])
        }
        return numbers
    }

    /// The code of the last line and the screen lines before it, without their codes.
    static func split(_ answer: [String]) -> (final: String, screen: [String]) {
        (answer.last ?? "", answer.dropLast().map { String($0.dropFirst(4)) })
    }

    @Test func aDialogueContinuesEndsAndIsReleased() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let c = try server.network()
        let main = try c.send("USSD 36301111111 *1412#")
        #expect(main.first == "251-Telekom 1412")
        #expect(main.last == "251 CONTINUE")
        let five = try c.send("USSD 36301111111 5")
        #expect(five.first == "251-Szerzodéshez kapcsolodo modositasi igények")
        let text = try c.send("USSD 36301111111 2")
        #expect(text.last == "250 END")
        #expect(text.first?.hasPrefix("250-A huségido lejartat") == true)
        // Over: an answer now has no dialogue to go to.
        #expect(try c.send("USSD 36301111111 1").last == "554 Refused: no open dialogue to answer")

        #expect(try c.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        #expect(try c.send("RELEASE 36301111111") == ["250 Released"])
        #expect(try c.send("RELEASE 36301111111") == ["250 No open dialogue"])
        #expect(try c.send("USSD 36301111111 5").last == "554 Refused: no open dialogue to answer")
        // Operators may not use them.
        let ops = try server.operatorConnection()
        #expect(try ops.send("USSD 36301111111 *#21#") == ["530 not permitted for role operator"])
        #expect(try ops.send("RELEASE 36301111111") == ["530 not permitted for role operator"])
    }

    @Test func mmiCodesChangeTheStoreAndEndAtOnce() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let c = try server.network()
        #expect(try c.send("USSD 36301111111 **67*06201234567#") ==
                ["250-Hivasatiranyitas (foglalt) bekapcsolva: +36 20 123 4567", "250 END"])
        #expect(try c.send("USSD 36301111111 *#67#") ==
                ["250-Hivasatiranyitas (foglalt) bekapcsolva: +36 20 123 4567", "250 END"])
        #expect(try c.send("USSD 36301111111 **67*0690123456#") == [
            "554-Emelt dijas szamra (+36 90 123 456) nem iranyithatja at a hivasait.",
            "554 Refused: premium target 3690123456"])
        #expect(try c.send("USSD 36301111111 *100#").last == "554 Refused: no menu for *100#")
        #expect(try c.send("USSD 36309999999 *#67#").last == "550 Unknown subscriber")
        server.stop()
        let settings = try store.open().write { try $0.settings(of: MSISDN(canonical: "36301111111")) }
        #expect(settings["cf.67"] == "on 36201234567")
    }

    @Test func anIdleDialogueIsDroppedAfterTheTimeout() throws {
        let server = try ServerProcess(store: TemporaryStore(), arguments: ["--ussd-timeout", "1"])
        let c = try server.network()
        #expect(try c.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        Thread.sleep(forTimeInterval: 0.4)
        #expect(try c.send("USSD 36301111111 5").last == "251 CONTINUE")
        Thread.sleep(forTimeInterval: 1.6)
        #expect(try c.send("USSD 36301111111 2") ==
                ["554-Nincs nyitott USSD-menü. Kezdje ujra, pl. *1412#", "554 Refused: no open dialogue to answer"])
        // The next code starts afresh.
        #expect(try c.send("USSD 36301111111 *1412#").first == "251-Telekom 1412")
        #expect(try runSelfcare(["serve", "--ussd-timeout", "0"]).0 != 0)
    }

    @Test func aFailedCommitLeavesTheDialogueWhereItWas() throws {
        // Every 3rd commit fails: AUTH (1st), *1412# (2nd), the first "5" (3rd).
        let server = try ServerProcess(store: TemporaryStore(), environment: ["SELFCARE_FAIL_COMMIT": "3"])
        let c = try server.network()
        #expect(try c.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        #expect(try c.send("USSD 36301111111 5") == ["451 Commit failed, nothing applied; send it again"])
        // Sent again, the answer goes to the main menu, not to menu 5.
        let five = try c.send("USSD 36301111111 5")
        #expect(five.first == "251-Szerzodéshez kapcsolodo modositasi igények")
        #expect(try c.send("USSD 36301111111 2").last == "250 END")
    }

    /// RELOAD reads mmi.codes and the menus with the rest; a bad file is refused and the
    /// codes in force stay.
    @Test func reloadPutsNewMenusAndCodesInForce() throws {
        let store = try TemporaryStore()
        let folder = store.folder + "/Grammars"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Grammars", toPath: folder)
        let server = try ServerProcess(store: store, arguments: ["--grammars", folder])
        let c = try server.network()
        let ops = try server.operatorConnection()
        #expect(try c.send("USSD 36301111111 *1412#").first == "251-Telekom 1412")
        let menu = folder + "/menus/1412.menu"
        let text = try String(contentsOfFile: menu, encoding: .utf8)
        try text.replacingOccurrences(of: "code      *1412#", with: "code      *1414#")
            .replacingOccurrences(of: "title     Telekom 1412 | Telekom 1412", with: "title     Telekom 1414 | Telekom 1414")
            .write(toFile: menu, atomically: true, encoding: .utf8)
        #expect(try ops.send("RELOAD").last?.hasPrefix("250 ") == true)
        #expect(try c.send("USSD 36301111111 *1414#").first == "251-Telekom 1414")
        #expect(try c.send("USSD 36301111111 *1412#").last == "554 Refused: no menu for *1412#")
        // A broken mmi.codes: refused, the table in force stays.
        try "forwarding 21 cfu\nforwarding 21 cfu2\n".write(toFile: folder + "/mmi.codes", atomically: true, encoding: .utf8)
        let refused = try ops.send("RELOAD")
        #expect(refused.last?.hasPrefix("554 ") == true && refused.last?.contains("mmi.codes") == true, "\(refused)")
        #expect(try c.send("USSD 36301111111 *#21#").last == "250 END")
    }

    @Test func oneDialoguePerSubscriberWhateverTheConnection() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let a = try server.network()
        let b = try server.network()
        #expect(try a.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        #expect(try b.send("USSD 36301111111 5").first == "251-Szerzodéshez kapcsolodo modositasi igények")
        // A new code replaces it.
        #expect(try a.send("USSD 36301111111 *#21#").last == "250 END")
        #expect(try b.send("USSD 36301111111 1").last == "554 Refused: no open dialogue to answer")
    }

    /// Many subscribers' dialogues pipelined on one connection, in two orders: every
    /// subscriber's first step, then every second step …; and each subscriber's whole
    /// walk in a row. Steps of one pass see what the earlier steps of the pass left.
    @Test func concurrentDialoguesOverOneConnection() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let numbers = try Self.addSubscribers(server, 40)
        let c = try server.network()
        let steps = ["*1412#", "5", "2"]
        for interleaved in [true, false] {
            var order: [(String, Int)] = []
            if interleaved {
                for step in steps.indices { for n in numbers { order.append((n, step)) } }
            } else {
                for n in numbers { for step in steps.indices { order.append((n, step)) } }
            }
            try c.write(order.map { "USSD \($0.0) \(steps[$0.1])\r\n" }.joined())
            for (number, step) in order {
                let (final, screen) = Self.split(try c.readResponse())
                switch step {
                case 0: #expect(final == "251 CONTINUE" && screen.first == "Telekom 1412", "\(number)")
                case 1: #expect(final == "251 CONTINUE" && screen.first == "Szerzodéshez kapcsolodo modositasi igények", "\(number)")
                default: #expect(final == "250 END" && screen.first?.hasPrefix("A huségido") == true, "\(number)")
                }
            }
        }
    }

    @Test func concurrentDialoguesOverManyConnections() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let numbers = try Self.addSubscribers(server, 24)
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: numbers.count) { i in
            let number = numbers[i]
            do {
                let c = try server.network()
                for round in 0..<3 {
                    let main = try c.send("USSD \(number) *1412#")
                    let one = try c.send("USSD \(number) 1")
                    // 1.8 asks a number; answer it with the next subscriber's number.
                    let prompt = try c.send("USSD \(number) 8")
                    let sent = try c.send("USSD \(number) \(numbers[(i + 1) % numbers.count])")
                    let ok = main.last == "251 CONTINUE" && one.first == "251-Önkiszolgalo ügyfélszolgalat"
                        && prompt.last == "251 CONTINUE" && sent.last == "250 END"
                        && sent.first?.contains(numbers[(i + 1) % numbers.count]) == true
                    if !ok { failures.add("\(number) round \(round): \(main) \(one) \(prompt) \(sent)") }
                }
            } catch {
                failures.add("\(number): \(error)")
            }
        }
        #expect(failures.list.isEmpty, "\(failures.list)")
        // Every call-me-back SMS is in the outbox, three for each target.
        let c = try server.network()
        let outbox = try c.send("OUTBOX")
        #expect(outbox.last == "250 OK \(numbers.count * 3) messages")
    }
}

/// Failures collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var list: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
