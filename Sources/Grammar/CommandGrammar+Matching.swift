import Numbering

extension CommandGrammar {
    /// The service a destination leads to, or `nil`.
    public func service(for destination: Destination) -> String? {
        serviceIndex(for: destination.digits).map { services[$0].name }
    }

    /// Reads one SMS: the destination picks the service, then the service's rules are
    /// tried in the order written and the first that matches wins.
    ///
    /// A rule whose leading keywords match (or that starts with an argument) but whose
    /// argument is malformed or missing is remembered; if no later rule matches, the
    /// first such rule gives ``Recognition/badArgument(service:action:slot:type:maskedText:)``.
    public func recognize(destination: Destination, text: String) -> Recognition {
        guard let index = serviceIndex(for: destination.digits) else { return .unknownDestination }
        let service = services[index]
        // The hot path (1730): a catch-all first rule needs no words.
        if let first = service.rules.first, first.isCatchAll {
            return .matched(Match(service: service.name, action: first.action, arguments: [:], maskedText: text))
        }
        let tokens = Tokenizer.tokens(text)
        var attempt = Attempt(grammar: self, text: text, tokens: tokens)
        var firstBad: (rule: Rule, slot: Slot)?
        for rule in service.rules {
            attempt.captures.removeAll(keepingCapacity: true)
            switch attempt.match(rule.elements, from: 0, at: 0) {
            case nil:
                var arguments: [String: Argument] = [:]
                var pins: [Range<String.Index>] = []
                for capture in attempt.captures {
                    arguments[capture.slot.name] = capture.argument
                    if capture.slot.type == .pin { pins.append(capture.range) }
                }
                return .matched(Match(
                    service: service.name, action: rule.action, arguments: arguments,
                    maskedText: Masking.masked(text, pins)
                ))
            case .some(let failure):
                if firstBad == nil, let slot = failure.slot { firstBad = (rule, slot) }
            }
        }
        let masked = service.takesPIN ? Masking.masked(text, Masking.digitRuns(text)) : text
        if let bad = firstBad {
            return .badArgument(
                service: service.name, action: bad.rule.action, slot: bad.slot.name,
                type: bad.slot.type.rawValue, maskedText: masked
            )
        }
        return .noRule(service: service.name, maskedText: masked)
    }
}

/// Where a rule stopped matching: the element it could not get past and, when that is
/// an argument (or words left over after one), the argument to blame. A failure without
/// a slot (the keywords differ) is no candidate for `badArgument`.
struct Failure {
    var element: Int
    var slot: CommandGrammar.Slot?

    /// The failure that got further wins; at equal depth one that names a slot.
    func further(_ other: Failure?) -> Failure {
        guard let other else { return self }
        if other.element != element { return other.element > element ? other : self }
        return slot == nil ? other : self
    }
}

/// One try of a rule against the words of a text, with backtracking over how many words
/// each argument takes (`+36 30 123 4567` is four, `1985. március 21.` three).
struct Attempt {
    struct Capture {
        var slot: CommandGrammar.Slot
        var argument: Argument
        var range: Range<String.Index>
    }

    let grammar: CommandGrammar
    let text: String
    let tokens: [Token]
    var captures: [Capture] = []

    init(grammar: CommandGrammar, text: String, tokens: [Token]) {
        self.grammar = grammar
        self.text = text
        self.tokens = tokens
    }

    /// `nil` when `elements[e...]` match `tokens[t...]` exactly (captures appended).
    mutating func match(_ elements: [CommandGrammar.Element], from e: Int, at t: Int) -> Failure? {
        guard e < elements.count else {
            if t == tokens.count { return nil }
            return Failure(element: e, slot: e > 0 ? slotOf(elements[e - 1]) : nil)
        }
        switch elements[e] {
        case .rest:
            return nil
        case .keywords(let alternatives):
            var best: Failure?
            for keyword in alternatives where startsWith(keyword.words, at: t) {
                guard let failure = match(elements, from: e + 1, at: t + keyword.words.count) else { return nil }
                best = failure.further(best)
            }
            // The keywords differ: blame the argument before them, if any.
            return best ?? Failure(element: e, slot: e > 0 ? slotOf(elements[e - 1]) : nil)
        case .slot(let slot):
            let left = tokens.count - t
            let most = min(left, ArgumentParsing.maximumWords(slot.type, in: grammar))
            var best: Failure?
            // A text takes every word left (at least one); the others try their longest
            // reading first.
            let fewest = slot.type == .text ? max(left, 1) : 1
            for count in stride(from: most, through: fewest, by: -1) {
                let words = tokens[t..<(t + count)]
                let range = words.first!.range.lowerBound..<words.last!.range.upperBound
                guard let argument = ArgumentParsing.parse(slot.type, raw: text[range], folded: words, grammar: grammar)
                else { continue }
                captures.append(Capture(slot: slot, argument: argument, range: range))
                guard let failure = match(elements, from: e + 1, at: t + count) else { return nil }
                captures.removeLast()
                best = failure.further(best)
            }
            return Failure(element: e, slot: slot).further(best)
        }
    }

    func startsWith(_ words: [String], at t: Int) -> Bool {
        guard tokens.count - t >= words.count else { return false }
        for (offset, word) in words.enumerated() where tokens[t + offset].folded != word { return false }
        return true
    }

    func slotOf(_ element: CommandGrammar.Element) -> CommandGrammar.Slot? {
        if case .slot(let slot) = element { return slot } else { return nil }
    }
}

/// Keeps PINs out of logs and audit rows.
enum Masking {
    static let mask = "*****"

    /// `text` with each range replaced by `*****`.
    static func masked(_ text: String, _ ranges: [Range<String.Index>]) -> String {
        guard !ranges.isEmpty else { return text }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var position = text.startIndex
        for range in sorted where range.lowerBound >= position {
            out += text[position..<range.lowerBound]
            out += mask
            position = range.upperBound
        }
        out += text[position...]
        return out
    }

    /// For a text no rule took, to a service that takes PINs: any run of 4 to 8 digits
    /// might be a PIN typed some other way (`PIN:11111`, `KOD11111`, `#11111`,
    /// `11111,54321`), so each is masked, wherever it stands. Runs that belong to a phone
    /// number (`36301111111`, `06 30 111 1111`, `+36-30-111-1111`) are kept: the audit
    /// needs them, and no PIN is 9 digits or written like a number.
    static func digitRuns(_ text: String) -> [Range<String.Index>] {
        let utf8 = text.utf8
        var runs: [Range<String.Index>] = []
        var i = utf8.startIndex
        while i < utf8.endIndex {
            guard ArgumentParsing.isDigit(utf8[i]) || utf8[i] == UInt8(ascii: "+") else {
                i = utf8.index(after: i)
                continue
            }
            // A stretch of digits and the separators people put in numbers.
            let start = i
            var digitRuns: [Range<String.Index>] = []
            var runStart: String.Index?
            var j = i
            while j < utf8.endIndex {
                let byte = utf8[j]
                if ArgumentParsing.isDigit(byte) {
                    if runStart == nil { runStart = j }
                } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
                            || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || (byte == UInt8(ascii: "+") && j == start) {
                    if let s = runStart { digitRuns.append(s..<j); runStart = nil }
                } else {
                    break
                }
                j = utf8.index(after: j)
            }
            if let s = runStart { digitRuns.append(s..<j) }
            // The longest leading runs that read as a phone number are one; the runs after
            // it are looked at again (a PIN may follow a number).
            var first = 0
            while first < digitRuns.count {
                let from = first == 0 ? start : digitRuns[first].lowerBound
                let phone = (first..<digitRuns.count).reversed().first {
                    MSISDN(parsing: text[from..<digitRuns[$0].upperBound]) != nil
                }
                if let last = phone {
                    first = last + 1
                    continue
                }
                let run = digitRuns[first]
                if (4...8).contains(utf8.distance(from: run.lowerBound, to: run.upperBound)) { runs.append(run) }
                first += 1
            }
            i = j > i ? j : utf8.index(after: i)
        }
        return runs
    }
}
