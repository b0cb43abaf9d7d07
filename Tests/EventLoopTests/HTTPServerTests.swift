import EventLoop
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

@Suite("libevent's HTTP server on the loop", .serialized)
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
            for (i, path) in ["/a", "/b"].enumerated() {
                run(loop) { got.requests.count == 2 * round + i + 1 }
                let request = try #require(got.requests.last)
                #expect(request.path == path)
                server.respond(to: request.id, with: .text(200, "\(path) \(round)"))
            }
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

    @Test func aBadAddressIsRefused() throws {
        let loop = try EventLoop()
        #expect(throws: EventLoopError.self) { try HTTPServer(loop: loop, address: "nonsense") { _ in } }
        #expect(throws: EventLoopError.self) { try HTTPServer(loop: loop, address: "127.0.0.1:99999") { _ in } }
    }
}
