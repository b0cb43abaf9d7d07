/// Where a store is, as `--db` names it. Every command that opens a store goes through
/// ``StoreLocation/init(parsing:)`` and ``open(_:failEveryNthCommit:)``: the one place a
/// second backend (PostgreSQL, `--db postgresql://…`) joins.
///
/// ```swift
/// try StoreLocation(parsing: "./data/selfcare.sqlite")   // .sqlite(path: "./data/selfcare.sqlite")
/// try StoreLocation(parsing: "sqlite:/var/lib/selfcare/store.sqlite")
/// try StoreLocation(parsing: "postgresql://selfcare@db1/selfcare")  // throws: not built yet
/// ```
public enum StoreLocation: Equatable, Sendable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(path: String)

    public struct Unsupported: Error, CustomStringConvertible {
        public let description: String
    }

    /// A file path (optionally `sqlite:PATH`); a URL of another scheme is refused with
    /// the reason.
    public init(parsing text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw Unsupported(description: "--db sqlite: needs a path") }
            self = .sqlite(path: path)
            return
        }
        if let colon = text.range(of: "://") {
            let scheme = text[..<colon.lowerBound].lowercased()
            if scheme == "postgresql" || scheme == "postgres" {
                throw Unsupported(description: "PostgreSQL stores are not available in this build yet; give --db a file path (SQLite)")
            }
            throw Unsupported(description: "unknown store URL scheme \(scheme)://; give --db a file path (SQLite)")
        }
        guard !text.isEmpty else { throw Unsupported(description: "--db needs a path") }
        self = .sqlite(path: text)
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        }
    }

    /// How a command wants the store: a new one may be made (`db init`, `db populate`),
    /// or it must exist and be ours (everything else).
    public enum Mode: Sendable {
        case createIfMissing, existingOnly
    }

    /// Opens the store. SQLite's own operations (check, populate, accounts) are on the
    /// returned `SQLiteStore`.
    public func open(_ mode: Mode, failEveryNthCommit: Int? = nil) throws -> SQLiteStore {
        switch self {
        case .sqlite(let path):
            return try SQLiteStore(path: path, opening: mode == .createIfMissing ? .createIfMissing : .existingOnly,
                                   failEveryNthCommit: failEveryNthCommit)
        }
    }
}
