/// A CSV record decoder (RFC 4180, as spreadsheets and billing systems write it): a pure
/// state machine fed bytes in chunks of any size, giving whole records with the line
/// they started on. Quoted fields may hold commas, `""` and line breaks; CRLF and LF end
/// a record; a UTF-8 byte order mark at the start is dropped.
///
/// ```swift
/// var decoder = CSVDecoder()
/// decoder.feed(Array("msisdn,product\r\n36301234567,\"pre".utf8))   // [Record(line 1: msisdn, product)]
/// decoder.feed(Array("paid\"\n".utf8))                               // [Record(line 2: 36301234567, prepaid)]
/// decoder.finish()                                                    // [] (or the last record without its newline)
/// ```
public struct CSVDecoder: Sendable {
    public struct Record: Equatable, Sendable {
        /// The line of the file the record starts on, from 1.
        public var line: Int
        public var fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// A quote inside an unquoted field, or text after a closing quote.
        case strayQuote(line: Int)
        /// The file ended inside a quoted field.
        case unterminatedQuote(line: Int)
        /// A record longer than ``maximumRecordBytes``.
        case recordTooLong(line: Int)
        /// Bytes that are not UTF-8.
        case notUTF8(line: Int)

        public var description: String {
            switch self {
            case .strayQuote(let line): return "line \(line): a quote inside a field (quote the whole field and double the quote)"
            case .unterminatedQuote(let line): return "line \(line): a quoted field is never closed"
            case .recordTooLong(let line): return "line \(line): longer than \(CSVDecoder.maximumRecordBytes) bytes"
            case .notUTF8(let line): return "line \(line): not UTF-8 text"
            }
        }
    }

    /// No record of ours is near this; a file without line breaks does not fill memory.
    public static let maximumRecordBytes = 64 * 1024

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterCR }

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var recordBytes = 0
    private var line = 1
    private var recordLine = 1
    private var atStart = true
    private var bom: [UInt8] = []
    private var failed: Failure?

    public init() {}

    /// The records these bytes complete. After a failure every call throws it again.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Record] {
        if let failed { throw failed }
        var records: [Record] = []
        for byte in bytes {
            if atStart {
                // EF BB BF: the byte order mark some spreadsheets write first.
                let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
                if byte == mark[bom.count] {
                    bom.append(byte)
                    if bom.count == 3 { atStart = false; bom = [] }
                    continue
                }
                atStart = false
                let held = bom
                bom = []
                for b in held { try step(b, &records) }
            }
            try step(byte, &records)
        }
        return records
    }

    /// The last record when the file does not end with a line break.
    public mutating func finish() throws(Failure) -> [Record] {
        if let failed { throw failed }
        var records: [Record] = []
        if atStart, !bom.isEmpty {
            atStart = false
            let held = bom
            bom = []
            for b in held { try step(b, &records) }
        }
        switch state {
        case .quoted: throw fail(.unterminatedQuote(line: recordLine))
        case .afterCR: break
        case .fieldStart where fields.isEmpty: break
        default: try endRecord(&records)
        }
        state = .fieldStart
        return records
    }

    private mutating func fail(_ failure: Failure) -> Failure {
        failed = failure
        return failure
    }

    private mutating func step(_ byte: UInt8, _ records: inout [Record]) throws(Failure) {
        recordBytes += 1
        if recordBytes > CSVDecoder.maximumRecordBytes { throw fail(.recordTooLong(line: recordLine)) }
        switch state {
        case .fieldStart, .unquoted:
            switch byte {
            case UInt8(ascii: ","): try endField(); state = .fieldStart
            case UInt8(ascii: "\n"): try endRecord(&records); line += 1; recordLine = line
            case UInt8(ascii: "\r"): try endRecord(&records); state = .afterCR
            case UInt8(ascii: "\""):
                guard state == .fieldStart else { throw fail(.strayQuote(line: line)) }
                state = .quoted
            default: field.append(byte); state = .unquoted
            }
        case .quoted:
            if byte == UInt8(ascii: "\"") { state = .quoteInQuoted; return }
            if byte == UInt8(ascii: "\n") { line += 1 }
            field.append(byte)
        case .quoteInQuoted:
            switch byte {
            case UInt8(ascii: "\""): field.append(byte); state = .quoted
            case UInt8(ascii: ","): try endField(); state = .fieldStart
            case UInt8(ascii: "\n"): try endRecord(&records); line += 1; recordLine = line
            case UInt8(ascii: "\r"): try endRecord(&records); state = .afterCR
            default: throw fail(.strayQuote(line: line))
            }
        case .afterCR:
            line += 1
            recordLine = line
            state = .fieldStart
            if byte != UInt8(ascii: "\n") { try step(byte, &records) }
        }
    }

    private mutating func endField() throws(Failure) {
        guard let text = String(validating: field, as: UTF8.self) else { throw fail(.notUTF8(line: recordLine)) }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(_ records: inout [Record]) throws(Failure) {
        try endField()
        // A blank line is no record.
        if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
        fields.removeAll(keepingCapacity: true)
        recordBytes = 0
        state = .fieldStart
    }
}
