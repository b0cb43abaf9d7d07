import Logging

/// How a log line is written: `logfmt` (`ts=… level=info msg=command channel=line …`, the
/// default: greppable, and journald shows it as is) or `json` (one object a line, for
/// collectors that parse). Pure: a record in, bytes out; ``LogSink`` does the writing.
///
/// ```swift
/// var out: [UInt8] = []
/// LogFormat.logfmt.render(time: LogTime(seconds: 0, milliseconds: 5), level: .info, message: "command",
///                         metadata: ["channel": "line", "ms": .stringConvertible(0.4)], into: &out)
/// // ts=1970-01-01T00:00:00.005Z level=info msg=command channel=line ms=0.4\n
/// ```
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt, json

    /// Metadata keys in the order a reader expects them; the rest follow sorted.
    static let keyOrder = ["channel", "transport", "method", "path", "status", "account", "source", "service", "outcome",
                           "ms", "batch", "suppressed"]

    static let ranks: [String: Int] = Dictionary(uniqueKeysWithValues: keyOrder.enumerated().map { ($1, $0) })

    /// Appends one line (with its `\n`) for the record to `out`.
    public func render(time: LogTime, level: Logger.Level, message: String, metadata: Logger.Metadata,
                       into out: inout [UInt8]) {
        let fields = LogFormat.ordered(metadata)
        switch self {
        case .logfmt:
            out.append(contentsOf: "ts=".utf8)
            time.render(into: &out)
            out.append(contentsOf: " level=".utf8)
            out.append(contentsOf: level.rawValue.utf8)
            out.append(contentsOf: " msg=".utf8)
            LogFormat.logfmtValue(message, into: &out)
            for field in fields {
                out.append(0x20)
                LogFormat.logfmtKey(field.key, into: &out)
                out.append(UInt8(ascii: "="))
                LogFormat.logfmtValue(field.value.description, into: &out)
            }
        case .json:
            out.append(contentsOf: #"{"ts":""#.utf8)
            time.render(into: &out)
            out.append(contentsOf: #"","level":""#.utf8)
            out.append(contentsOf: level.rawValue.utf8)
            out.append(contentsOf: #"","msg":"#.utf8)
            LogFormat.jsonString(message, into: &out)
            for field in fields {
                out.append(UInt8(ascii: ","))
                LogFormat.jsonString(field.key, into: &out)
                out.append(UInt8(ascii: ":"))
                LogFormat.jsonValue(field.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(0x0A)
    }

    /// The fields in ``keyOrder``, the others after them by name. No sort for the known
    /// ones (a slot each): a command line has six fields and is written tens of thousands
    /// of times a second.
    static func ordered(_ metadata: Logger.Metadata) -> [(key: String, value: Logger.MetadataValue)] {
        var fields: [(key: String, value: Logger.MetadataValue)] = []
        guard !metadata.isEmpty else { return fields }
        fields.reserveCapacity(metadata.count)
        var slots = [Logger.MetadataValue?](repeating: nil, count: keyOrder.count)
        var others: [String] = []
        for (key, value) in metadata {
            if let rank = ranks[key] { slots[rank] = value } else { others.append(key) }
        }
        for rank in slots.indices { if let value = slots[rank] { fields.append((keyOrder[rank], value)) } }
        if !others.isEmpty {
            for key in others.sorted() { fields.append((key, metadata[key]!)) }
        }
        return fields
    }

    /// A logfmt key: the characters a key may have; anything else becomes `_`.
    static func logfmtKey(_ key: String, into out: inout [UInt8]) {
        if key.isEmpty { return out.append(UInt8(ascii: "_")) }
        if key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "\"") }) {
            return out.append(contentsOf: key.utf8)
        }
        for byte in key.utf8 {
            let plain = byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "\"")
            out.append(plain ? byte : UInt8(ascii: "_"))
        }
    }

    /// A logfmt value: bare when it can be, else quoted with `\"`, `\\`, `\n`, `\r`, `\t`
    /// and `\u00XX` for other control characters (an attacker's account name cannot
    /// start a line of its own or forge a field).
    static func logfmtValue(_ value: String, into out: inout [UInt8]) {
        let bare = !value.isEmpty && value.utf8.allSatisfy {
            $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\")
        }
        if bare { return out.append(contentsOf: value.utf8) }
        out.append(UInt8(ascii: "\""))
        escape(value, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A JSON string (RFC 8259 escapes; valid UTF-8 stays as it is).
    static func jsonString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        escape(value, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Numbers as JSON numbers, lists and objects as JSON ones, the rest as strings.
    static func jsonValue(_ value: Logger.MetadataValue, into out: inout [UInt8]) {
        switch value {
        case .string(let s):
            jsonString(s, into: &out)
        case .stringConvertible(let v):
            if v is Int || v is Int64 || v is UInt64 || v is Int32 || (v as? Double)?.isFinite == true {
                out.append(contentsOf: v.description.utf8)
            } else {
                jsonString(v.description, into: &out)
            }
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                jsonValue(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let d):
            out.append(UInt8(ascii: "{"))
            for (i, key) in d.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                jsonString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                jsonValue(d[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The escapes logfmt and JSON share.
    static func escape(_ value: String, into out: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20, 0x7F:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex(byte >> 4))
                out.append(hex(byte & 0xF))
            default: out.append(byte)
            }
        }
    }

    private static func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
}
