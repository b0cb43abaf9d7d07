import ArgumentParser
import Foundation
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `selfcare db …`: create and check the store.
struct Database: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create and check the subscriber store.",
        subcommands: [Init.self, Populate.self, Check.self, Backup.self, Prune.self]
    )

    /// `selfcare db init [--demo]`
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the store (schema migrations); with --demo, the demo accounts and subscribers.")

        @OptionGroup var store: StoreOptions

        @Flag(help: "Add the demo accounts and subscribers (see the README).")
        var demo = false

        func run() throws {
            let sqlite = try store.openOrCreate()
            if demo {
                do {
                    try DemoData.install(into: sqlite, now: Int64(time(nil)))
                } catch {
                    throw CLIError("cannot add the demo data to \(store.db): \(error)")
                }
                print("created \(store.db) with the demo data")
            } else {
                print("store \(store.db) is ready")
            }
        }
    }

    /// `selfcare db populate --count N`: a benchmark store like `ceiling mkdb`.
    struct Populate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add N prepaid subscribers 36300000000, 36300000001, … (benchmarks).")

        @OptionGroup var store: StoreOptions

        @Option(help: "How many subscribers (at most 10 000 000).")
        var count: Int

        @Option(help: "Opening balance of each, in forints.")
        var balance: Int64 = 100_000

        func validate() throws {
            guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be 1 … 10000000") }
            guard balance >= 0 else { throw ValidationError("--balance must not be negative") }
        }

        func run() throws {
            let sqlite = try store.openOrCreate()
            try sqlite.populate(count: count, balance: balance) { done in
                print("populate: \(done)/\(count) subscribers")
                fflush(nil)
            }
            print("populate: done, \(count) subscribers in \(store.db)")
        }
    }

    /// `selfcare db backup PATH`: a consistent copy while the gateway runs, with its key.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the store to PATH (consistent, while the gateway runs), and its server key to PATH.key.",
            discussion: "Both files are created 0600 and must not exist. Without the key no PIN or password of the copy verifies: keep them together (docs/OPERATIONS.md).")

        @OptionGroup var store: StoreOptions

        @Argument(help: "The backup's path (a new file).")
        var path: String

        func run() throws {
            let sqlite = try store.openExisting()
            defer { try? sqlite.close() }
            let keyPath = store.keyFile ?? sqlite.path + ".key"
            for target in [path, path + ".key"] where FileManager.default.fileExists(atPath: target) {
                throw CLIError("\(target) exists: a backup goes to a new path")
            }
            do {
                try sqlite.backup(to: path)
            } catch {
                throw CLIError("backup to \(path) failed: \(error)")
            }
            do {
                let key = try Data(contentsOf: URL(fileURLWithPath: keyPath))
                guard FileManager.default.createFile(atPath: path + ".key", contents: key, attributes: [.posixPermissions: 0o600]) else {
                    throw CLIError("cannot create \(path).key")
                }
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("cannot copy the key file \(keyPath): \(error)")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print("backed up \(sqlite.path) to \(path) (\(size) bytes) and its key to \(path).key")
        }
    }

    /// `selfcare db prune`: old audit rows and delivered outbox messages, in small batches.
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete audit rows and delivered outbox messages older than a number of days (the ledger is never pruned).",
            discussion: "In batches of --batch rows, each its own short transaction, with a pause between: a running gateway keeps committing (it waits at most one batch).")

        @OptionGroup var store: StoreOptions

        @Option(help: "Delete audit rows older than this many days.")
        var auditOlderThan: Int?

        @Option(help: "Delete outbox messages delivered more than this many days ago.")
        var outboxDeliveredOlderThan: Int?

        @Option(help: "Rows per transaction.")
        var batch: Int = 5_000

        func validate() throws {
            guard auditOlderThan != nil || outboxDeliveredOlderThan != nil else {
                throw ValidationError("say what to prune: --audit-older-than DAYS and/or --outbox-delivered-older-than DAYS")
            }
            for days in [auditOlderThan, outboxDeliveredOlderThan].compactMap({ $0 }) where days < 1 {
                throw ValidationError("days must be 1 or more")
            }
            guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1 to 100000") }
        }

        func run() throws {
            let sqlite = try store.openExisting()
            defer { try? sqlite.close() }
            let now = Int64(Date().timeIntervalSince1970)
            func prune(_ what: String, _ step: () throws -> Int) throws {
                var total = 0
                while true {
                    let n = try step()
                    total += n
                    if n < batch { break }
                    usleep(20_000)   // the gateway's commits go between two batches
                }
                print("pruned \(total) \(what)")
            }
            if let days = auditOlderThan {
                try prune("audit rows older than \(days) days") { try sqlite.pruneAudit(before: now - Int64(days) * 86_400, batch: batch) }
            }
            if let days = outboxDeliveredOlderThan {
                try prune("outbox messages delivered more than \(days) days ago") {
                    try sqlite.pruneOutbox(deliveredBefore: now - Int64(days) * 86_400, batch: batch)
                }
            }
        }
    }

    /// `selfcare db check`: every bucket equals the sum of its ledger.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every balance equals the sum of its ledger rows.")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let sqlite = try store.openExisting()
            let bad = try sqlite.ledgerDiscrepancies()
            print("subscribers \(try sqlite.subscriberCount()), ledger rows \(try sqlite.ledgerCount()), audit rows \(try sqlite.auditCount())")
            if bad.isEmpty {
                print("ledger: every balance equals the sum of its ledger")
            } else {
                for line in bad.prefix(20) { print("mismatch: \(line)") }
                throw CLIError("\(bad.count) balances differ from their ledger")
            }
        }
    }
}
