import Foundation
import LineClient
import Testing

/// Telnet sessions kept as files (`Transcripts/*.transcript`) and replayed against the
/// real server with the demo store, in the manner of osmo-hlr's VTY tests.
///
/// Format: lines before the first `> ` are the greeting; `> LINE` is sent as typed;
/// the lines after it, up to the next `> `, are the expected answer, exactly, except
/// that `{{any}}` matches any run of characters. `#` lines are comments; blank lines
/// are skipped.
struct Transcript: CustomStringConvertible, Sendable {
    struct Step: Sendable {
        let send: String
        let expect: [String]
    }

    let name: String
    let greeting: [String]
    let steps: [Step]

    var description: String { name }

    init(path: String) throws {
        name = URL(fileURLWithPath: path).lastPathComponent
        var greeting: [String] = []
        var steps: [Step] = []
        var current: (String, [String])?
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if line.hasPrefix("> ") {
                if let c = current { steps.append(Step(send: c.0, expect: c.1)) }
                current = (String(line.dropFirst(2)), [])
            } else if current != nil {
                current!.1.append(line)
            } else {
                greeting.append(line)
            }
        }
        if let c = current { steps.append(Step(send: c.0, expect: c.1)) }
        self.greeting = greeting
        self.steps = steps
    }

    static func all() -> [Transcript] {
        let folder = repositoryRoot + "/Tests/IntegrationTests/Transcripts"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".transcript") }.sorted().compactMap {
            try? Transcript(path: folder + "/" + $0)
        }
    }

    static func matches(_ expected: String, _ actual: String) -> Bool {
        let pieces = expected.components(separatedBy: "{{any}}")
        guard pieces.count > 1 else { return expected == actual }
        guard actual.hasPrefix(pieces[0]) else { return false }
        var rest = actual.dropFirst(pieces[0].count)
        for (i, piece) in pieces.dropFirst().enumerated() {
            if i == pieces.count - 2 { return rest.hasSuffix(piece) && rest.count >= piece.count }
            guard let r = rest.range(of: piece) else { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }
}

@Suite("Transcripts")
struct TranscriptTests {
    @Test func thereAreTranscripts() {
        #expect(Transcript.all().count >= 1)
    }

    @Test(arguments: Transcript.all())
    func replay(_ transcript: Transcript) throws {
        let server = try ServerProcess(store: TemporaryStore())
        let c = try server.connect()
        for g in transcript.greeting { #expect(Transcript.matches(g, c.greeting), "greeting: \(c.greeting)") }
        for step in transcript.steps {
            let answer = try c.send(step.send)
            let ok = answer.count == step.expect.count && zip(step.expect, answer).allSatisfy { Transcript.matches($0, $1) }
            #expect(ok, "> \(step.send)\nexpected:\n\(step.expect.joined(separator: "\n"))\ngot:\n\(answer.joined(separator: "\n"))")
        }
    }
}

/// HTTP sessions kept as files (`Transcripts/*.http`), replayed on one connection against
/// the real server with the demo store. `> ` lines are the request (head, an empty `>`,
/// then the body), `< ` lines the expected answer (status line and headers in order, an
/// empty `<`, the body); `{{any}}` as in ``Transcript``; `#` lines are comments.
struct HTTPTranscript: CustomStringConvertible, Sendable {
    struct Exchange: Sendable {
        var head: [String]
        var body: String
        var expectHead: [String]
        var expectBody: String
    }

    let name: String
    let exchanges: [Exchange]
    var description: String { name }

    init(path: String) throws {
        name = URL(fileURLWithPath: path).lastPathComponent
        var exchanges: [Exchange] = []
        var request: [String] = [], response: [String] = []
        func flush() {
            guard !request.isEmpty else { return }
            let split = request.firstIndex(of: "") ?? request.count
            let responseSplit = response.firstIndex(of: "") ?? response.count
            exchanges.append(Exchange(
                head: Array(request[..<split]), body: request.dropFirst(split + 1).joined(separator: "\n"),
                expectHead: Array(response[..<responseSplit]),
                expectBody: response.dropFirst(responseSplit + 1).joined(separator: "\n")))
            request = []
            response = []
        }
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("#") || line.isEmpty { continue }
            let text = line.count > 2 ? String(line.dropFirst(2)) : ""
            if line.hasPrefix(">") {
                if !response.isEmpty { flush() }
                request.append(text)
            } else if line.hasPrefix("<") {
                response.append(text)
            }
        }
        flush()
        self.exchanges = exchanges
    }

    static func all() -> [HTTPTranscript] {
        let folder = repositoryRoot + "/Tests/IntegrationTests/Transcripts"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".http") }.sorted().compactMap { try? HTTPTranscript(path: folder + "/" + $0) }
    }
}

@Suite("HTTP transcripts and the docs that show them")
struct HTTPTranscriptTests {
    @Test func thereAreHTTPTranscripts() {
        #expect(HTTPTranscript.all().count >= 1)
    }

    @Test(arguments: HTTPTranscript.all())
    func replay(_ transcript: HTTPTranscript) throws {
        let server = try ServerProcess(store: TemporaryStore())
        let socket = try #require(RawSocket(port: server.httpPort))
        for exchange in transcript.exchanges {
            var head = exchange.head
            if !exchange.body.isEmpty, !head.contains(where: { $0.lowercased().hasPrefix("content-length:") }) {
                head.append("Content-Length: \(exchange.body.utf8.count)")
            }
            socket.send(head.joined(separator: "\r\n") + "\r\n\r\n" + exchange.body)
            let (lines, body) = try #require(socket.readHTTPResponse(), "no answer to \(exchange.head[0])")
            let shown = "> \(exchange.head[0])\nexpected:\n\(exchange.expectHead.joined(separator: "\n"))\n\n\(exchange.expectBody)\ngot:\n\(lines.joined(separator: "\n"))\n\n\(body)"
            #expect(lines.count == exchange.expectHead.count && zip(exchange.expectHead, lines).allSatisfy { Transcript.matches($0, $1) }, "\(shown)")
            #expect(Transcript.matches(exchange.expectBody, body.hasSuffix("\n") ? String(body.dropLast()) : body), "\(shown)")
        }
    }

    /// Each `<!-- transcript: NAME -->` in the docs is followed by that transcript, as it is
    /// in the file the tests replay: the docs cannot drift from what the server does.
    @Test(arguments: ["docs/PROTOCOL.md", "README.md", "docs/OPERATIONS.md"])
    func docsShowTranscriptsAsTheyAre(doc: String) throws {
        let text = try String(contentsOfFile: repositoryRoot + "/" + doc, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        var pinned = 0
        for (i, line) in lines.enumerated() where line.hasPrefix("<!-- transcript: ") {
            let name = line.dropFirst("<!-- transcript: ".count).prefix { $0 != " " }
            let folder = repositoryRoot + "/Tests/IntegrationTests/Transcripts/"
            let file = FileManager.default.fileExists(atPath: folder + name + ".http") ? folder + name + ".http" : folder + name + ".transcript"
            let wanted = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
                .filter { !$0.hasPrefix("#") && !$0.isEmpty }
            #expect(lines[i + 1] == "```", "\(doc): no code block after \(line)")
            let block = lines[(i + 2)...].prefix { $0 != "```" }
            #expect(Array(block) == wanted, "\(doc): the block after \(line) differs from \(file)")
            pinned += 1
        }
        if doc == "docs/PROTOCOL.md" { #expect(pinned >= 2) }
    }
}
