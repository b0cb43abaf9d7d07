import EventLoop
import HTTP
import Foundation
import Testing
import TestSupport

@Suite("Query and form decoding")
struct FormDecodingTests {
    @Test func aQueryIsSplitDecodedAndKeptInOrder() {
        let r = HTTPRequest(id: 1, method: "GET", uri: "/kannel/sms?from=%2B36301111111&to=1730&text=EGYENLEG+most&text=second")
        #expect(r.path == "/kannel/sms")
        #expect(r.query["from"] == "+36301111111")
        #expect(r.query["to"] == "1730")
        #expect(r.query["text"] == "EGYENLEG most")  // the first of a repeated name
        #expect(r.query.pairs.count == 4)
        #expect(!r.query.hadMalformedPairs)
    }

    @Test func utf8EscapesDecodeAndBrokenOnesAreReported() {
        let ok = HTTPParameters(decodingForm: "text=%C3%A1rv%C3%ADzt%C5%B1r%C5%91&empty=&bare")
        #expect(ok["text"] == "árvíztűrő")
        #expect(ok["empty"] == "")
        #expect(ok["bare"] == "")
        for broken in ["text=%", "text=%4", "text=%zz", "text=%C3", "text=%FF"] {
            let p = HTTPParameters(decodingForm: broken)
            #expect(p.hadMalformedPairs, "\(broken)")
            #expect(p["text"] == nil, "\(broken)")
        }
    }

    @Test func thePathKeepsPlusAndDropsTheFragment() {
        let r = HTTPRequest(id: 1, method: "GET", uri: "/a+b%20c?x=1#frag")
        #expect(r.path == "/a+b c")
        #expect(r.query["x"] == "1")
        #expect(HTTPRequest(id: 1, method: "GET", uri: "/%ZZ").path == nil)
    }

    @Test func theMediaTypeIgnoresParametersAndCase() {
        let r = HTTPRequest(id: 1, method: "POST", uri: "/",
                            headers: HTTPHeaders([("content-type", "Application/X-WWW-Form-Urlencoded; charset=UTF-8")]))
        #expect(r.mediaType == "application/x-www-form-urlencoded")
        #expect(r.headers["Content-Type"] != nil)
    }
}

@Suite("The HTTP server on the loop", .serialized)
struct HTTPServerTests {
    /// A server whose handler only collects requests: the test answers them.
    final class Collector {
        var requests: [HTTPRequest] = []
    }

    func start(_ loop: EventLoop, _ collector: Collector, maxBody: Int = 64 << 10) throws -> HTTPServer {
        try HTTPServer(loop: loop, address: "127.0.0.1:0", maxBodySize: maxBody) { collector.requests.append($0) }
    }

    @Test func aRequestIsAnsweredLaterInThePassWithHeadersAndBody() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        #expect(server.port > 0)
        #expect(server.boundAddress == "127.0.0.1:\(server.port)")

        let client = try HTTPTestClient(port: server.port)
        try client.send("POST", "/x/y?q=1", headers: [("Content-Type", "text/plain"), ("X-Test", "yes")], body: Array("hello".utf8))
        run(loop) { !got.requests.isEmpty }
        let request = try #require(got.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/x/y")
        #expect(request.query["q"] == "1")
        #expect(request.headers["x-test"] == "yes")
        #expect(request.body == Array("hello".utf8))
        #expect(request.peer.hasPrefix("127.0.0.1:"))
        #expect(server.inFlight == 1)

        server.respond(to: request.id, with: .text(201, "made", headers: [("X-Reply", "1")]))
        #expect(server.inFlight == 0)
        // A second answer to the same request is ignored.
        server.respond(to: request.id, with: .text(500, "again"))
        run(loop) { !server.isBusy }
        let response = try client.receive()
        #expect(response.status == 201)
        #expect(response.text == "made")
        #expect(response.header("X-Reply") == "1")
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")

        // Keep-alive: the same connection serves a second request.
        try client.send("GET", "/again")
        run(loop) { got.requests.count == 2 }
        server.respond(to: got.requests[1].id, with: .text(200, "second"))
        run(loop) { !server.isBusy }
        #expect(try client.receive().text == "second")
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWithoutWaitingForTheClientsACK() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let client = try HTTPTestClient(port: server.port)
        // With Nagle's algorithm on, the second answer of each pair waited for the client's
        // delayed ACK of the first (40 ms on Linux): 20 pairs took over 0.8 s.
        let started = Date()
        for round in 0..<20 {
            try client.write(Array("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            run(loop) { got.requests.count == 2 * round + 2 }
            let (a, b) = (got.requests[2 * round], got.requests[2 * round + 1])
            #expect(a.path == "/a")
            #expect(b.path == "/b")
            // Answered out of order, written in order: /b waits for /a.
            server.respond(to: b.id, with: .text(200, "/b \(round)"))
            server.respond(to: a.id, with: .text(200, "/a \(round)"))
            run(loop) { !server.isBusy }
            #expect(try client.receive().text == "/a \(round)")
            #expect(try client.receive().text == "/b \(round)")
        }
        #expect(Date().timeIntervalSince(started) < 0.4)
    }

    @Test func aClientGoneBeforeItsAnswerCostsNothing() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let leaving = try HTTPTestClient(port: server.port)
        try leaving.send("GET", "/slow")
        run(loop) { !got.requests.isEmpty }
        leaving.close()
        run(loop, seconds: 0.2) { false }
        // The answer to a client that left is dropped, whether libevent noticed yet or not.
        server.respond(to: got.requests[0].id, with: .text(200, "too late"))
        run(loop, seconds: 0.2) { false }
        #expect(server.inFlight == 0)

        let staying = try HTTPTestClient(port: server.port)
        try staying.send("GET", "/fine")
        run(loop) { got.requests.count == 2 }
        server.respond(to: got.requests[1].id, with: .text(200, "fine"))
        run(loop) { !server.isBusy }
        #expect(try staying.receive().text == "fine")
        run(loop, seconds: 0.2) { server.openConnections == 1 }
        #expect(server.openConnections == 1)
    }

    @Test func aBodyOverTheLimitGets413AndNeverReachesTheHandler() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got, maxBody: 1024)
        let client = try HTTPTestClient(port: server.port)
        try client.send("POST", "/big", body: [UInt8](repeating: 0x61, count: 4096))
        var response: HTTPTestClient.Response?
        run(loop, seconds: 0.3) { false }
        response = try client.receive()
        #expect(response?.status == 413)
        #expect(got.requests.isEmpty)
    }

    @Test func closingDropsWhatIsUnansweredAndStopsListening() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let client = try HTTPTestClient(port: server.port)
        try client.send("GET", "/pending")
        run(loop) { !got.requests.isEmpty }
        server.stopAccepting()
        #expect(throws: (any Error).self) { try HTTPTestClient(port: server.port, timeout: 1) }
        server.close()
        #expect(server.inFlight == 0)
        #expect(client.isClosedByServer())
        // Answering after close is harmless.
        server.respond(to: got.requests[0].id, with: .text(200, "late"))
    }

    @Test func aHeadRefusedByTheCheckIsAnsweredBeforeItsBodyIsSent() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        server.headCheck = { head in head.uri == "/refuse" ? .text(401, "who are you\n") : nil }
        let client = try HTTPTestClient(port: server.port)
        // The head announces a megabyte; not a byte of it is sent.
        try client.write(Array("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n".utf8))
        run(loop, seconds: 0.3) { false }
        #expect(server.openConnections == 0)
        let response = try client.receive()
        #expect(response.status == 401)
        #expect(response.text == "who are you\n")
        #expect(response.header("Connection") == "close")
        #expect(got.requests.isEmpty)
        try? client.write([UInt8](repeating: 0x61, count: 10_000))  // read and dropped
        run(loop, seconds: 0.3) { false }
        #expect(client.isClosedByServer())
    }

    @Test func connectionsOverTheLimitGet503AndTheOthersAreServed() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try HTTPServer(loop: loop, address: "127.0.0.1:0", maxConnections: 2) { got.requests.append($0) }
        let first = try HTTPTestClient(port: server.port)
        let second = try HTTPTestClient(port: server.port)
        run(loop, seconds: 0.3) { server.openConnections == 2 }
        let third = try HTTPTestClient(port: server.port)
        run(loop, seconds: 0.3) { server.refusedConnections == 1 }
        let refused = try third.receive()
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        #expect(third.isClosedByServer())
        try first.send("GET", "/a")
        try second.send("GET", "/b")
        run(loop) { got.requests.count == 2 }
        for request in got.requests { server.respond(to: request.id, with: .text(200, request.path ?? "")) }
        run(loop) { !server.isBusy }
        #expect(try first.receive().text == "/a")
        #expect(try second.receive().text == "/b")
        // A closed connection frees its place.
        first.close()
        run(loop, seconds: 1) { server.openConnections == 1 }
        let fourth = try HTTPTestClient(port: server.port)
        try fourth.send("GET", "/d")
        run(loop) { got.requests.count == 3 }
        server.respond(to: got.requests[2].id, with: .text(200, "d"))
        run(loop) { !server.isBusy }
        #expect(try fourth.receive().status == 200)
    }

    @Test func expectContinueGets100BeforeTheBody() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let client = try HTTPTestClient(port: server.port)
        try client.write(Array("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n".utf8))
        run(loop, seconds: 0.3) { false }
        #expect(try client.receive(head: true).status == 100)
        try client.write(Array("hello".utf8))
        run(loop) { !got.requests.isEmpty }
        #expect(got.requests.first?.body == Array("hello".utf8))
    }

    @Test func headGetsTheHeadersOfTheBodyAndTheConnectionGoesOn() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let client = try HTTPTestClient(port: server.port)
        try client.send("HEAD", "/h")
        run(loop) { !got.requests.isEmpty }
        server.respond(to: got.requests[0].id, with: .text(200, "three"))
        run(loop) { !server.isBusy }
        let head = try client.receive(head: true)
        #expect(head.header("Content-Length") == "5")
        try client.send("GET", "/g")
        run(loop) { got.requests.count == 2 }
        server.respond(to: got.requests[1].id, with: .text(200, "get"))
        run(loop) { !server.isBusy }
        #expect(try client.receive().text == "get")
    }

    @Test func anHTTP10RequestIsAnsweredThenClosed() throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let client = try HTTPTestClient(port: server.port)
        try client.write(Array("GET /old HTTP/1.0\r\n\r\n".utf8))
        run(loop) { !got.requests.isEmpty }
        server.respond(to: got.requests[0].id, with: .text(200, "bye"))
        run(loop, seconds: 0.3) { false }
        let response = try client.receive()
        #expect(response.text == "bye")
        #expect(response.header("Connection") == "close")
        #expect(client.isClosedByServer())
    }

    @Test("bad requests get their status and a close", arguments: [
        ("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("GET / HTTP/2.0\r\n\r\n", 505),
    ])
    func badRequests(input: String, status: Int) throws {
        let loop = try EventLoop()
        let got = Collector()
        let server = try start(loop, got)
        let client = try HTTPTestClient(port: server.port)
        try client.write(Array(input.utf8))
        run(loop, seconds: 0.3) { false }
        let response = try client.receive()
        #expect(response.status == status)
        #expect(response.header("Connection") == "close")
        #expect(client.isClosedByServer())
        #expect(got.requests.isEmpty)
    }

    @Test func aBadAddressIsRefused() throws {
        let loop = try EventLoop()
        #expect(throws: EventLoopError.self) { try HTTPServer(loop: loop, address: "nonsense") { _ in } }
        #expect(throws: EventLoopError.self) { try HTTPServer(loop: loop, address: "127.0.0.1:99999") { _ in } }
    }
}
