import GatewayTesting
import Model
import Numbering
import Store
import Testing

/// The transports over the one pipeline, in process: what the line protocol and the HTTP
/// front read together commits together, fails together, and shares USSD state.
@Suite("One pipeline for every transport, in process")
struct PipelineInProcessTests {
    static let simulator = [("Authorization", "Basic c2ltdWxhdG9yOnNpbXVsYXRvcg==")]  // simulator:simulator
    let prepaid = MSISDN(canonical: "36301111111")

    @Test func lineAndHTTPRequestsReadInOnePassShareOneCommit() throws {
        let app = try TestGateway()
        let ops = try app.operatorClient()
        let web = try app.httpClient()
        // Credentials proved once, so the next HTTP request needs no password check.
        #expect(try web.request("GET", "/kannel/sms?from=36301111111&to=1730&text=x", headers: Self.simulator).status == 200)
        let before = app.gateway.pipeline.stats
        // Both arrive before the loop runs: one pass reads them, one batch carries them.
        try ops.write("TOPUP 36301111111 100\r\n")
        try web.send("GET", "/kannel/sms?from=36301111111&to=1730&text=EGYENLEG", headers: Self.simulator)
        #expect(try ops.readResponse() == ["250 OK balance 5100"])
        // Which of the two runs first in the batch is not defined (two connections).
        let answer = try web.receive()
        #expect(answer.status == 200)
        #expect(answer.text.contains("5 100 Ft") || answer.text.contains("5 000 Ft"))
        let after = app.gateway.pipeline.stats
        #expect(after.commits == before.commits + 1)
        #expect(after.commits(.line) == before.commits(.line) + 1)
        #expect(after.commits(.http) == before.commits(.http) + 1)
        #expect(after.largestBatch >= 2)
    }

    @Test func aFailedCommitRefusesEveryTransportsRequestsAndKeepsNothing() throws {
        // Every 3rd transaction fails: the two logins commit, the batch after fails.
        let app = try TestGateway(failEveryNthCommit: 3)
        let ops = try app.operatorClient()
        let web = try app.httpClient()
        #expect(try web.request("GET", "/kannel/sms?from=36301111111&to=1730&text=x", headers: Self.simulator).status == 200)
        try ops.write("TOPUP 36301111111 100\r\nPING\r\n")
        try web.send("GET", "/kannel/sms?from=36301111111&to=0690123456&text=VOTE", headers: Self.simulator)
        #expect(try ops.readResponse() == ["451 Commit failed, nothing applied; send it again"])
        #expect(try ops.readResponse() == ["250 PONG"])
        let refused = try web.receive()
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        // Sent again, both go through (the 4th and 5th transactions).
        #expect(try ops.send("TOPUP 36301111111 100") == ["250 OK balance 5100"])
        app.stop()
        let store = try app.openStore()
        #expect(try store.write { try $0.subscriber(prepaid) }?.balance == 5_100)
        let requests = try store.auditEntries(msisdn: "36301111111").map(\.request)
        #expect(requests.filter { $0.hasPrefix("TOPUP") } == ["TOPUP 36301111111 100"])
        #expect(!requests.contains { $0.contains("VOTE") })
    }

    @Test func aUSSDDialogueOpenedOnTheLineContinuesOverHTTP() throws {
        let app = try TestGateway()
        let sim = try app.network()
        // On the line alone: the code, then the answer 1.
        #expect(try sim.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        let onLine = try sim.send("USSD 36301111111 1")
        #expect(try sim.send("RELEASE 36301111111") == ["250 Released"])
        // Opened on the line again, answered through the USSD callback: the callback's
        // request carries the answers so far, and continues the dialogue the line opened
        // (the registry is the pipeline's, shared by every transport).
        #expect(try sim.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        let form = "sessionId=s1&serviceCode=*1412%23&phoneNumber=36301111111&text=1"
        let next = try app.http("POST", "/ussd", headers: Self.simulator + [("Content-Type", "application/x-www-form-urlencoded")],
                                body: form)
        #expect(next.status == 200)
        // The line shows the screen one line per line of text, then the verdict.
        let screen = onLine.dropLast().map { String($0.dropFirst(4)) }.joined(separator: "\n")
        let prefix = onLine.last == "251 CONTINUE" ? "CON " : "END "
        #expect(next.text == prefix + screen)
    }

    @Test func stoppingAnswersEverythingReadThenSaysWhy() throws {
        let app = try TestGateway()
        let ops = try app.operatorClient()
        try ops.write(String(repeating: "TOPUP 36301111111 1\r\n", count: 200))
        app.pause(0.05)
        app.stop()
        let lines = try ops.readToEnd()
        let executed = lines.filter { $0.hasPrefix("250 OK balance") }
        let notExecuted = lines.filter { $0 == "421 Shutting down, not executed" }
        #expect(executed.count + notExecuted.count == 200)
        #expect(lines.last == "421 Shutting down")
        let store = try app.openStore()
        #expect(try store.write { try $0.subscriber(prepaid) }?.balance == 5_000 + Int64(executed.count))
    }
}

@Suite("Requests held behind an AUTH, in process")
struct HeldBehindAuthTests {
    /// Lines after an AUTH wait for its outcome; a client that sends far more than the
    /// hold keeps (1 024 requests) is not read further meanwhile, and every line is still
    /// answered, in order, once the AUTH has answered.
    @Test func aFloodAfterAnAuthIsAnsweredInOrder() throws {
        let app = try TestGateway()
        let c = try app.lineClient()
        let count = 20_000
        try c.write("AUTH ops ops\r\n" + String(repeating: "TOPUP 36301111111 1\r\nPING\r\n", count: count / 2))
        #expect(try c.readResponse() == ["235 Authenticated as ops (operator)"])
        var balance: Int64 = 5_000
        for i in 0..<count {
            let answer = try c.readResponse(timeout: 20)
            if i % 2 == 0 {
                balance += 1
                #expect(answer == ["250 OK balance \(balance)"])
            } else {
                #expect(answer == ["250 PONG"])
            }
            if answer.first?.hasPrefix("250") != true { break }
        }
    }
}
