import Foundation
import TOMLKit

/// `selfcare serve --config FILE`: every `serve` option from a TOML file, with
/// environment overrides (`SELFCARE_LISTEN`, …) and secrets read from files of their own
/// (`sendsms_url_file`, `smsc_file`), so that none has to be on a command line. What the
/// command line says wins over the environment, which wins over the file; list options
/// (`smsc`) add up. docs/OPERATIONS.md "Configuration".
///
/// ```toml
/// db = "/var/lib/selfcare/selfcare.sqlite"
/// listen = "0.0.0.0:7777"
/// http = "127.0.0.1:8080"
/// sendsms_url_file = "/etc/selfcare/sendsms-url"   # 0600: Kannel's password is in it
/// idle_timeout = 300
/// ```
enum ServeConfig {
    /// A `serve` option the file and the environment may set: its flag is `--` and the
    /// name with `-` for `_`. Kept equal to `Serve`'s options by ServeConfigTests.
    enum Kind { case value, list }

    static let options: [String: Kind] = [
        "db": .value, "key_file": .value, "listen": .value, "http": .value, "sendsms_url": .value, "smsc": .list,
        "smpp": .value, "grammars": .value, "idle_timeout": .value, "auth_timeout": .value, "line_timeout": .value,
        "lock_address_after": .value, "lock_account_after": .value, "tls_cert": .value, "tls_key": .value,
        "idempotency_hours": .value, "ussd_timeout": .value, "ussd_max_dialogues": .value, "batch_gather": .value,
        "max_connections": .value, "http_max_connections": .value, "shutdown_grace": .value, "log_level": .value,
        "log_format": .value,
    ]

    /// Options whose value may come from a file (`<name>_file`): they carry passwords.
    static let secrets: Set<String> = ["sendsms_url", "smsc"]

    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// `arguments` (what follows `serve`) with the file's and the environment's options
    /// put before them, so that the command line's come last and win.
    static func arguments(_ arguments: [String], environment: [String: String]) throws -> [String] {
        var file: [String] = []
        if let path = configPath(arguments) ?? environment["SELFCARE_CONFIG"] {
            file = try fileArguments(path)
        }
        return file + (try environmentArguments(environment)) + arguments
    }

    /// `--config PATH` or `--config=PATH` among the arguments.
    static func configPath(_ arguments: [String]) -> String? {
        for (i, argument) in arguments.enumerated() {
            if argument == "--config", i + 1 < arguments.count { return arguments[i + 1] }
            if argument.hasPrefix("--config=") { return String(argument.dropFirst("--config=".count)) }
        }
        return nil
    }

    static func fileArguments(_ path: String) throws -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem("\(path): cannot read it (\(error.localizedDescription))")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Problem("\(path):\(error.source.begin.line): \(error.description)")
        }
        var arguments: [String] = []
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            var name = key.replacingOccurrences(of: "-", with: "_")
            var secretFile = false
            if name.hasSuffix("_file"), secrets.contains(String(name.dropLast(5))) {
                name = String(name.dropLast(5))
                secretFile = true
            }
            guard let kind = options[name] else {
                throw Problem("\(path): unknown key \(key) (the keys are \(options.keys.sorted().joined(separator: ", ")), "
                    + "and \(secrets.sorted().map { $0 + "_file" }.joined(separator: ", ")))")
            }
            let values = try texts(value, key: key, path: path, list: kind == .list)
            for value in values {
                let resolved = secretFile ? try secret(value, key: key) : [value]
                for item in resolved { arguments += ["--" + name.replacingOccurrences(of: "_", with: "-"), item] }
            }
        }
        return arguments
    }

    /// `SELFCARE_<NAME>` (and `SELFCARE_<NAME>_FILE` for a secret); a list is
    /// comma-separated.
    static func environmentArguments(_ environment: [String: String]) throws -> [String] {
        var arguments: [String] = []
        for name in options.keys.sorted() {
            let flag = "--" + name.replacingOccurrences(of: "_", with: "-")
            let variable = "SELFCARE_" + name.uppercased()
            var values: [String] = []
            if let value = environment[variable] {
                values = options[name] == .list ? value.split(separator: ",").map(String.init) : [value]
            }
            if secrets.contains(name), let path = environment[variable + "_FILE"] {
                values += try secret(path, key: variable + "_FILE")
            }
            for value in values { arguments += [flag, value] }
        }
        return arguments
    }

    /// A TOML value as the option's text(s): strings, integers, floats, booleans; an
    /// array only for a list option.
    static func texts(_ value: any TOMLValueConvertible, key: String, path: String, list: Bool) throws -> [String] {
        if let array = value.array {
            guard list else { throw Problem("\(path): \(key) takes one value, not a list") }
            return try array.map { try texts($0, key: key, path: path, list: false) }.flatMap { $0 }
        }
        if let text = value.string { return [text] }
        if let number = value.int { return [String(number)] }
        if let number = value.double { return [String(number)] }
        if let flag = value.bool { return [String(flag)] }
        throw Problem("\(path): \(key) must be a string or a number")
    }

    /// A secret's value from its own file: readable by its owner only, one value a line
    /// (blank lines and a trailing newline ignored).
    static func secret(_ path: String, key: String) throws -> [String] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attributes[.posixPermissions] as? Int else {
            throw Problem("\(key): cannot read \(path)")
        }
        guard mode & 0o077 == 0 else {
            throw Problem("\(key): \(path) can be read by others (mode \(String(mode, radix: 8))): chmod 600 it")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Problem("\(key): cannot read \(path)") }
        let values = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !values.isEmpty else { throw Problem("\(key): \(path) is empty") }
        return values
    }
}
