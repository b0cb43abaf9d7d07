import CSV
import Model
import Numbering

/// A problem with one line of an import file: every message names its line.
public struct ImportLineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// The columns of an import file, from its header row (the first record; names in any
/// case, in any order; `#` lines are comments).
public struct ImportHeader: Sendable {
    /// Column name → position.
    let positions: [String: Int]

    /// Reads the header: every name known, none twice, every required one there.
    public init(_ record: CSVDecoder.Record, known: [String], required: [String]) throws(ImportLineError) {
        var positions: [String: Int] = [:]
        for (i, raw) in record.fields.enumerated() {
            let name = raw.trimmingSpaces.lowercased()
            guard known.contains(name) else {
                throw ImportLineError(line: record.line, "unknown column \"\(raw)\": the columns are \(known.joined(separator: ", "))")
            }
            guard positions[name] == nil else { throw ImportLineError(line: record.line, "column \(name) given twice") }
            positions[name] = i
        }
        for name in required where positions[name] == nil {
            throw ImportLineError(line: record.line, "no column \(name): the header needs \(required.joined(separator: ", "))")
        }
        self.positions = positions
    }

    /// The field of `column` in `record`, spaces trimmed; `nil` when absent or empty.
    func value(_ column: String, _ record: CSVDecoder.Record) -> String? {
        guard let i = positions[column], i < record.fields.count else { return nil }
        let text = record.fields[i].trimmingSpaces
        return text.isEmpty ? nil : text
    }

    func checkWidth(_ record: CSVDecoder.Record) throws(ImportLineError) {
        guard record.fields.count <= positions.count else {
            throw ImportLineError(line: record.line, "\(record.fields.count) fields, the header has \(positions.count)")
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}

/// Whole forints in `range`, digits only (`1 000`, `1e3`, `-5` refused).
func forints(_ text: String, _ column: String, _ range: ClosedRange<Int64>, line: Int) throws(ImportLineError) -> Int64 {
    guard text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text), range.contains(value) else {
        throw ImportLineError(line: line, "\(column) \"\(text)\": whole forints, \(range.lowerBound) to \(range.upperBound)")
    }
    return value
}

func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ column: String, of type: T.Type,
                                                line: Int) throws(ImportLineError) -> T where T.RawValue == String {
    guard let value = T(rawValue: text.lowercased()) else {
        throw ImportLineError(line: line, "\(column) \"\(text)\": one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
}

/// Subscriber files: `msisdn,product[,lang][,birth][,status][,balance][,universal][,allowance][,since]`.
public enum SubscriberCSV {
    public static let columns = ["msisdn", "product", "lang", "birth", "status", "balance", "universal", "allowance", "since"]
    public static let required = ["msisdn", "product"]

    /// One data record as a row.
    public static func row(_ record: CSVDecoder.Record, _ header: ImportHeader) throws(ImportLineError) -> SubscriberImportRow {
        try header.checkWidth(record)
        let line = record.line
        guard let number = header.value("msisdn", record) else { throw ImportLineError(line: line, "msisdn is empty") }
        guard number.utf8.count <= 32, let msisdn = MSISDN(parsing: number) else {
            throw ImportLineError(line: line, "msisdn \"\(number)\": not a mobile number of ours (36301234567, 06-30-123-4567, +36 30 123 4567)")
        }
        guard let productText = header.value("product", record) else { throw ImportLineError(line: line, "product is empty") }
        var row = SubscriberImportRow(line: line, msisdn: msisdn, product: try choice(productText, "product", of: Product.self, line: line))
        if let text = header.value("lang", record) { row.language = try choice(text, "lang", of: Language.self, line: line) }
        if let text = header.value("birth", record) {
            guard let date = CalendarDate(iso: text) else { throw ImportLineError(line: line, "birth \"\(text)\": a date, YYYY-MM-DD") }
            row.birthDate = date
        }
        if let text = header.value("status", record) {
            guard let status = SubscriberStatus(rawValue: text.lowercased()), status != .terminated else {
                throw ImportLineError(line: line, "status \"\(text)\": active or suspended")
            }
            row.status = status
        }
        if let text = header.value("balance", record) { row.balance = try forints(text, "balance", 0...Limits.maximumTopUp, line: line) }
        if let text = header.value("universal", record) {
            row.universalBalance = try forints(text, "universal", 0...Limits.maximumTopUp, line: line)
        }
        if let text = header.value("allowance", record) {
            row.allowance = try forints(text, "allowance", 0...Limits.maximumAllowance, line: line)
        }
        if let text = header.value("since", record) {
            guard let date = CalendarDate(iso: text) else { throw ImportLineError(line: line, "since \"\(text)\": a date, YYYY-MM-DD") }
            row.since = date
        }
        return row
    }
}

/// Rate files: `prefix,price,kind[,adult]` (Examples/rates-from-csv.py reads the same).
public enum RateCSV {
    public static let columns = ["prefix", "price", "kind", "adult"]
    public static let required = ["prefix", "price", "kind"]
    static let yes: Set<String> = ["yes", "true", "1", "adult"]
    static let no: Set<String> = ["no", "false", "0", "noadult"]

    /// One data record as a rate change (`adult` empty: keep the stored flag).
    public static func row(_ record: CSVDecoder.Record, _ header: ImportHeader) throws(ImportLineError) -> RateChange {
        try header.checkWidth(record)
        let line = record.line
        guard let text = header.value("prefix", record) else { throw ImportLineError(line: line, "prefix is empty") }
        guard text.utf8.count <= 32, let prefix = PhoneNumber.normalisedPrefix(text) else {
            throw ImportLineError(line: line, "prefix \"\(text)\": digits as dialled (0690, 1690, 777) or international (3690)")
        }
        guard let priceText = header.value("price", record) else { throw ImportLineError(line: line, "price is empty") }
        let price = try forints(priceText, "price", 0...Limits.maximumPrice, line: line)
        guard let kindText = header.value("kind", record) else { throw ImportLineError(line: line, "kind is empty") }
        var change = RateChange(prefix: prefix, price: price, kind: try choice(kindText, "kind", of: RateKind.self, line: line))
        if let flag = header.value("adult", record)?.lowercased() {
            if yes.contains(flag) { change.adult = true } else if no.contains(flag) { change.adult = false } else {
                throw ImportLineError(line: line, "adult \"\(flag)\": yes or no (empty keeps the stored flag)")
            }
        }
        return change
    }
}

/// A whole import file in memory (the ops API's body, at most the HTTP body limit): its
/// rows, checked, and every line's problem. The command line reads files of any size
/// record by record instead.
public struct ImportBody<Row: Sendable>: Sendable {
    public var rows: [Row] = []
    /// The file's line of each row.
    public var lines: [Int] = []
    public var errors: [ImportLineError] = []

    /// `columns` known, `required` needed; `row` checks one data record.
    public init(_ bytes: [UInt8], columns: [String], required: [String],
                row: (CSVDecoder.Record, ImportHeader) throws(ImportLineError) -> Row) {
        var decoder = CSVDecoder()
        let records: [CSVDecoder.Record]
        do {
            records = try decoder.feed(bytes) + decoder.finish()
        } catch {
            let line = switch error {
            case .strayQuote(let l), .unterminatedQuote(let l), .recordTooLong(let l), .notUTF8(let l): l
            }
            errors = [ImportLineError(line: line, String(error.description.drop { $0 != ":" }.dropFirst(2)))]
            return
        }
        var header: ImportHeader?
        for record in records where record.fields.first?.hasPrefix("#") != true {
            do {
                guard let fileHeader = header else {
                    header = try ImportHeader(record, known: columns, required: required)
                    continue
                }
                rows.append(try row(record, fileHeader))
                lines.append(record.line)
            } catch {
                errors.append(error)
                if header == nil { return }
            }
        }
        if header == nil, errors.isEmpty { errors.append(ImportLineError(line: 1, "the file is empty: it needs a header row")) }
    }
}

extension ImportBody: Equatable where Row: Equatable {}
