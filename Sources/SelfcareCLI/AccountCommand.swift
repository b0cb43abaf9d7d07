import ArgumentParser
import Model
import Store

/// `selfcare account set NAME ROLE`: create or change a login of the line protocol.
struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage the accounts that log in to the gateway (network elements, operators).",
        subcommands: [Set.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account, or replace its role and password.",
            discussion: "The password comes from --password or, to keep it out of the process list, from SELFCARE_PASSWORD.")

        @OptionGroup var store: StoreOptions

        @Argument(help: "Login name.")
        var name: String

        @Argument(help: "network or operator.")
        var role: String

        @Option(help: "The password.")
        var password: String?

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("role must be network or operator") }
            guard !name.isEmpty, name.utf8.count <= 64, !name.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw ValidationError("the name must be 1-64 characters without spaces")
            }
        }

        func run() throws {
            guard let secret = password ?? ProcessEnvironment.get("SELFCARE_PASSWORD"), !secret.isEmpty else {
                throw ValidationError("give the password with --password or SELFCARE_PASSWORD")
            }
            guard !secret.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw ValidationError("the password cannot contain spaces (AUTH takes it as one word)")
            }
            let sqlite = try store.openExisting()
            let account = Account(name: name, role: Role(rawValue: role)!, passwordHash: PasswordHash.make(secret))
            try sqlite.write { try $0.saveAccount(account) }
            print("account \(name) (\(role)) saved in \(store.db)")
        }
    }
}
