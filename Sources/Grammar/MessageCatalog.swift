import Model

/// Reply texts of one language, read from `Grammars/messages.<lang>`.
///
/// The file format: one message per line, `key = text`; `#` starts a comment line;
/// `{name}` in a text is a placeholder filled in by the engine; a line ending in `\`
/// continues on the next. Keys are dotted names (`balance.prepaid`).
///
/// ```swift
/// let hu = try MessageCatalog(parsing: "balance = Egyenleg: {amount}", file: "messages.hu")
/// hu.render("balance", ["amount": "5 000 Ft"])   // "Egyenleg: 5 000 Ft"
/// ```
public struct MessageCatalog: Sendable {
    /// A text split once, at load, into literal runs and placeholders, so rendering on
    /// the hot path is appends only.
    public struct Template: Sendable, Equatable {
        public enum Part: Sendable, Equatable {
            case literal(String)
            case placeholder(String)
        }
        public let parts: [Part]

        public var placeholders: [String] {
            parts.compactMap { if case .placeholder(let p) = $0 { return p } else { return nil } }
        }
    }

    public private(set) var templates: [String: Template] = [:]
    /// The line of the file each key is on (where it was parsed from one).
    public private(set) var lines: [String: Int] = [:]

    public init(templates: [String: Template] = [:]) {
        self.templates = templates
    }

    /// Parses a catalog; errors carry the file name and line number.
    public init(parsing text: String, file: String) throws(GrammarError) {
        var pending: (key: String, value: String, line: Int)?
        var lineNumber = 0
        for rawLine in text.fileLines() {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if var open = pending {
                let continues = line.hasSuffix("\\")
                open.value += String(continues ? line.dropLast() : line).trimmingLeadingSpaces()
                if continues { pending = open } else {
                    try add(open.key, open.value, file: file, line: open.line)
                    pending = nil
                }
                continue
            }
            let trimmed = line.trimmingLeadingSpaces()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw GrammarError(file: file, line: lineNumber, reason: "expected `key = text`")
            }
            let key = String(trimmed[..<eq]).trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }) else {
                throw GrammarError(file: file, line: lineNumber, reason: "bad message key `\(key)`")
            }
            var value = String(trimmed[trimmed.index(after: eq)...]).trimmingLeadingSpaces()
            if value.hasSuffix("\\") {
                value.removeLast()
                pending = (key, value, lineNumber)
            } else {
                try add(key, value, file: file, line: lineNumber)
            }
        }
        if let open = pending {
            throw GrammarError(file: file, line: open.line, reason: "continuation `\\` at end of file")
        }
    }

    private mutating func add(_ key: String, _ text: String, file: String, line: Int) throws(GrammarError) {
        guard templates[key] == nil else {
            throw GrammarError(file: file, line: line, reason: "message `\(key)` defined twice")
        }
        templates[key] = try MessageCatalog.compile(text, file: file, line: line)
        lines[key] = line
    }

    static func compile(_ text: String, file: String, line: Int) throws(GrammarError) -> Template {
        var parts: [Template.Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == "{" {
                guard let close = text[index...].firstIndex(of: "}") else {
                    throw GrammarError(file: file, line: line, reason: "unclosed `{` in message")
                }
                let name = String(text[text.index(after: index)..<close])
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw GrammarError(file: file, line: line, reason: "bad placeholder `{\(name)}`")
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.placeholder(name))
                index = text.index(after: close)
            } else {
                literal.append(c)
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return Template(parts: parts)
    }

    /// Fills a message in; an unknown key renders as the key itself (visible, never a crash),
    /// a missing value as an empty string.
    public func render(_ key: String, _ values: KeyValuePairs<String, String> = [:]) -> String {
        render(templates[key], key: key, values)
    }

    /// The compiled message of `key`, for callers that render it often and look it up once.
    public func template(_ key: String) -> Template? { templates[key] }

    /// Fills in a template looked up before with ``template(_:)``; `nil` (no such
    /// message) renders as `key`, like ``render(_:_:)``.
    public func render(_ template: Template?, key: String, _ values: KeyValuePairs<String, String> = [:]) -> String {
        guard let template else { return key }
        // Every reply is rendered here: measured first, then written in one allocation
        // (no array of pieces, which would cost an allocation and a release of each).
        func value(_ name: String) -> String? { values.first(where: { $0.key == name })?.value }
        var count = 0
        for part in template.parts {
            switch part {
            case .literal(let s): count += s.utf8.count
            case .placeholder(let name): count += value(name)?.utf8.count ?? 0
            }
        }
        return String(unsafeUninitializedCapacity: count) { buffer in
            var offset = 0
            for part in template.parts {
                switch part {
                case .literal(let s): offset = String.copyUTF8(of: s, into: buffer, at: offset)
                case .placeholder(let name):
                    if let v = value(name) { offset = String.copyUTF8(of: v, into: buffer, at: offset) }
                }
            }
            return offset
        }
    }

    public func contains(_ key: String) -> Bool { templates[key] != nil }
}

/// A grammar file that cannot be used: file, line and reason.
public struct GrammarError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
}

extension StringProtocol {
    func trimmingLeadingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" })
    }

    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension String {
    /// The lines of a grammar file. A CR LF pair is one `Character` in Swift, so splitting
    /// on `"\n"` alone would leave a Windows-edited file as one line.
    func fileLines() -> [Substring] {
        split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }
}
