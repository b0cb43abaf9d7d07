import ArgumentParser
import LineClient

/// `selfcare send`: one SMS through a running gateway, the reply printed.
struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one SMS as the network would and print the gateway's answer.",
        discussion: "The server and account come from the flags or from SELFCARE_SERVER, SELFCARE_ACCOUNT and SELFCARE_PASSWORD.")

    @Option(help: "The subscriber's number (MSISDN).")
    var from: String

    @Option(help: "The destination number (e.g. 1730).")
    var to: String

    @Argument(help: "The text of the SMS.")
    var text: [String]

    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard !text.joined().isEmpty else { throw ValidationError("the SMS needs a text") }
        guard !from.contains(" "), !to.contains(" ") else {
            throw ValidationError("write numbers without spaces (36301234567 or 06-30-123-4567)")
        }
    }

    func run() throws {
        let client = try network.connect()
        let answer = try client.send("SMS \(from) \(to) \(text.joined(separator: " "))")
        for line in answer { print(line) }
        _ = try? client.send("QUIT")
        guard let last = answer.last, last.hasPrefix("2") else { throw ExitCode(2) }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
