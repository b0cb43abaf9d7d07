import Model
import Numbering

/// The argument types' readers. Each gets the words a slot may take (raw text and folded
/// words) and says what they mean, or `nil`.
enum ArgumentParsing {
    /// At most this many words per slot type: `+36 30 123 45 67` is five.
    static func maximumWords(_ type: CommandGrammar.SlotType, in grammar: CommandGrammar) -> Int {
        switch type {
        case .msisdn: return 6
        case .date: return 5
        case .topic: return grammar.topicWords
        case .language: return grammar.languageWords
        case .amount, .pin, .range: return 1
        case .text: return Int.max
        }
    }

    static func parse(
        _ type: CommandGrammar.SlotType, raw: Substring, folded: ArraySlice<Token>, grammar: CommandGrammar
    ) -> Argument? {
        switch type {
        case .topic:
            return grammar.topicIndex[joined(folded)].map { .topic($0) }
        case .language:
            return grammar.languageIndex[joined(folded)].map { .language($0) }
        case .date:
            return date(raw).map { .date($0) }
        case .msisdn:
            return MSISDN(parsing: raw).map { .msisdn($0) }
        case .amount:
            return amount(folded.first!.folded).map { .amount($0) }
        case .pin:
            let word = folded.first!.folded
            return word.utf8.count == 5 && word.utf8.allSatisfy(isDigit) ? .pin(word) : nil
        case .range:
            return range(folded.first!.folded).map { .range($0) }
        case .text:
            return .text(String(raw))
        }
    }

    static func joined(_ tokens: ArraySlice<Token>) -> String {
        if tokens.count == 1 { return tokens.first!.folded }
        return tokens.map(\.folded).joined(separator: " ")
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    // MARK: amount

    static let amountLimit: ClosedRange<Int64> = 1...10_000_000

    /// `5000`, `5000FT`, `5000HUF` → forints in 1 … 10 000 000.
    static func amount(_ word: String) -> Int64? {
        var digits = Substring(word)
        for unit in ["FT", "HUF"] where digits.hasSuffix(unit) { digits = digits.dropLast(unit.count) }
        guard !digits.isEmpty, digits.utf8.count <= 12, digits.utf8.allSatisfy(isDigit),
              let value = Int64(digits), amountLimit.contains(value)
        else { return nil }
        return value
    }

    // MARK: range

    /// `90`, `91`, `16` and the dialled forms `0690`, `06-90`, `0691` → `90`, `91`, `16`.
    static func range(_ word: String) -> String? {
        var digits = word.filter { $0 != "-" }
        if digits == "0690" || digits == "0691" { digits.removeFirst(2) }
        return digits == "90" || digits == "91" || digits == "16" ? digits : nil
    }

    // MARK: date

    /// Month names, folded: Hungarian and English. Any unambiguous prefix of at least
    /// three letters is a month too (`MARC`, `SZEPT`, `OKT`, `DEC`).
    static let monthNames: [(name: String, month: Int)] = [
        ("JANUAR", 1), ("FEBRUAR", 2), ("MARCIUS", 3), ("APRILIS", 4), ("MAJUS", 5), ("JUNIUS", 6),
        ("JULIUS", 7), ("AUGUSZTUS", 8), ("SZEPTEMBER", 9), ("OKTOBER", 10), ("NOVEMBER", 11), ("DECEMBER", 12),
        ("JANUARY", 1), ("FEBRUARY", 2), ("MARCH", 3), ("APRIL", 4), ("MAY", 5), ("JUNE", 6),
        ("JULY", 7), ("AUGUST", 8), ("SEPTEMBER", 9), ("OCTOBER", 10),
    ]

    static func month(named word: Substring) -> Int? {
        let folded = Folding.fold(word)
        guard folded.utf8.count >= 3 else { return nil }
        var found: Int?
        for (name, month) in monthNames where name.hasPrefix(folded) {
            if let other = found, other != month { return nil }
            found = month
        }
        return found
    }

    /// A date as people write it: `1985.03.21`, `1985-03-21`, `1985/03/21`, `19850321`,
    /// `1985. 03. 21.`, `1985. március 21.`, `1985 March 21`, `21.03.1985`,
    /// `21 March 1985`, `March 21, 1985`. The day must exist (no `1985.02.30`).
    static func date(_ raw: Substring) -> CalendarDate? {
        var parts: [Substring] = []
        var start: Substring.Index?
        for index in raw.indices {
            let c = raw[index]
            if c == " " || c == "." || c == "-" || c == "/" || c == "," || c == "\t" || c == "\n" || c == "\r" {
                if let s = start { parts.append(raw[s..<index]); start = nil }
            } else if start == nil {
                start = index
            }
        }
        if let s = start { parts.append(raw[s...]) }
        // A Hungarian day suffix written apart: `21-én`, `21-e`.
        if parts.count == 4, parts[3].count <= 3, parts[3].allSatisfy(\.isLetter) { parts.removeLast() }

        func number(_ part: Substring, digits: ClosedRange<Int>) -> Int? {
            guard digits.contains(part.utf8.count), part.utf8.allSatisfy(isDigit) else { return nil }
            return Int(part)
        }
        func monthOf(_ part: Substring) -> Int? {
            number(part, digits: 1...2) ?? ArgumentParsing.month(named: part)
        }

        var year: Int?, month: Int?, day: Int?
        switch parts.count {
        case 1:
            let p = parts[0]
            guard p.utf8.count == 8, p.utf8.allSatisfy(isDigit) else { return nil }
            year = Int(p.prefix(4))
            month = Int(p.dropFirst(4).prefix(2))
            day = Int(p.suffix(2))
        case 3:
            if let y = number(parts[0], digits: 4...4) {                      // Y M D
                year = y
                month = monthOf(parts[1])
                day = number(parts[2], digits: 1...2)
            } else if let y = number(parts[2], digits: 4...4) {
                year = y
                if let m = ArgumentParsing.month(named: parts[0]) {                         // March 21 1985
                    month = m
                    day = number(parts[1], digits: 1...2)
                } else {                                                         // 21 03 1985, 21 March 1985
                    day = number(parts[0], digits: 1...2)
                    month = monthOf(parts[1])
                }
            }
        default:
            return nil
        }
        guard let y = year, let m = month, let d = day, CalendarDate.isValid(year: y, month: m, day: d) else {
            return nil
        }
        return CalendarDate(year: y, month: m, day: d)
    }
}
