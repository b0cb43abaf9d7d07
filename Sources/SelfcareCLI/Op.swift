import ArgumentParser
import LineClient

/// `selfcare op <line>`: one operator command of the line protocol through a running
/// gateway (`selfcare op PIN RESET 36301111111`), its answer printed: for scripts.
struct Op: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one operator command (TOPUP, RATE, SUB, PIN, BILL …) to a running gateway and print the answer.",
        discussion: """
            The words are sent as one line, as typed in a telnet session (docs/PROTOCOL.md). \
            Exit status 0 for a 2xx answer, 1 for a refusal or error. The account comes from \
            --account/--password, else SELFCARE_OPS_ACCOUNT/SELFCARE_OPS_PASSWORD (the demo's ops/ops).
            """)

    @ArgumentParser.Argument(parsing: .captureForPassthrough, help: "The command, e.g. SUB SHOW 36301111111.")
    var words: [String] = []

    @OptionGroup var gateway: OperatorOptions

    func validate() throws {
        guard !words.isEmpty else { throw ValidationError("say which command: selfcare op SUB SHOW 36301111111") }
        guard !words.joined(separator: " ").contains(where: \.isNewline) else { throw ValidationError("one line only") }
    }

    func run() throws {
        let client = try gateway.connect()
        let answer = try client.send(words.joined(separator: " "))
        answer.forEach { print($0) }
        _ = try? client.send("QUIT")
        guard answer.last?.hasPrefix("2") == true else { throw ExitCode(1) }
    }
}
