import HTTP
import Testing

/// What the decoder reported, in a form tests can compare.
enum Seen: Equatable, CustomStringConvertible {
    case head(String, String)
    case request(String, String, body: String)
    case failure(Int)

    var description: String {
        switch self {
        case .head(let m, let u): return "head(\(m) \(u))"
        case .request(let m, let u, let body): return "request(\(m) \(u), \(body.count) bytes)"
        case .failure(let status): return "failure(\(status))"
        }
    }
}

/// Feeds `input` to a decoder in pieces of `piece` bytes, keeping what it did not consume
/// as a server's buffer does; returns the events and the bytes left unconsumed.
func decode(_ input: String, piece: Int = .max, maxBody: Int = 64 << 10,
            configure: (inout HTTPRequestDecoder) -> Void = { _ in }) -> (events: [Seen], heads: [HTTPRequestHead], left: Int) {
    var decoder = HTTPRequestDecoder(maxBodyBytes: maxBody)
    configure(&decoder)
    let bytes = Array(input.utf8)
    var buffer: [UInt8] = []
    var events: [Seen] = []
    var heads: [HTTPRequestHead] = []
    var index = 0
    repeat {
        let end = min(bytes.count, index + min(piece, bytes.count))
        buffer += bytes[index..<end]
        index = end
        let used = buffer.withUnsafeBytes { raw in
            decoder.decode(raw) { event in
                switch event {
                case .head(let h): events.append(.head(h.method, h.uri)); heads.append(h)
                case .request(let h, let body): events.append(.request(h.method, h.uri, body: String(decoding: body, as: UTF8.self)))
                case .failure(let e): events.append(.failure(e.status))
                }
                return .read
            }
        }
        buffer.removeFirst(used)
    } while index < bytes.count
    return (events, heads, buffer.count)
}

@Suite("HTTP request decoder, byte by byte")
struct HTTPRequestDecoderTests {
    static let get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    @Test("the same events whatever the pieces", arguments: [1, 2, 3, 7, 64, Int.max])
    func piecesDoNotMatter(piece: Int) {
        let input = Self.get
            + "POST /kannel/sms?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"
            + "PUT /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n"
        let result = decode(input, piece: piece)
        #expect(result.events == [
            .head("GET", "/healthz"), .request("GET", "/healthz", body: ""),
            .head("POST", "/kannel/sms?x=1"), .request("POST", "/kannel/sms?x=1", body: "hello world"),
            .head("PUT", "/a"), .request("PUT", "/a", body: "hello world"),
        ])
        #expect(result.left == 0)
    }

    @Test func headersAreKeptInOrderWithTheirValuesTrimmed() throws {
        let result = decode("GET / HTTP/1.1\r\nHost: x\r\nX-A:  one \t\r\nx-a: two\r\nAuthorization: Basic b3BzOm9wcw==\r\n\r\n")
        let head = try #require(result.heads.first)
        #expect(head.headers.fields.map(\.name) == ["Host", "X-A", "x-a", "Authorization"])
        #expect(head.headers["x-a"] == "one")
        #expect(head.headers["authorization"] == "Basic b3BzOm9wcw==")
        #expect(head.minorVersion == 1)
        #expect(head.keepAlive)
        #expect(head.body == .none)
    }

    @Test func bareLineFeedsAndLeadingEmptyLinesAreAccepted() {
        #expect(decode("\r\n\nGET /a HTTP/1.1\nHost: x\n\n").events == [.head("GET", "/a"), .request("GET", "/a", body: "")])
    }

    @Test func keepAliveFollowsTheVersionAndTheConnectionHeader() {
        #expect(decode("GET / HTTP/1.1\r\n\r\n").heads[0].keepAlive)
        #expect(!decode("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").heads[0].keepAlive)
        #expect(!decode("GET / HTTP/1.0\r\n\r\n").heads[0].keepAlive)
        #expect(decode("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").heads[0].keepAlive)
    }

    @Test func expectContinueIsReportedForABodyOnly() {
        #expect(decode("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n").heads[0].expectsContinue)
        #expect(!decode("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").heads[0].expectsContinue)
        #expect(decode("POST / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\nab").events == [.failure(417)])
    }

    @Test func aRequestWaitsForItsWholeBody() {
        let partial = decode("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345")
        #expect(partial.events == [.head("POST", "/")])
        #expect(partial.left == 0)  // the body read so far is the decoder's
        let head = decode("GET / HTTP/1.1\r\nHost:")
        #expect(head.events.isEmpty)
        #expect(head.left == 21)  // an incomplete head stays in the caller's buffer
    }

    @Test("what could make two parsers disagree is 400", arguments: [
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello!",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET /\u{7F} HTTP/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.x\r\n\r\n",
        "GET / FTP/1.1\r\n\r\n",
        "GET /\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n",
        "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
    ])
    func ambiguityIsRefused(input: String) {
        let events = decode(input).events
        #expect(events.last == .failure(400), "\(events)")
        #expect(!events.contains { if case .request = $0 { true } else { false } })
    }

    @Test func twoEqualContentLengthsAreOne() {
        #expect(decode("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab").events.last == .request("POST", "/", body: "ab"))
    }

    @Test func otherVersionsCodingsAndSizesGetTheirStatus() {
        #expect(decode("GET / HTTP/2.0\r\n\r\n").events == [.failure(505)])
        #expect(decode("GET / HTTP/1.2\r\n\r\n").events == [.failure(505)])
        #expect(decode("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").events == [.failure(501)])
        // Over the body limit: the head is reported (the server may answer in its own
        // words), then 413, before any of the body is read.
        let big = decode("POST /x HTTP/1.1\r\nContent-Length: 1000001\r\n\r\nabc", maxBody: 1000)
        #expect(big.events == [.head("POST", "/x"), .failure(413)])
        #expect(decode("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n").events.last == .failure(413))
        let chunked = decode("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + String(repeating: "a", count: 1024) + "\r\n400\r\n", maxBody: 1500)
        #expect(chunked.events == [.head("PUT", "/"), .failure(413)])
    }

    @Test func aHeadOverTheLimitIs431EvenWithoutItsEnd() {
        let long = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000)
        #expect(decode(long, piece: 1000).events == [.failure(431)])
        #expect(decode(long + "\r\n\r\n").events == [.failure(431)])
        let many = "GET / HTTP/1.1\r\n" + String(repeating: "X: y\r\n", count: 101) + "\r\n"
        #expect(decode(many).events == [.failure(431)])
    }

    @Test func aDiscardedBodyIsReadButNotKept() {
        var decoder = HTTPRequestDecoder(maxBodyBytes: 8)
        let bytes = Array("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n".utf8)
        var seen: [Seen] = []
        let used = bytes.withUnsafeBytes { raw in
            decoder.decode(raw) { event in
                switch event {
                case .head(let h):
                    seen.append(.head(h.method, h.uri))
                    return h.uri == "/a" ? .discardBody : .read
                case .request(let h, let body): seen.append(.request(h.method, h.uri, body: String(decoding: body, as: UTF8.self)))
                case .failure(let e): seen.append(.failure(e.status))
                }
                return .read
            }
        }
        #expect(seen == [.head("POST", "/a"), .request("POST", "/a", body: ""), .head("GET", "/b"), .request("GET", "/b", body: "")])
        #expect(used == bytes.count)
    }

    @Test func nothingIsReportedAfterAFailure() {
        let result = decode("GET / HTTP/9.9\r\n\r\n" + Self.get)
        #expect(result.events == [.failure(505)])
        #expect(result.left == 0)
    }

    @Test func stoppingAfterAnEventLeavesTheRestForLater() {
        var decoder = HTTPRequestDecoder()
        let bytes = Array((Self.get + Self.get).utf8)
        var requests = 0
        let used = bytes.withUnsafeBytes { raw in
            decoder.decode(raw) { event in
                if case .request = event { requests += 1; return .stop }
                return .read
            }
        }
        #expect(requests == 1)
        #expect(used == Self.get.utf8.count)
    }
}
