import Model
import Numbering

extension CommandGrammar {
    /// Parses a command grammar file; every error names `file`, the 1-based line and the
    /// reason. The format is described in `Grammars/README.md`:
    ///
    /// ```
    /// topic HIREK = HÍREK, NEWS
    /// language en = EN, ENGLISH
    /// service infosms
    ///   number 777
    ///   rule STOP <topic> -> info.unsubscribe
    ///   rule <topic>      -> info.subscribe
    /// ```
    public init(parsing text: String, file: String) throws(GrammarError) {
        var parser = Parser(file: file)
        var lineNumber = 0
        for rawLine in text.fileLines() {
            lineNumber += 1
            try parser.parse(line: rawLine, number: lineNumber)
        }
        try parser.finish()
        self.init(services: parser.services, topics: parser.topics, languageNames: parser.languages)
    }
}

/// The line parser: one directive a line, checked as it comes; `finish` checks what
/// needs the whole file.
private struct Parser {
    let file: String
    var services: [CommandGrammar.Service] = []
    var serviceLines: [Int] = []
    var topics: [CommandGrammar.Topic] = []
    var languages: [(language: Language, names: [String])] = []
    /// Folded name → line, for topic and language names defined twice.
    var topicNames: [String: Int] = [:]
    var languageNames: [String: Int] = [:]
    /// Every destination so far → (service, line), to refuse duplicates and overlaps.
    var destinations: [(rule: CommandGrammar.DestinationRule, service: String, line: Int)] = []
    /// Slot types used by rules, with the first line using them.
    var usedTypes: [CommandGrammar.SlotType: Int] = [:]

    init(file: String) { self.file = file }

    func error(_ line: Int, _ reason: String) -> GrammarError {
        GrammarError(file: file, line: line, reason: reason)
    }

    mutating func parse(line raw: Substring, number: Int) throws(GrammarError) {
        var line = raw
        if line.hasSuffix("\r") { line = line.dropLast() }
        line = Parser.strippingComment(line)
        let trimmed = line.trimmingSpaces()
        if trimmed.isEmpty { return }
        let directiveEnd = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? trimmed.endIndex
        let directive = String(trimmed[..<directiveEnd])
        let rest = trimmed[directiveEnd...].trimmingSpaces()
        switch directive {
        case "topic": try topic(rest, number)
        case "language": try language(rest, number)
        case "service": try service(rest, number)
        case "number", "range", "prefix": try destination(directive, rest, number)
        case "rule": try rule(rest, number)
        default:
            throw error(number, "unknown directive `\(directive)` (expected topic, language, service, number, range, prefix or rule)")
        }
    }

    /// `#` at the start of a line, or after a space or tab, starts a comment.
    static func strippingComment(_ line: Substring) -> Substring {
        var previous: Character = " "
        for index in line.indices {
            if line[index] == "#", previous == " " || previous == "\t" { return line[..<index] }
            previous = line[index]
        }
        return line
    }

    // MARK: topics and languages

    /// `NAME = alias, alias` → the names, the first one canonical.
    func names(_ text: String, _ line: Int, what: String) throws(GrammarError) -> (head: String, names: [String]) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let head = parts[0].trimmingSpaces()
        guard !head.isEmpty else { throw error(line, "\(what) without a name") }
        var names = [head]
        if parts.count == 2 {
            for alias in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
                let name = alias.trimmingSpaces()
                guard !name.isEmpty else { throw error(line, "empty name in the list of `\(head)`") }
                names.append(name)
            }
        }
        for name in names {
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" || $0 == "_" }),
                  !Tokenizer.words(name).isEmpty
            else { throw error(line, "bad \(what) name `\(name)` (letters, digits, spaces, `-`, `_`)") }
        }
        return (head, names)
    }

    mutating func topic(_ text: String, _ line: Int) throws(GrammarError) {
        let (head, names) = try names(text, line, what: "topic")
        // `HIREK = HÍREK` is fine: the same topic may be written with and without accents.
        for name in names {
            let key = Tokenizer.words(name).joined(separator: " ")
            if let first = topicNames[key], first != line {
                throw error(line, "topic name `\(name)` already defined on line \(first)")
            }
            topicNames[key] = line
        }
        topics.append(.init(canonical: Tokenizer.words(head).joined(separator: " "), names: names))
    }

    mutating func language(_ text: String, _ line: Int) throws(GrammarError) {
        let (head, names) = try names(text, line, what: "language")
        guard let language = Language(rawValue: head.lowercased()) else {
            let known = Language.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(line, "unknown language `\(head)` (known: \(known))")
        }
        guard !languages.contains(where: { $0.language == language }) else {
            throw error(line, "language `\(head)` defined twice")
        }
        guard names.count > 1 else {
            throw error(line, "language `\(head)` has no names (write `language \(head) = NAME, NAME`)")
        }
        for name in names.dropFirst() {
            let key = Tokenizer.words(name).joined(separator: " ")
            if let first = languageNames[key], first != line {
                throw error(line, "language name `\(name)` already defined on line \(first)")
            }
            languageNames[key] = line
        }
        languages.append((language, Array(names.dropFirst())))
    }

    // MARK: services and destinations

    mutating func service(_ name: String, _ line: Int) throws(GrammarError) {
        guard !name.isEmpty, name.allSatisfy({ ($0.isLetter && $0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" || $0 == "_" })
        else { throw error(line, "bad service name `\(name)` (lower-case letters, digits, `-`, `_`)") }
        if let index = services.firstIndex(where: { $0.name == name }) {
            throw error(line, "service `\(name)` already defined on line \(serviceLines[index])")
        }
        try checkLastService()
        services.append(.init(name: name, destinations: [], rules: [], takesPIN: false))
        serviceLines.append(line)
    }

    func checkLastService() throws(GrammarError) {
        guard let last = services.last else { return }
        if last.destinations.isEmpty {
            throw error(serviceLines[serviceLines.count - 1], "service `\(last.name)` has no number, range or prefix")
        }
        if last.rules.isEmpty {
            throw error(serviceLines[serviceLines.count - 1], "service `\(last.name)` has no rule")
        }
    }

    func currentService(_ directive: String, _ line: Int) throws(GrammarError) -> Int {
        guard !services.isEmpty else { throw error(line, "`\(directive)` before any `service`") }
        return services.count - 1
    }

    mutating func destination(_ kind: String, _ text: String, _ line: Int) throws(GrammarError) {
        let index = try currentService(kind, line)
        guard !text.isEmpty else { throw error(line, "`\(kind)` without a number") }
        let rule: CommandGrammar.DestinationRule
        switch kind {
        case "number":
            guard let digits = PhoneNumber.normalisedPrefix(text), Destination(parsing: text)?.digits == digits else {
                throw error(line, "bad number `\(text)` (a short code or a full number; use `prefix` for a prefix)")
            }
            rule = .exact(digits)
        case "range":
            let ends = text.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let low = PhoneNumber.normalisedPrefix(ends[0]),
                  let high = PhoneNumber.normalisedPrefix(ends[1])
            else { throw error(line, "bad number range `\(text)` (write LOW-HIGH, e.g. 06308080700-06308080799)") }
            guard low.count == high.count, low <= high else {
                throw error(line, "bad number range `\(text)`: the ends must have as many digits and LOW ≤ HIGH")
            }
            rule = .range(low: low, high: high)
        default:
            var body = Substring(text)
            var wildcards = 0
            while let last = body.last, last == "x" || last == "X" { body.removeLast(); wildcards += 1 }
            guard let digits = PhoneNumber.normalisedPrefix(body) else {
                throw error(line, "bad prefix `\(text)` (digits as dialled or international, optional trailing x's: 0690, 16xxx)")
            }
            rule = .prefix(digits, length: wildcards == 0 ? nil : digits.count + wildcards)
        }
        if let clash = destinations.first(where: { Parser.clash($0.rule, rule) }) {
            throw error(line, "destination `\(rule)` already belongs to service `\(clash.service)` (line \(clash.line))")
        }
        destinations.append((rule, services[index].name, line))
        services[index].destinations.append(rule)
    }

    /// Two destination rules clash when the lookup could not choose between them: the
    /// same exact number, the same prefix, or overlapping ranges. (An exact number inside
    /// a range or prefix is fine: the exact number wins.)
    static func clash(_ a: CommandGrammar.DestinationRule, _ b: CommandGrammar.DestinationRule) -> Bool {
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return x == y
        case (.prefix(let x, let m), .prefix(let y, let n)): return x == y && m == n
        case (.range(let lowA, let highA), .range(let lowB, let highB)):
            return lowA.count == lowB.count && lowA <= highB && lowB <= highA
        default: return false
        }
    }

    // MARK: rules

    mutating func rule(_ text: String, _ line: Int) throws(GrammarError) {
        let index = try currentService("rule", line)
        guard let arrow = Parser.lastArrow(in: text) else {
            throw error(line, "a rule needs `-> action`")
        }
        let actionName = text[arrow.upperBound...].trimmingSpaces()
        guard let action = Action(rawValue: actionName) else {
            throw error(line, "unknown action `\(actionName)`")
        }
        let elements = try pattern(text[..<arrow.lowerBound], line)
        let rule = CommandGrammar.Rule(elements: elements, action: action, file: file, line: line)
        services[index].rules.append(rule)
        if rule.slots.contains(where: { $0.type == .pin }) { services[index].takesPIN = true }
    }

    static func lastArrow(in text: String) -> Range<String.Index>? {
        var index = text.endIndex
        while index > text.startIndex {
            let previous = text.index(before: index)
            if text[previous] == ">", previous > text.startIndex, text[text.index(before: previous)] == "-" {
                return text.index(before: previous)..<index
            }
            index = previous
        }
        return nil
    }

    /// `KEYWORD KEYWORD | KEYWORD <name:type> … *` → elements.
    func pattern(_ text: Substring, _ line: Int) throws(GrammarError) -> [CommandGrammar.Element] {
        var elements: [CommandGrammar.Element] = []
        var alternatives: [CommandGrammar.Keyword] = []
        var words = ""
        var slotNames: Set<String> = []

        func closeWord() throws(GrammarError) {
            let written = words.trimmingSpaces()
            words = ""
            guard !written.isEmpty else { throw error(line, "empty keyword alternative around `|`") }
            alternatives.append(.init(written: written, words: Tokenizer.words(written)))
        }
        func closeKeywords() throws(GrammarError) {
            if !alternatives.isEmpty, words.trimmingSpaces().isEmpty {
                throw error(line, "empty keyword alternative around `|`")
            }
            if !words.trimmingSpaces().isEmpty { try closeWord() }
            if !alternatives.isEmpty { elements.append(.keywords(alternatives)) }
            alternatives = []
        }

        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            switch c {
            case "<":
                try closeKeywords()
                guard let close = text[index...].firstIndex(of: ">") else {
                    throw error(line, "unterminated `<` in rule (write <name:type>)")
                }
                let slot = try self.slot(text[text.index(after: index)..<close], line)
                guard slotNames.insert(slot.name).inserted else {
                    throw error(line, "argument `\(slot.name)` appears twice in the rule")
                }
                elements.append(.slot(slot))
                index = text.index(after: close)
                continue
            case ">":
                throw error(line, "`>` without `<` in rule")
            case "|":
                try closeWord()
            case "*":
                try closeKeywords()
                elements.append(.rest)
            default:
                words.append(c)
            }
            index = text.index(after: index)
        }
        try closeKeywords()
        guard !elements.isEmpty else { throw error(line, "empty rule pattern (use `*` for any text)") }
        for (position, element) in elements.enumerated() where position < elements.count - 1 {
            if element == .rest { throw error(line, "`*` must be the last thing in a rule") }
            if case .slot(let slot) = element, slot.type == .text {
                throw error(line, "a text argument (`<\(slot.name):text>`) must be the last thing in a rule")
            }
        }
        return elements
    }

    func slot(_ text: Substring, _ line: Int) throws(GrammarError) -> CommandGrammar.Slot {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let typeName = (parts.count == 2 ? parts[1] : parts[0]).trimmingSpaces()
        let name = parts[0].trimmingSpaces()
        guard let type = CommandGrammar.SlotType(rawValue: typeName) else {
            let known = CommandGrammar.SlotType.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(line, "unknown argument type `\(typeName)` (known: \(known))")
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw error(line, "bad argument name `\(name)` (letters, digits, `_`)")
        }
        return .init(name: name, type: type)
    }

    // MARK: the whole file

    mutating func finish() throws(GrammarError) {
        try checkLastService()
        for service in services {
            for rule in service.rules {
                for slot in rule.slots {
                    if slot.type == .topic, topics.isEmpty {
                        throw error(rule.line, "`<\(slot.name):topic>` but the file defines no `topic`")
                    }
                    if slot.type == .language, languages.isEmpty {
                        throw error(rule.line, "`<\(slot.name):language>` but the file defines no `language`")
                    }
                }
            }
        }
    }
}
