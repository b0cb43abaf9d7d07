import EventLoop
import HTTP
import Testing

@Suite("libevent's HTTP client on the loop", .serialized)
struct HTTPClientTests {
    /// Runs the loop until `done` or 5 s.
    func run(_ loop: EventLoop, until done: () -> Bool) {
        let deadline = loop.now + 5
        let wake = LoopTimer(loop: loop) {}
        wake.schedule(after: 0.01, repeating: true)
        while !done(), loop.now < deadline { loop.runOnce() }
        wake.cancel()
    }

    @Test func getsFromAServerOnTheSameLoopWithoutBlocking() throws {
        let loop = try EventLoop()
        var seen: [HTTPRequest] = []
        var server: HTTPServer!
        server = try HTTPServer(loop: loop, address: "127.0.0.1:0") { request in
            seen.append(request)
            let accepted = request.query["to"] == "36301111111"
            server.respond(to: request.id, with: .text(accepted ? 202 : 400, accepted ? "0: Accepted for delivery" : "bad"))
        }
        let client = try HTTPClient(loop: loop, host: "127.0.0.1", port: UInt16(server.port), connections: 2)
        var answers: [Int: HTTPClient.Response] = [:]
        #expect(client.get("/cgi-bin/sendsms?to=36301111111&text=%C3%A1") { answers[1] = $0 })
        #expect(client.get("/cgi-bin/sendsms?to=x") { answers[2] = $0 })
        // Two connections, both busy: a third request must wait for one of them.
        #expect(!client.get("/third") { _ in Issue.record("never sent, never answered") })
        #expect(client.inFlight == 2)
        // The completion never runs inside get(): nothing yet.
        #expect(answers.isEmpty)
        run(loop) { answers.count == 2 }
        #expect(answers[1]?.status == 202)
        #expect(answers[1]?.text == "0: Accepted for delivery")
        #expect(answers[2]?.status == 400)
        #expect(seen.map(\.query["text"]) == ["á", nil])
        #expect(seen.allSatisfy { $0.headers["Host"] == "127.0.0.1:\(server.port)" })
        #expect(client.inFlight == 0)

        // The connections are kept alive and used again.
        var again: HTTPClient.Response?
        #expect(client.get("/again?to=36301111111") { again = $0 })
        run(loop) { again != nil }
        #expect(again?.status == 202)
        #expect(server.openConnections <= 2)
    }

    @Test func noServerIsStatusZeroAndTheConnectionServesAgainLater() throws {
        let loop = try EventLoop()
        // A port that was free a moment ago: nothing listens there.
        let port: UInt16
        do {
            let probe = try HTTPServer(loop: loop, address: "127.0.0.1:0") { _ in }
            port = UInt16(probe.port)
            probe.close()
        }
        let client = try HTTPClient(loop: loop, host: "127.0.0.1", port: port, connections: 1, timeout: 2)
        var answer: HTTPClient.Response?
        #expect(client.get("/x") { answer = $0 })
        run(loop) { answer != nil }
        #expect(answer?.status == 0)
        #expect(client.inFlight == 0)
        #expect(client.hasIdleConnection)

        // Now something listens there: the same client gets through.
        var server: HTTPServer!
        server = try HTTPServer(loop: loop, address: "127.0.0.1:\(port)") { server.respond(to: $0.id, with: .text(200, "Sent.")) }
        answer = nil
        #expect(client.get("/x") { answer = $0 })
        run(loop) { answer != nil }
        #expect(answer?.status == 200)
        #expect(answer?.text == "Sent.")
    }
}
