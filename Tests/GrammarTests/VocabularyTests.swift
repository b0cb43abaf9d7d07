import Foundation
import Grammar
import Model
import Numbering
import Testing

/// The shipped `Grammars/sms.grammar`: every keyword, alias, topic and destination reaches
/// what it promises. The lists come from the loaded grammar, not from a second copy here.
@Suite("Shipped SMS vocabulary")
struct VocabularyTests {
    /// A text an argument of this type accepts, and the argument it gives.
    static func sample(_ type: CommandGrammar.SlotType) -> (text: String, argument: Argument) {
        switch type {
        case .topic: return ("hírek", .topic("HIREK"))
        case .date: return ("1985.03.21", .date(CalendarDate(year: 1985, month: 3, day: 21)))
        case .msisdn: return ("06301234567", .msisdn(MSISDN(canonical: "36301234567")))
        case .amount: return ("1000", .amount(1000))
        case .pin: return ("12345", .pin("12345"))
        case .range: return ("90", .range("90"))
        case .language: return ("en", .language(.en))
        case .text: return ("hello world", .text("hello world"))
        }
    }

    /// A destination the rule leads to.
    static func sampleDestination(_ rule: CommandGrammar.DestinationRule) -> Destination {
        switch rule {
        case .exact(let digits): return destination(digits)
        case .range(_, let high): return destination(high)
        case .prefix(let prefix, let length):
            let filler = String(repeating: "7", count: (length ?? 10) - prefix.count)
            return destination(prefix + filler)
        }
    }

    /// Texts for a rule: each keyword alternative of each keyword group in turn (the
    /// others at their first alternative), the arguments filled in with samples.
    static func texts(_ rule: CommandGrammar.Rule) -> [String] {
        var choices: [[String]] = []
        for element in rule.elements {
            switch element {
            case .keywords(let alternatives): choices.append(alternatives.map(\.written))
            case .slot(let slot): choices.append([sample(slot.type).text])
            case .rest: choices.append(["bármi más szöveg"])
            }
        }
        var texts: [String] = []
        for (group, options) in choices.enumerated() {
            for option in options {
                var words = choices.map { $0[0] }
                words[group] = option
                texts.append(words.joined(separator: " "))
            }
        }
        return texts
    }

    @Test func theShippedFolderLoadsWithEveryService() {
        #expect(shipped.services == ["balance", "infosms", "partner", "horoscope", "premium", "donation", "selfservice"])
        for service in shipped.commands.services {
            #expect(!service.destinations.isEmpty && !service.rules.isEmpty, "\(service.name)")
        }
    }

    @Test func everyKeywordAndAliasParsesToItsAction() {
        var tried = 0
        for service in shipped.commands.services {
            for rule in service.rules {
                for text in Self.texts(rule) {
                    for to in service.destinations.map(Self.sampleDestination) {
                        let result = shipped.recognize(destination: to, text: text)
                        guard case .matched(let m) = result else {
                            Issue.record("\(service.name) line \(rule.line): `\(text)` to \(to) gave \(result)")
                            continue
                        }
                        #expect(m.service == service.name)
                        #expect(m.action == rule.action, "`\(text)` to \(to) (line \(rule.line))")
                        for slot in rule.slots {
                            #expect(m.arguments[slot.name] == Self.sample(slot.type).argument, "`\(text)` slot \(slot.name)")
                        }
                        tried += 1
                    }
                }
            }
        }
        #expect(tried > 50)
    }

    @Test func everyActionOfTheClosedSetIsReachable() {
        let used = Set(shipped.commands.services.flatMap { $0.rules.map(\.action) })
        #expect(used == Set(Action.allCases))
    }

    @Test func everyTopicNameSubscribesAndUnsubscribesItsTopic() throws {
        for topic in shipped.commands.topics {
            for name in topic.names {
                #expect(match("777", name)?.arguments["topic"] == .topic(topic.canonical), "\(name)")
                #expect(match("777", name)?.action == .infoSubscribe)
                #expect(match("777", "stop \(name.lowercased())")?.action == .infoUnsubscribe, "\(name)")
                #expect(match("777", "-\(name)")?.arguments["topic"] == .topic(topic.canonical))
            }
        }
    }

    @Test func everyLanguageNameSetsItsLanguage() {
        for (language, names) in shipped.commands.languageNames {
            for name in names {
                #expect(match("1430", "NYELV \(name)")?.arguments["language"] == .language(language), "\(name)")
                #expect(match("1430", "lang \(name.lowercased())")?.arguments["language"] == .language(language))
            }
        }
    }

    @Test func theREADMEDocumentsTheWholeVocabulary() throws {
        let readme = try String(contentsOfFile: shippedFolder + "/README.md", encoding: .utf8)
        var names: [String] = Action.allCases.map(\.rawValue) + CommandGrammar.SlotType.allCases.map(\.rawValue)
        for service in shipped.commands.services {
            names.append(service.name)
            for rule in service.rules {
                for case .keywords(let alternatives) in rule.elements { names += alternatives.map(\.written) }
                names += rule.slots.map(\.name)
            }
        }
        names += shipped.commands.topics.flatMap(\.names)
        names += shipped.commands.languageNames.flatMap { [$0.language.rawValue] + $0.names }
        for name in names { #expect(readme.contains("`\(name)`"), "README lacks `\(name)`") }
    }

    @Test(arguments: [
        ("1730", "balance"), ("777", "infosms"), ("06308080700", "partner"), ("+36 30 8080 750", "partner"),
        ("36308080799", "partner"), ("06303030440", "horoscope"), ("0690123456", "premium"),
        ("06 91 555 666", "premium"), ("16123", "premium"), ("13600", "donation"), ("13699", "donation"),
        ("1430", "selfservice"),
    ])
    func destinationsLeadToTheirService(to: String, service: String) {
        #expect(shipped.service(for: destination(to)) == service)
    }

    @Test(arguments: ["36308080800", "36308080699", "1690", "160", "1612", "161234", "13700", "0692123456", "36301234567", "1731"])
    func destinationsOutsideEveryRuleAreUnknown(to: String) {
        #expect(shipped.service(for: destination(to)) == nil)
        #expect(recognize(to, "HELP") == .unknownDestination)
    }
}
