import ArgumentParser
import LineClient

/// Where the gateway is and which network account logs in: `selfcare send` and
/// `selfcare phone` share them (flags, else SELFCARE_SERVER, SELFCARE_ACCOUNT, SELFCARE_PASSWORD).
struct NetworkOptions: ParsableArguments {
    @Option(help: "HOST:PORT of the gateway.")
    var server: String = ProcessEnvironment.get("SELFCARE_SERVER") ?? "127.0.0.1:7777"

    @Option(help: "Network account.")
    var account: String = ProcessEnvironment.get("SELFCARE_ACCOUNT") ?? "simulator"

    @Option(help: "Its password.")
    var password: String = ProcessEnvironment.get("SELFCARE_PASSWORD") ?? "simulator"

    /// A connection to the gateway, authenticated.
    func connect() throws -> LineClient {
        try NetworkOptions.connect(server: server, account: account, password: password)
    }

    /// A line-protocol connection to `server` (HOST:PORT), logged in as `account`.
    static func connect(server: String, account: String, password: String) throws -> LineClient {
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
        return client
    }
}

/// Where the gateway is and which operator account logs in: `selfcare bills` (flags, else
/// SELFCARE_SERVER, SELFCARE_OPS_ACCOUNT, SELFCARE_OPS_PASSWORD; the demo store's `ops`).
struct OperatorOptions: ParsableArguments {
    @Option(help: "HOST:PORT of the gateway.")
    var server: String = ProcessEnvironment.get("SELFCARE_SERVER") ?? "127.0.0.1:7777"

    @Option(help: "Operator account.")
    var account: String = ProcessEnvironment.get("SELFCARE_OPS_ACCOUNT") ?? "ops"

    @Option(help: "Its password.")
    var password: String = ProcessEnvironment.get("SELFCARE_OPS_PASSWORD") ?? "ops"

    func connect() throws -> LineClient {
        try NetworkOptions.connect(server: server, account: account, password: password)
    }
}
