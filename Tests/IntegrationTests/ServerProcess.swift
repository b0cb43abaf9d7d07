import Foundation
import LineClient
import Model
import Store

/// The repository root, found from this file.
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// The `selfcare` executable: $SELFCARE_BIN, else the one built beside this test binary.
let selfcareBinary: String = {
    if let path = ProcessInfo.processInfo.environment["SELFCARE_BIN"] { return path }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    // swift test runs …/debug/SelfcarePackageTests.xctest; the executable sits beside it.
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent("selfcare").path
}()

struct ServerError: Error, CustomStringConvertible {
    let description: String
}

/// A temporary folder with a store in it; removed when released.
final class TemporaryStore: @unchecked Sendable {
    let folder: String
    var path: String { folder + "/selfcare.sqlite" }

    /// A new store; `demo` adds the demo accounts and subscribers through `selfcare db init --demo`.
    init(demo: Bool = true) throws {
        folder = NSTemporaryDirectory() + "selfcare-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var args = ["db", "init", "--db", path]
        if demo { args.append("--demo") }
        let (status, output) = try runSelfcare(args)
        guard status == 0 else { throw ServerError(description: "db init failed: \(output)") }
    }

    /// Opens the store directly (with the server stopped, or for reads in WAL).
    func open() throws -> SQLiteStore { try SQLiteStore(path: path) }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

/// Runs `selfcare ARGS` to completion; exit status and combined output.
@discardableResult
func runSelfcare(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> (Int32, String) {
    try runProgram(selfcareBinary, arguments, environment: environment, input: input)
}

/// Runs a program to completion, `input` on its stdin (none: stdin as the tests have it);
/// exit status and combined output.
func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                input: String? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let stdin = Pipe()
    if input != nil { process.standardInput = stdin }
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A running `selfcare serve` on free ports of 127.0.0.1: the line protocol and, unless
/// `http` is false, the HTTP front (never the default 8080: tests run in parallel).
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let store: TemporaryStore
    private(set) var port = 0
    /// The HTTP front's port (0 when started with `http: false`).
    private(set) var httpPort = 0
    let logPath: String

    /// - Parameter openFileLimit: started under `ulimit -n` of this (soft and hard), as a
    ///   small machine or a careless unit file would start it.
    /// - Parameter smpp: also serve SMPP (`--smpp 127.0.0.1:0`; its port in ``smppPort``).
    init(store: TemporaryStore, arguments: [String] = [], environment: [String: String] = [:], http: Bool = true,
         smpp: Bool = false, openFileLimit: Int? = nil) throws {
        self.store = store
        logPath = store.folder + "/server-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let serve = ["serve", "--db", store.path, "--listen", "127.0.0.1:0",
                     "--http", http ? "127.0.0.1:0" : "off",
                     "--grammars", repositoryRoot + "/Grammars"] + (smpp ? ["--smpp", "127.0.0.1:0"] : []) + arguments
        if let openFileLimit {
            // exec: the process is the server itself (signals and /proc go to it).
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", selfcareBinary] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: selfcareBinary)
            process.arguments = serve
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        // The ready lines carry the ports: "selfcare: listening on 127.0.0.1:PORT", then
        // "selfcare: http on 127.0.0.1:PORT".
        var seen = Data()
        let handle = stdout.fileHandleForReading
        let wanted = (http ? 2 : 1) + (smpp ? 1 : 0)
        while seen.filter({ $0 == 0x0A }).count < wanted {
            let chunk = handle.availableData
            if chunk.isEmpty {
                throw ServerError(description: "server exited before listening: \(log)")
            }
            seen.append(chunk)
        }
        let lines = String(decoding: seen, as: UTF8.self).split(separator: "\n").map(String.init)
        func port(after prefix: String) throws -> Int {
            guard let line = lines.first(where: { $0.hasPrefix(prefix) }),
                  let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...])
            else { throw ServerError(description: "no ready line \(prefix)…: \(lines)") }
            return port
        }
        self.port = try port(after: "selfcare: listening on ")
        if http { httpPort = try port(after: "selfcare: http on ") }
        if smpp { smppPort = try port(after: "selfcare: smpp on ") }
    }

    /// The SMPP server's port (0 when started without `smpp`).
    private(set) var smppPort = 0

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// CPU seconds the server has used (user + system, from /proc).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory now, in MB (VmRSS from /proc).
    var residentMB: Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// A new connection, greeting read.
    func connect() throws -> LineClient { try LineClient(port: port) }

    /// A connection authenticated as the demo network account.
    func network() throws -> LineClient {
        let c = try connect()
        let answer = try c.send("AUTH simulator simulator")
        guard answer.last?.hasPrefix("235") == true else { throw ServerError(description: "AUTH: \(answer)") }
        return c
    }

    /// A connection authenticated as the demo operator account.
    func operatorConnection() throws -> LineClient {
        let c = try connect()
        let answer = try c.send("AUTH ops ops")
        guard answer.last?.hasPrefix("235") == true else { throw ServerError(description: "AUTH: \(answer)") }
        return c
    }

    /// SIGTERM and wait; the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// SIGKILL and wait: no chance to finish anything.
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { kill() }
}

import GRDB

extension TemporaryStore {
    /// The store file through GRDB, for reading tables the store's API does not show.
    /// SQLite is configured first, as the server does: the first connection of the test
    /// process fixes SQLite's threading mode for all of them (SQLiteStoreTests checks it).
    func rawDatabase() throws -> DatabaseQueue {
        try rawSQLite(at: path)
    }
}

/// Any store file through GRDB. Every raw connection a test opens goes through here:
/// SQLite is configured first, as the server does, because the first connection of the
/// test process fixes SQLite's threading mode for all of them (SQLiteStoreTests checks it).
func rawSQLite(at path: String) throws -> DatabaseQueue {
    _ = SQLiteStore.processConfigured
    return try DatabaseQueue(path: path)
}
