#if canImport(Glibc)
import Glibc
#endif
import Numbering

/// Everything read from the `Grammars/` folder, checked as a whole: a grammar with an
/// error is refused and the one in force stays.
///
/// ```swift
/// let grammar = try Grammar.load(from: "Grammars")
/// grammar.recognize(destination: Destination(parsing: "777")!, text: "stop hírek")
/// // .matched(service: "infosms", action: .infoUnsubscribe, arguments: ["topic": .topic("HIREK")], …)
/// ```
public struct Grammar: Sendable {
    /// Reply texts per language code (`hu`, `en`).
    public let messages: [String: MessageCatalog]
    /// The SMS command language: destinations, services, rules (`sms.grammar`).
    public let commands: CommandGrammar
    /// Message keys every language must define: the engine uses them.
    public static let requiredKeys: [String] = [
        "balance.prepaid", "balance.postpaid", "balance.postpaid.nobill", "balance.mix",
        "balance.lastPurchase", "subscriber.unknown", "destination.unknown",
        "topup.postpaid", "topup.overflow",
    ]
    /// The file of the SMS command language in the grammar folder.
    public static let commandFile = "sms.grammar"

    /// Checks the catalogs; `folder`, when given, goes into the file names of errors.
    public init(
        messages: [String: MessageCatalog], commands: CommandGrammar = .empty, folder: String? = nil
    ) throws(GrammarError) {
        for (lang, catalog) in messages.sorted(by: { $0.key < $1.key }) {
            for key in Grammar.requiredKeys where !catalog.contains(key) {
                throw GrammarError(file: Grammar.path(folder, "messages.\(lang)"), line: 0, reason: "message `\(key)` missing")
            }
        }
        guard messages["hu"] != nil else {
            throw GrammarError(file: Grammar.path(folder, "messages.hu"), line: 0, reason: "the Hungarian messages are required")
        }
        self.messages = messages
        self.commands = commands
    }

    /// Reads `messages.hu`, `messages.en` and `sms.grammar` from `directory`. Nothing is
    /// kept from a folder with an error: the caller keeps the grammar it has.
    public static func load(from directory: String) throws(GrammarError) -> Grammar {
        var catalogs: [String: MessageCatalog] = [:]
        for lang in ["hu", "en"] {
            let path = Grammar.path(directory, "messages.\(lang)")
            catalogs[lang] = try MessageCatalog(parsing: readFile(path), file: path)
        }
        let commandPath = Grammar.path(directory, commandFile)
        let commands = try CommandGrammar(parsing: readFile(commandPath), file: commandPath)
        return try Grammar(messages: catalogs, commands: commands, folder: directory)
    }

    public static func path(_ folder: String?, _ name: String) -> String {
        guard let folder, !folder.isEmpty else { return name }
        return folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    public static func readFile(_ path: String) throws(GrammarError) -> String {
        guard let file = fopen(path, "rb") else {
            throw GrammarError(file: path, line: 0, reason: "cannot read file")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        if ferror(file) != 0 {
            throw GrammarError(file: path, line: 0, reason: "cannot read file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw GrammarError(file: path, line: Grammar.firstInvalidLine(bytes), reason: "not valid UTF-8")
        }
        return text
    }

    /// The 1-based line of the first byte sequence that is not UTF-8.
    static func firstInvalidLine(_ bytes: [UInt8]) -> Int {
        var line = 1
        var lineStart = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            if String(validating: bytes[lineStart..<index], as: UTF8.self) == nil { return line }
            line += 1
            lineStart = index + 1
        }
        return line
    }
}

extension Grammar {
    /// What the grammar makes of one SMS: see ``CommandGrammar/recognize(destination:text:)``.
    public func recognize(destination: Destination, text: String) -> Recognition {
        commands.recognize(destination: destination, text: text)
    }

    /// The service name a destination leads to, or `nil` when no rule knows it.
    public func service(for destination: Destination) -> String? {
        commands.service(for: destination)
    }

    /// Every service name in file order, for the help-message keys `help.<service>`.
    public var services: [String] { commands.services.map(\.name) }
}
