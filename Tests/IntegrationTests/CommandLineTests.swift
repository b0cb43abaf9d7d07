import Foundation
import GRDB
import Model
import Testing

/// Issue 12.7: `db check`, `account set` and `serve` on a mistyped --db made an empty store
/// (folder included) and reported success; `make run` then found it, skipped the demo data,
/// and the README's `AUTH simulator simulator` failed. Each test failed on the main of
/// 2026-12-03.
@Suite("The command line on a missing or foreign store")
struct CommandLineTests {
    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "selfcare-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(arguments: [
        ["db", "check"],
        ["account", "set", "bob", "network", "--password", "secret"],
        ["serve", "--listen", "127.0.0.1:0", "--http", "off"],
    ])
    func onlyInitAndPopulateCreateAStore(command: [String]) throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let typo = base + "/typo/x.sqlite"
        let (status, output) = try runSelfcare(command + ["--db", typo])
        #expect(status != 0)
        #expect(output.contains("there is no store at \(typo): create one with `selfcare db init --db \(typo)`"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: base + "/typo"))
    }

    /// Every command opens its store through StoreLocation: a URL it cannot serve is
    /// refused with the reason, and no file of that name appears.
    @Test(arguments: [
        ("postgresql://selfcare@db1/selfcare", "PostgreSQL stores are not available in this build yet"),
        ("redis://cache/0", "unknown store URL scheme redis://"),
    ])
    func aStoreURLItCannotServeIsRefused(url: String, reason: String) throws {
        for command in [["db", "check"], ["db", "init"], ["serve", "--listen", "127.0.0.1:0", "--http", "off"]] {
            let (status, output) = try runSelfcare(command + ["--db", url])
            #expect(status != 0)
            #expect(output.contains(reason), "\(command): \(output)")
        }
        #expect(!FileManager.default.fileExists(atPath: url))
    }

    @Test func aFileThatIsNotAStoreIsLeftAlone() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let path = base + "/notes.txt"
        try Data("not a database\n".utf8).write(to: URL(fileURLWithPath: path))
        let (status, output) = try runSelfcare(["db", "check", "--db", path])
        #expect(status != 0)
        #expect(output.contains("is not a Selfcare store"), "\(output)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a database\n")
    }

    @Test func serveOnAStoreWithoutAccountsSaysHowToMakeOne() throws {
        let store = try TemporaryStore(demo: false)
        let (status, output) = try runSelfcare(["serve", "--db", store.path, "--listen", "127.0.0.1:0", "--http", "off"])
        #expect(status != 0)
        #expect(output.contains("has no accounts, so nobody could log in: add one with `selfcare account set NAME network|operator"), "\(output)")
        // With an account, the same store serves.
        let (made, said) = try runSelfcare(["account", "set", "gw", "network", "--db", store.path], environment: ["SELFCARE_PASSWORD": "pw"])
        #expect(made == 0, "\(said)")
        let server = try ServerProcess(store: store, http: false)
        let c = try server.connect()
        #expect(try c.send("AUTH gw pw") == ["235 Authenticated as gw (network)"])
    }

    /// A link that cannot be made stops `serve` before it serves, saying why.
    @Test(arguments: [
        ("smpp://selfcare@127.0.0.1:2775", "--smsc: no password after the system_id"),
        ("smpp://selfcare:pw@127.0.0.1:2775?window=0", "--smsc: window must be a number from 1 to 10000"),
        ("smpp://selfcare:pw@127.0.0.1:2775?profile=nosuch", "smsc 127.0.0.1:2775: "),
    ])
    func aBadSMSCLinkIsRefusedAtStart(url: String, reason: String) throws {
        let store = try TemporaryStore()
        let (status, output) = try runSelfcare(["serve", "--db", store.path, "--listen", "127.0.0.1:0", "--http", "off",
                                                "--grammars", repositoryRoot + "/Grammars", "--smsc", url])
        #expect(status != 0)
        #expect(output.contains(reason), "\(output)")
        if url.contains("nosuch") { #expect(output.contains("smpp/nosuch.profile: no such profile"), "\(output)") }
        #expect(!output.contains("pw@"), "the password is not echoed: \(output)")
    }

    /// Issue 12.8: `make run` installed Kannel, whose Debian package starts bearerbox and
    /// wapbox on a systemd host. Only make test and make bench may.
    @Test func makeRunInstallsNoKannel() throws {
        let (status, plan) = try runProgram("/usr/bin/make", ["-n", "-C", repositoryRoot, "run"])
        #expect(status == 0, "\(plan)")
        #expect(plan.contains("selfcare serve"))
        #expect(!plan.lowercased().contains("kannel"), "\(plan)")
        let (_, testPlan) = try runProgram("/usr/bin/make", ["-n", "-C", repositoryRoot, "test"])
        #expect(testPlan.contains("kannel kannel-extras"))
    }

    /// Issue 17: the store (balances, PIN hashes, the audit) was created world-readable.
    @Test func aNewStoreIsReadableByItsOwnerOnly() throws {
        let base = try folder()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let path = base + "/data/selfcare.sqlite"
        let (status, output) = try runSelfcare(["db", "init", "--demo", "--db", path])
        #expect(status == 0, "\(output)")
        let mode = { (p: String) in ((try? FileManager.default.attributesOfItem(atPath: p))?[.posixPermissions] as? Int) ?? -1 }
        #expect(mode(path) == 0o600)
        #expect(mode(base + "/data") == 0o700)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(mode(path + suffix) == 0o600)
        }
    }

    /// Issue 17: PIN and password hashes are keyed with a server key kept outside the
    /// store; a store without its key (a stolen copy) is refused, not silently unusable.
    @Test func theServerKeyIsMadeWithTheStoreAndRequiredAfter() throws {
        let store = try TemporaryStore()
        let key = store.path + ".key"
        let mode = ((try? FileManager.default.attributesOfItem(atPath: key))?[.posixPermissions] as? Int) ?? -1
        #expect(mode == 0o600)
        let hashes = try store.rawDatabase().read { try String.fetchAll($0, sql: "SELECT hash FROM pins UNION ALL SELECT password_hash FROM accounts") }
        #expect(!hashes.isEmpty && hashes.allSatisfy { $0.hasPrefix("hmac-pbkdf2-sha256$") })
        // Without its key, or with another, or with one others may read: refused, saying why.
        try FileManager.default.moveItem(atPath: key, toPath: key + ".saved")
        var (status, output) = try runSelfcare(["db", "check", "--db", store.path])
        #expect(status != 0 && output.contains("the key file \(key) is missing"), "\(output)")
        let other = try TemporaryStore(demo: false)
        (status, output) = try runSelfcare(["db", "check", "--db", store.path, "--key-file", other.path + ".key"])
        #expect(status != 0 && output.contains("is not the one this store's PINs and passwords were hashed with"), "\(output)")
        try FileManager.default.moveItem(atPath: key + ".saved", toPath: key)
        chmod(key, 0o644)
        (status, output) = try runSelfcare(["db", "check", "--db", store.path])
        #expect(status != 0 && output.contains("may be read by others (mode 644)"), "\(output)")
        chmod(key, 0o600)
        (status, output) = try runSelfcare(["db", "check", "--db", store.path])
        #expect(status == 0, "\(output)")
    }

    /// A hash made before the key (a store from before issue 17) still logs in, and is
    /// made again, keyed, on that successful use.
    @Test func aHashFromBeforeTheKeyIsReKeyedOnUse() throws {
        let store = try TemporaryStore()
        try store.rawDatabase().write {
            try $0.execute(sql: "UPDATE accounts SET password_hash = ? WHERE name = 'simulator'",
                           arguments: [PasswordHash.make("simulator", rounds: 1000, key: nil)])
        }
        let server = try ServerProcess(store: store, http: false)
        _ = try server.network()   // AUTH simulator simulator: 235
        #expect(server.stop() == 0)
        let hash = try store.rawDatabase().read { try String.fetchOne($0, sql: "SELECT password_hash FROM accounts WHERE name = 'simulator'") }
        #expect(hash?.hasPrefix("hmac-pbkdf2-sha256$") == true, "\(hash ?? "nil")")
    }

    @Test func versionSaysTheReleaseAndTheSchema() throws {
        let (status, output) = try runSelfcare(["--version"])
        #expect(status == 0 && output.hasPrefix("selfcare 0.1.0 (store schema v10-subscriber-lifecycle)"), "\(output)")
    }

    @Test func dbCheckOnARealStoreStillWorks() throws {
        let store = try TemporaryStore()
        let (status, output) = try runSelfcare(["db", "check", "--db", store.path])
        #expect(status == 0, "\(output)")
        #expect(output.contains("ledger: every balance equals the sum of its ledger"))
    }
}
