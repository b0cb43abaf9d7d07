import Model

/// The SMS command language read from `Grammars/sms.grammar`: which destinations lead to
/// which service, and each service's rules `pattern -> action`, checked as a whole at
/// load. Matching is in `CommandGrammar+Matching.swift`, the file format in
/// `CommandGrammar+Parsing.swift` and `Grammars/README.md`.
public struct CommandGrammar: Sendable {
    /// An argument slot's type: what text it accepts and which ``Argument`` it gives.
    public enum SlotType: String, CaseIterable, Sendable {
        case topic, date, msisdn, amount, pin, range, language, text
    }

    /// `<name:type>` in a rule.
    public struct Slot: Hashable, Sendable {
        public var name: String
        public var type: SlotType
    }

    /// One keyword alternative (`EMELT BE`) as written in the file and as folded words.
    public struct Keyword: Hashable, Sendable {
        public var written: String
        public var words: [String]
    }

    public enum Element: Hashable, Sendable {
        /// Alternatives (`EMELT BE | PREMIUM ON`); one of them must stand here.
        case keywords([Keyword])
        case slot(Slot)
        /// `*`: any text, or none, from here to the end; captures nothing.
        case rest
    }

    public struct Rule: Hashable, Sendable {
        public var elements: [Element]
        public var action: Action
        /// Where the rule is written (`file:line`), for messages about it.
        public var file: String
        public var line: Int

        /// `rule * -> …`: answers without looking at the text.
        var isCatchAll: Bool { elements == [.rest] }

        public var slots: [Slot] {
            elements.compactMap { if case .slot(let s) = $0 { return s } else { return nil } }
        }
    }

    /// Where a destination leads: an exact number, a range of equally long numbers, or a
    /// prefix (optionally of a fixed total length, `16xxx`). Digits are canonical.
    public enum DestinationRule: Hashable, Sendable, CustomStringConvertible {
        case exact(String)
        case range(low: String, high: String)
        case prefix(String, length: Int?)

        public var description: String {
            switch self {
            case .exact(let d): return d
            case .range(let low, let high): return "\(low)-\(high)"
            case .prefix(let p, let length):
                return p + String(repeating: "x", count: max(0, (length ?? p.count) - p.count)) + (length == nil ? "…" : "")
            }
        }
    }

    public struct Service: Sendable {
        public var name: String
        public var destinations: [DestinationRule]
        /// In the order written: the first rule that matches wins.
        public var rules: [Rule]
        /// Whether a rule takes a PIN: unmatched texts to it get digit groups masked.
        var takesPIN: Bool
    }

    /// A topic: its canonical name (the folded first name) and every name as written.
    public struct Topic: Hashable, Sendable {
        public var canonical: String
        public var names: [String]
    }

    public private(set) var services: [Service]
    public private(set) var topics: [Topic]
    /// Language names as written, per language.
    public private(set) var languageNames: [(language: Language, names: [String])]

    // Lookup tables built at load.
    var exact: [String: Int] = [:]
    var ranges: [(low: String, high: String, service: Int)] = []
    /// Longest prefix first; at equal length a fixed-length prefix first.
    var prefixes: [(prefix: String, length: Int?, service: Int)] = []
    /// Folded topic name (words joined by one space) → canonical name.
    var topicIndex: [String: String] = [:]
    var topicWords = 1
    var languageIndex: [String: Language] = [:]
    var languageWords = 1

    /// A grammar that knows no destination.
    public static let empty = CommandGrammar(services: [], topics: [], languageNames: [])

    init(services: [Service], topics: [Topic], languageNames: [(language: Language, names: [String])]) {
        self.services = services
        self.topics = topics
        self.languageNames = languageNames
        for (index, service) in services.enumerated() {
            for destination in service.destinations {
                switch destination {
                case .exact(let d): exact[d] = index
                case .range(let low, let high): ranges.append((low, high, index))
                case .prefix(let p, let length): prefixes.append((p, length, index))
                }
            }
        }
        prefixes.sort { a, b in
            a.prefix.count != b.prefix.count ? a.prefix.count > b.prefix.count : (a.length != nil && b.length == nil)
        }
        for topic in topics {
            for name in topic.names {
                let words = Tokenizer.words(name)
                topicIndex[words.joined(separator: " ")] = topic.canonical
                topicWords = max(topicWords, words.count)
            }
        }
        for (language, names) in languageNames {
            for name in names {
                let words = Tokenizer.words(name)
                languageIndex[words.joined(separator: " ")] = language
                languageWords = max(languageWords, words.count)
            }
        }
    }

    /// The index of the service a destination leads to: an exact number first, then a
    /// range, then the longest prefix.
    func serviceIndex(for digits: String) -> Int? {
        if let index = exact[digits] { return index }
        let count = digits.utf8.count
        for range in ranges where range.low.utf8.count == count && range.low <= digits && digits <= range.high {
            return range.service
        }
        for prefix in prefixes where digits.hasPrefix(prefix.prefix) && (prefix.length ?? count) == count {
            return prefix.service
        }
        return nil
    }
}
