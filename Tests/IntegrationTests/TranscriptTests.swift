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
