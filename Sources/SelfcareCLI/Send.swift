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

    @Option(help: "HOST:PORT of the gateway.")
    var server: String = ProcessEnvironment.get("SELFCARE_SERVER") ?? "127.0.0.1:7777"

    @Option(help: "Network account.")
    var account: String = ProcessEnvironment.get("SELFCARE_ACCOUNT") ?? "simulator"

    @Option(help: "Its password.")
    var password: String = ProcessEnvironment.get("SELFCARE_PASSWORD") ?? "simulator"

    func validate() throws {
        guard !text.joined().isEmpty else { throw ValidationError("the SMS needs a text") }
        guard !from.contains(" "), !to.contains(" ") else {
            throw ValidationError("write numbers without spaces (36301234567 or 06-30-123-4567)")
        }
    }

    func run() throws {
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
            throw ValidationError("--server must be HOST:PORT")
        }
        let host = String(server[..<colon]).trimmingCharacters(in: "[]")
        let client: LineClient
        do {
            client = try LineClient(host: host, port: port)
        } catch {
            throw CLIError("\(error)")
        }
        let auth = try client.send("AUTH \(account) \(password)")
        guard auth.last?.hasPrefix("235") == true else {
            throw CLIError("AUTH refused: \(auth.last ?? "")")
        }
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
