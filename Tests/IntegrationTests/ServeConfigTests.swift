import Foundation
import LineClient
import Testing

/// `selfcare serve --config FILE` (issue 19): every option from a TOML file, the
/// environment over it, the command line over both, secrets from files of their own
/// that never reach a command line.
@Suite("serve --config")
struct ServeConfigTests {
    /// A started server: its ready lines, its process.
    struct Started {
        let process: Process
        let ready: [String]
        let stderr: Pipe

        var port: Int? {
            ready.first { $0.hasPrefix("selfcare: listening on ") }.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
        }

        func stop() -> String {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
    }

    /// Starts `selfcare serve` with `arguments` and `environment`, until its first line.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Started {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: selfcareBinary)
        process.arguments = ["serve"] + arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SELFCARE_") }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var seen = ""
        while !seen.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        return Started(process: process, ready: seen.split(separator: "\n").map(String.init), stderr: err)
    }

    func write(_ text: String, _ path: String, mode: Int = 0o644) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test func theFileSetsTheEnvironmentOverridesTheCommandLineWins() throws {
        let store = try TemporaryStore()
        let config = store.folder + "/selfcare.toml"
        try write("""
            # the gateway of the tests
            db = "\(store.path)"
            grammars = "\(repositoryRoot)/Grammars"
            listen = "127.0.0.1:0"
            http = "127.0.0.1:0"
            idle-timeout = 120
            log_level = "notice"
            """, config)
        // From the file alone: both fronts.
        var server = try start(["--config", config])
        let client = try LineClient(port: try #require(server.port, "\(server.ready)"))
        #expect(try client.send("PING") == ["250 PONG"])
        _ = server.stop()

        // SELFCARE_CONFIG names the file; SELFCARE_LOG_LEVEL over the file's notice; the
        // command line's --log-level over both.
        // At info a line per command; at notice and above none.
        server = try start([], environment: ["SELFCARE_CONFIG": config, "SELFCARE_LOG_LEVEL": "info"])
        var line = try LineClient(port: try #require(server.port, "\(server.ready)"))
        #expect(try line.send("AUTH simulator simulator").first?.hasPrefix("235") == true)
        #expect(try line.send("SMS 36301111111 1730 EGYENLEG").last == "250 OK balance")
        var log = server.stop()
        #expect(log.contains(" level=info msg=command channel=line account=simulator service=balance outcome=ok ms="), "\(log)")
        server = try start(["--log-level", "warning"], environment: ["SELFCARE_CONFIG": config, "SELFCARE_LOG_LEVEL": "info"])
        line = try LineClient(port: try #require(server.port, "\(server.ready)"))
        _ = try line.send("AUTH simulator simulator")
        _ = try line.send("SMS 36301111111 1730 EGYENLEG")
        log = server.stop()
        #expect(!log.contains("level=info") && !log.contains("level=notice"), "\(log)")
    }

    @Test func aSecretComesFromItsOwnFileOnlyIfOthersCannotReadIt() throws {
        let store = try TemporaryStore()
        let secret = store.folder + "/sendsms-url"
        let url = "http://127.0.0.1:9/cgi-bin/sendsms?username=selfcare&password=s3cret-in-a-file"
        try write(url + "\n", secret, mode: 0o644)
        let config = store.folder + "/selfcare.toml"
        try write("""
            db = "\(store.path)"
            grammars = "\(repositoryRoot)/Grammars"
            listen = "127.0.0.1:0"
            http = "off"
            sendsms_url_file = "\(secret)"
            smsc = ["smpp://selfcare:tomlpw1@127.0.0.1:9"]
            """, config)
        let refused = try start(["--config", config])
        #expect(refused.port == nil)
        let said = refused.stop()
        #expect(refused.process.terminationStatus == 64)
        #expect(said.contains("sendsms_url_file: \(secret) can be read by others (mode 644): chmod 600 it"), "\(said)")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        let server = try start(["--config", config])
        #expect(server.port != nil, "\(server.ready)")
        // Not on the process's command line, which every local user can read.
        let commandLine = try String(contentsOfFile: "/proc/\(server.process.processIdentifier)/cmdline", encoding: .utf8)
        #expect(!commandLine.contains("s3cret"), "\(commandLine)")
        let log = server.stop()
        #expect(!log.contains("s3cret") && !log.contains("tomlpw1"))
        #expect(log.contains(" smsc=smpp://selfcare:***@127.0.0.1:9 "), "\(log)")
        // The start-up line says what took effect, the password masked.
        #expect(log.contains("configuration: config=\(config) db=\(store.path) listen=127.0.0.1:0 http=off smpp=off "
                             + "sendsms_url=http://127.0.0.1:9/cgi-bin/sendsms?username=selfcare&password=*** "), "\(log)")
    }

    @Test(arguments: [
        ("colour = \"red\"\n", "unknown key colour (the keys are auth_timeout, batch_gather, db,"),
        ("listen = \n", "selfcare.toml:1: "),
        ("smsc = \"smpp://a:b@127.0.0.1:1\"\nlisten = [\"127.0.0.1:0\"]\n", "listen takes one value, not a list"),
        ("idle_timeout = \"soon\"\n", "--idle-timeout"),
    ])
    func aBadFileSaysWhatAndWhere(_ text: String, _ expected: String) throws {
        let store = try TemporaryStore()
        let config = store.folder + "/selfcare.toml"
        try write(text, config)
        let (status, output) = try runSelfcare(["serve", "--config", config, "--db", store.path])
        #expect(status != 0 && output.contains(expected), "\(output)")
    }

    /// The file takes exactly `serve`'s options (so a new option cannot be forgotten):
    /// the keys an unknown key's error lists are the flags of `serve --help`.
    @Test func theFileKnowsEveryServeOption() throws {
        let (_, help) = try runSelfcare(["serve", "--help"])
        let flags = Set(help.split(whereSeparator: { !$0.isLetter && $0 != "-" }).map(String.init).filter { $0.hasPrefix("--") })
        let store = try TemporaryStore()
        let config = store.folder + "/selfcare.toml"
        try write("colour = 1\n", config)
        let (_, error) = try runSelfcare(["serve", "--config", config])
        let listed = try #require(error.range(of: "(the keys are ")).upperBound
        let keys = error[listed...].prefix { $0 != ")" }.replacingOccurrences(of: " and ", with: " ")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let plain = keys.filter { !$0.hasSuffix("_file") || $0 == "key_file" }
        #expect(Set(plain.map { "--" + $0.replacingOccurrences(of: "_", with: "-") }) == flags.subtracting(["--help", "--version", "--config"]),
                "\(keys)")
    }
}
