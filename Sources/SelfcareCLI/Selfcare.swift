import ArgumentParser
import Foundation
import Store

/// `selfcare`: the gateway and its tools.
@main
struct Selfcare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcare",
        abstract: "Self-service USSD/SMS command gateway.",
        version: "selfcare \(release) (store schema \(Migrations.names.last ?? "-"))",
        subcommands: [Serve.self, Database.self, AccountCommand.self, Send.self, Phone.self, GrammarCommand.self, Bills.self, ImportCommand.self, Op.self]
    )

    /// The release (`--version`, `selfcare_build_info`, the .deb's version).
    static let release = "0.1.0"

    /// `serve` reads its configuration file and the environment first (``ServeConfig``):
    /// their options go before the command line's, which win.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "serve" {
            do {
                arguments = ["serve"] + (try ServeConfig.arguments(Array(arguments.dropFirst()),
                                                                   environment: ProcessInfo.processInfo.environment))
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                Foundation.exit(64)
            }
        }
        main(arguments)
    }
}

/// Options every command that opens the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite store.")
    var db: String = "./data/selfcare.sqlite"

    @Option(name: .long, help: "The server key PINs and passwords are hashed with, 0600 (default: the store's path + .key; created with a new store).")
    var keyFile: String?

    /// The store at `--db`, which must exist and be ours: only `db init` and
    /// `db populate` create one, so a typo never leaves an empty store behind.
    func openExisting(failEveryNthCommit: Int? = nil) throws -> SQLiteStore {
        try open(.existingOnly, failEveryNthCommit: failEveryNthCommit)
    }

    /// The store at `--db`, created when missing (`db init`, `db populate`).
    func openOrCreate() throws -> SQLiteStore {
        try open(.createIfMissing)
    }

    /// Every command opens its store here (``StoreLocation``: where another backend joins).
    private func open(_ mode: StoreLocation.Mode, failEveryNthCommit: Int? = nil) throws -> SQLiteStore {
        do {
            let store = try StoreLocation(parsing: db).open(mode, failEveryNthCommit: failEveryNthCommit)
            do {
                try KeyFile.use(path: keyFile ?? store.path + ".key", for: store)
            } catch {
                try? store.close()
                throw error
            }
            return store
        } catch let cli as CLIError {
            throw cli
        } catch let failure as StoreFailure {
            throw CLIError("\(failure)")
        } catch let unsupported as StoreLocation.Unsupported {
            throw CLIError("\(unsupported)")
        } catch {
            throw CLIError("cannot open the store \(db): \(error)")
        }
    }
}

/// A user-facing failure: printed as `error: <text>`, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
