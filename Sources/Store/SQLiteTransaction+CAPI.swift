import GRDB
// The SQLite C API as GRDB links it (GRDB's own module for the system libsqlite3).
import GRDBSQLite
import Model
import Numbering

/// Statements through the SQLite C API: preparing (once per connection), binding from
/// the arena, stepping, reading columns.
extension SQLiteTransaction {
    /// The prepared `sqlite3_stmt` of `sql`, reset and ready to bind. The GRDB
    /// `Statement` that owns it stays in `statements` (and GRDB's cache) meanwhile.
    func prepared(_ sql: SQL) throws -> SQLiteStatement {
        // SQLite rolls the whole transaction back by itself on some errors (disk full,
        // I/O error). A later statement would then run in autocommit mode and be kept
        // at once, outside the group, although the group is answered 451. GRDB guards
        // its own statements against this; these bypass GRDB, so check here.
        if sqlite3_get_autocommit(connection) != 0 {
            let error = DatabaseError(resultCode: .SQLITE_ABORT, message: "the transaction was rolled back by SQLite")
            poison = poison ?? error
            throw error
        }
        if let statement = statements[sql.rawValue] { return statement.sqliteStatement }
        let statement = try db.cachedStatement(sql: sql.text)
        statements[sql.rawValue] = statement
        sqlite3_reset(statement.sqliteStatement)
        return statement.sqliteStatement
    }

    // MARK: SQLite C API helpers

    /// Binds a copy of the string's bytes in the arena, `SQLITE_STATIC` (nil destructor):
    /// SQLite neither copies nor frees it.
    func bind(_ s: SQLiteStatement, _ index: Int32, _ value: String) {
        // An empty string binds '' , not NULL: the arena always returns an address.
        let (copy, count) = arena.copy(value)
        _ = sqlite3_bind_text(s, index, copy.assumingMemoryBound(to: CChar.self), Int32(count), nil)
    }

    /// Binds bytes already copied into the arena.
    func bind(_ s: SQLiteStatement, _ index: Int32, _ copy: (UnsafeRawPointer, Int)) {
        _ = sqlite3_bind_text(s, index, copy.0.assumingMemoryBound(to: CChar.self), Int32(copy.1), nil)
    }

    func bind(_ s: SQLiteStatement, _ index: Int32, _ copy: (UnsafeRawPointer, Int)?) {
        if let copy { bind(s, index, copy) } else { sqlite3_bind_null(s, index) }
    }

    func bind(_ s: SQLiteStatement, _ index: Int32, _ value: String?) {
        if let value { bind(s, index, value) } else { sqlite3_bind_null(s, index) }
    }

    func bind(_ s: SQLiteStatement, _ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(s, index, value) } else { sqlite3_bind_null(s, index) }
    }

    /// One step: `true` for a row, `false` when done; a DatabaseError otherwise.
    func step(_ s: SQLiteStatement) throws -> Bool {
        let code = sqlite3_step(s)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw DatabaseError(resultCode: ResultCode(rawValue: code),
                            message: connection.map { String(cString: sqlite3_errmsg($0)) },
                            sql: sqlite3_sql(s).map { String(cString: $0) })
    }

    func bytes(_ s: SQLiteStatement, _ column: Int32) -> UnsafeBufferPointer<UInt8> {
        // sqlite3_column_text first (it may convert), then the byte count of that text.
        let base = sqlite3_column_text(s, column)
        return UnsafeBufferPointer(start: base, count: base == nil ? 0 : Int(sqlite3_column_bytes(s, column)))
    }


    func text(_ s: SQLiteStatement, _ column: Int32) -> String {
        String(decoding: bytes(s, column), as: UTF8.self)
    }

    func optionalText(_ s: SQLiteStatement, _ column: Int32) -> String? {
        sqlite3_column_type(s, column) == SQLITE_NULL ? nil : text(s, column)
    }

    func optionalInt64(_ s: SQLiteStatement, _ column: Int32) -> Int64? {
        sqlite3_column_type(s, column) == SQLITE_NULL ? nil : sqlite3_column_int64(s, column)
    }

    /// `YYYY-MM-DD` straight from the column bytes: no intermediate string or arrays,
    /// since this runs for every subscriber loaded on the hot path.
    static func date(_ bytes: some Sequence<UInt8>) -> CalendarDate? {
        var fields = (0, 0, 0)
        var index = 0
        for byte in bytes {
            defer { index += 1 }
            switch index {
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { return nil }
            case 0..<10:
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                let digit = Int(byte - 0x30)
                if index < 4 { fields.0 = fields.0 * 10 + digit }
                else if index < 7 { fields.1 = fields.1 * 10 + digit }
                else { fields.2 = fields.2 * 10 + digit }
            default:
                return nil
            }
        }
        guard index == 10, CalendarDate.isValid(year: fields.0, month: fields.1, day: fields.2) else { return nil }
        return CalendarDate(year: fields.0, month: fields.1, day: fields.2)
    }

    /// Rolls the transaction back behind GRDB's back, as SQLite does on a disk-full or
    /// I/O error. Tests only.
    func simulateAutomaticRollback() {
        _ = sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
    }
}
