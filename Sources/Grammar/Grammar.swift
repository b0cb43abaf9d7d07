#if canImport(Glibc)
import Glibc
#endif

/// Everything read from the `Grammars/` folder, checked as a whole: a grammar with an
/// error is refused and the one in force stays.
public struct Grammar: Sendable {
    /// Reply texts per language code (`hu`, `en`).
    public let messages: [String: MessageCatalog]
    /// Message keys every language must define: the engine uses them.
    public static let requiredKeys: [String] = [
        "balance.prepaid", "balance.postpaid", "balance.postpaid.nobill", "balance.mix",
        "balance.lastPurchase", "subscriber.unknown", "destination.unknown",
        "topup.postpaid", "topup.overflow",
    ]

    public init(messages: [String: MessageCatalog]) throws(GrammarError) {
        for (lang, catalog) in messages {
            for key in Grammar.requiredKeys where !catalog.contains(key) {
                throw GrammarError(file: "messages.\(lang)", line: 0, reason: "message `\(key)` missing")
            }
        }
        guard messages["hu"] != nil else {
            throw GrammarError(file: "messages.hu", line: 0, reason: "the Hungarian messages are required")
        }
        self.messages = messages
    }

    /// Reads `messages.hu` and `messages.en` from `directory`.
    public static func load(from directory: String) throws(GrammarError) -> Grammar {
        var catalogs: [String: MessageCatalog] = [:]
        for lang in ["hu", "en"] {
            let name = "messages.\(lang)"
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            guard let text = readFile(path) else {
                throw GrammarError(file: path, line: 0, reason: "cannot read file")
            }
            catalogs[lang] = try MessageCatalog(parsing: text, file: path)
        }
        return try Grammar(messages: catalogs)
    }

    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text
    }
}
