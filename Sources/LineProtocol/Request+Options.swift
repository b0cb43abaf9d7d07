import Model
import Numbering

/// The `name=value` words after a verb's fixed arguments (`SUB LIST 0630 product=mix
/// limit=5`), read alike by every verb that takes them.
struct OptionWords {
    /// The first word when it has no `=` and the verb takes one there (a prefix, a number).
    var positional: String?
    /// Names in lower case, in the order given; each name at most once.
    var options: [(name: String, value: String)] = []
}

extension RequestParser {
    /// The rest of the line as options. A word without `=` is `positional` when it comes
    /// first and `positional` allows it; anywhere else it is `notAnOption`. A name given
    /// twice: `501 <name>= given twice`.
    static func optionWords(_ arguments: inout ArgumentScanner, verb: Request.Verb, positional: Bool,
                            notAnOption: RequestError) throws(RequestError) -> OptionWords {
        var words = OptionWords()
        var seen: Set<String> = []
        var first = true
        while let token = arguments.next() {
            let text = string(token)
            defer { first = false }
            guard let eq = text.firstIndex(of: "=") else {
                guard first, positional else { throw notAnOption }
                words.positional = text
                continue
            }
            let name = text[..<eq].lowercased()
            guard seen.insert(name).inserted else { throw RequestError(.syntaxError, "\(name)= given twice", verb: verb) }
            words.options.append((name, String(text[text.index(after: eq)...])))
        }
        return words
    }

    /// One of `T`'s raw values, any case, or `501 <problem>`.
    static func option<T: RawRepresentable>(_ value: String, of type: T.Type, _ verb: Request.Verb,
                                            _ problem: String) throws(RequestError) -> T where T.RawValue == String {
        guard let choice = T(rawValue: value.lowercased()) else { throw RequestError(.syntaxError, problem, verb: verb) }
        return choice
    }

    /// `after=<msisdn>`: where a page starts, canonical.
    static func afterOption(_ value: String, _ verb: Request.Verb) throws(RequestError) -> String {
        guard value.utf8.count <= maximumNumberToken, let msisdn = MSISDN(parsing: value) else {
            throw RequestError(.syntaxError, "malformed number: after", verb: verb)
        }
        return msisdn.digits
    }

    /// `limit=N`, 1 … `maximum`.
    static func limitOption(_ value: String, _ maximum: Int, _ verb: Request.Verb) throws(RequestError) -> Int {
        guard let limit = Int(value), (1...maximum).contains(limit) else {
            throw RequestError(.syntaxError, "invalid limit: 1 to \(maximum)", verb: verb)
        }
        return limit
    }

    /// `birth=YYYY-MM-DD`
    static func birthOption(_ value: String) throws(RequestError) -> CalendarDate {
        guard let date = CalendarDate(iso: value) else { throw RequestError(.syntaxError, "invalid birth date: YYYY-MM-DD", verb: .sub) }
        return date
    }
}
