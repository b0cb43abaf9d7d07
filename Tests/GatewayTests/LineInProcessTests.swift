import Foundation
import GatewayTesting
import Model
import Store
import Testing

/// The line protocol through the real pipeline, engine and store, in process (socket
/// pairs, no port): greeting, AUTH, roles, bad input, pipelining.
@Suite("Line protocol, in process")
struct LineServerTests {
    @Test func greetsAndAnswersPingHelpAndQuitBeforeAuth() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        #expect(c.greeting.hasPrefix("220 "))
        #expect(try c.send("PING") == ["250 PONG"])
        #expect(try c.send("ping") == ["250 PONG"])
        let help = try c.send("HELP")
        #expect(help.last == "250 End of HELP")
        #expect(help.contains("250-AUTH <account> <password>"))
        #expect(!help.contains { $0.contains("SMS") })
        #expect(try c.send("QUIT") == ["221 Bye"])
        #expect(try c.readLine() == nil)
    }

    @Test func commandsBeforeAuthGet530AndChangeNothing() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        #expect(try c.send("SMS 36301111111 1730 EGYENLEG").last?.hasPrefix("530 ") == true)
        #expect(try c.send("TOPUP 36301111111 100").last?.hasPrefix("530 ") == true)
        // Malformed, but the first thing to tell a stranger is to log in.
        #expect(try c.send("TOPUP 36301111111 abc") == ["530 authentication required"])
        app.stop()
        let s = try app.openStore()
        #expect(try s.write { try $0.subscriber(.init(canonical: "36301111111")) }?.balance == 5_000)
    }

    @Test func authSucceedsAndFailsWithTheRightCodes() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        #expect(try c.send("AUTH simulator wrong").last?.hasPrefix("535 ") == true)
        let c2 = try app.lineClient()
        #expect(try c2.send("AUTH nobody simulator").last?.hasPrefix("535 ") == true)
        let c3 = try app.lineClient()
        #expect(try c3.send("auth simulator simulator") == ["235 Authenticated as simulator (network)"])
        let help = try c3.send("HELP")
        #expect(help.contains("250-SMS <from-msisdn> <to-number> <text>"))
        #expect(!help.contains { $0.contains("TOPUP") })
    }

    @Test func rolesAreEnforced() throws {
        let app = try TestGateway()
        let network = try app.network()
        #expect(try network.send("TOPUP 36301111111 100") == ["530 not permitted for role network"])
        let ops = try app.operatorClient()
        #expect(try ops.send("SMS 36301111111 1730 x") == ["530 not permitted for role operator"])
    }

    @Test func repeatedAuthFailuresSlowDownAndThenClose() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        // Five guesses in one write: the first is checked, the rest fall in the wait.
        try c.write(String(repeating: "AUTH simulator guess\r\n", count: 5))
        let lines = try c.readToEnd()
        #expect(lines.count == 6)
        #expect(lines[0] == "535 Authentication failed")
        #expect(lines[1...4].allSatisfy { $0.hasPrefix("535 Too many failures") })
        #expect(lines[5] == "421 Too many authentication failures, closing")
    }

    @Test func badInputGetsClearErrorsAndTheConnectionStaysUsable() throws {
        let app = try TestGateway()
        let c = try app.network()
        #expect(try c.send("FROB x") == ["500 unknown command"])
        #expect(try c.send("SMS 36301111111").last?.hasPrefix("501 ") == true)
        #expect(try c.send("SMS 36301111111 1730").last?.hasPrefix("501 ") == true)
        #expect(try c.send("SMS 3630abc 1730 x").last?.hasPrefix("501 ") == true)
        #expect(try c.send("SMS 12 1730 x").last?.hasPrefix("501 ") == true)
        #expect(try c.send("SMS 36301111111 abc x").last?.hasPrefix("501 ") == true)
        #expect(try c.send("PING extra").last?.hasPrefix("501 ") == true)
        try c.write(String(repeating: "A", count: 5000) + "\r\n")
        #expect(try c.readResponse() == ["500 line too long"])
        try c.write([0x53, 0x4D, 0x53, 0x20, 0xC3, 0x28, 0x0A])  // "SMS " + invalid UTF-8
        #expect(try c.readResponse() == ["501 invalid UTF-8"])
        try c.write([0x50, 0x49, 0x00, 0x4E, 0x47, 0x0A])  // "PI\0NG"
        #expect(try c.readResponse() == ["501 NUL byte in line"])
        #expect(try c.send("PING") == ["250 PONG"])
    }

    @Test func aLineTooLongArrivingInPiecesIsDiscardedWhole() throws {
        let app = try TestGateway()
        let c = try app.network()
        for _ in 0..<5 {
            try c.write(String(repeating: "x", count: 3000))
            app.pause(0.02)
        }
        try c.write("\nPING\n")
        #expect(try c.readResponse() == ["500 line too long"])
        #expect(try c.readResponse() == ["250 PONG"])
    }

    @Test func hundredPipelinedRequestsAreAnsweredInOrder() throws {
        let app = try TestGateway()
        let c = try app.operatorClient()
        var batch = ""
        for i in 1...100 {
            batch += i % 10 == 0 ? "PING\r\n" : "TOPUP 36301111111 \(i)\r\n"
        }
        try c.write(batch)
        var balance: Int64 = 5_000
        for i in 1...100 {
            let answer = try c.readResponse()
            if i % 10 == 0 {
                #expect(answer == ["250 PONG"])
            } else {
                balance += Int64(i)
                #expect(answer == ["250 OK balance \(balance)"])
            }
        }
    }

    @Test func idleConnectionsAreClosed() throws {
        let app = try TestGateway { line, _ in line.idleTimeout = 1 }
        let c = try app.lineClient()
        let start = Date()
        #expect(try c.readLine() == "421 Idle for 1 s, closing")
        #expect(try c.readLine() == nil)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func connectionsBeyondTheLimitGet421() throws {
        let app = try TestGateway { line, _ in line.maxConnections = 2 }
        let a = try app.lineClient()
        let b = try app.lineClient()
        let c = try app.lineClient()
        #expect(c.greeting.hasPrefix("421 "))
        #expect(try a.send("PING") == ["250 PONG"])
        #expect(try b.send("PING") == ["250 PONG"])
    }

    @Test func aHalfClosedClientStillGetsItsAnswers() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        try c.write("AUTH simulator simulator\nSMS 36301111111 1730 EGYENLEG\nPING")  // no final LF
        c.shutdownWrite()
        let lines = try c.readToEnd()
        #expect(lines.first?.hasPrefix("235 ") == true)
        #expect(lines.contains("250 OK balance"))
        #expect(lines.last == "250 PONG")
    }
}

@Suite("Edge cases of the line server, in process")
struct LineServerEdgeTests {
    @Test func aPipelinedAuthCountsForTheLinesAfterIt() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        try c.write("AUTH ops ops\r\nTOPUP 36301111111 0\r\n")
        #expect(try c.readResponse().last?.hasPrefix("235 ") == true)
        #expect(try c.readResponse().last?.hasPrefix("501 ") == true)
    }

    @Test func nothingRunsAfterTheClosing421() throws {
        let app = try TestGateway()
        let c = try app.operatorClient()
        // Five failures in one write close the connection; the TOPUP after them must not run.
        try c.write(String(repeating: "AUTH ops wrong\r\n", count: 5) + "TOPUP 36301111111 100\r\n")
        let lines = try c.readToEnd()
        #expect(lines.last == "421 Too many authentication failures, closing")
        #expect(!lines.contains { $0.hasPrefix("250") })
        app.stop()
        #expect(try app.openStore().write { try $0.subscriber(.init(canonical: "36301111111")) }?.balance == 5_000)
    }

    @Test func aFailedAuthEndsAnEarlierLogin() throws {
        let app = try TestGateway()
        let c = try app.operatorClient()
        #expect(try c.send("AUTH ops wrong") == ["535 Authentication failed"])
        #expect(try c.send("TOPUP 36301111111 1") == ["530 authentication required"])
    }

    @Test func theRightPasswordWorksOnceTheWaitIsOver() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        #expect(try c.send("AUTH simulator wrong") == ["535 Authentication failed"])
        // Sent during the 1 s wait, read when it ends, checked for real.
        #expect(try c.send("AUTH simulator simulator") == ["235 Authenticated as simulator (network)"])
    }

    @Test func shutdownTellsIdleConnectionsWhy() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        #expect(try c.send("PING") == ["250 PONG"])
        app.stop()
        #expect(try c.readLine() == "421 Shutting down")
        #expect(try c.readLine() == nil)
    }
}
