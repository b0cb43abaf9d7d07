import Grammar
import Menus
import MMI

/// `selfcare grammar check`: every problem of a grammar folder at once, each with its
/// file and line, where start-up and RELOAD stop at the first (issue 18).
extension Engine {
    /// The problems of the grammar folder `folder`; empty when it loads and every text is
    /// complete. A file that does not parse is one problem (its first error); the
    /// catalogs are checked as far as they parsed.
    ///
    /// ```swift
    /// Engine.checkGrammar(folder: "Grammars")   // []
    /// // messages.hu line 6: `{balanse}` → "Grammars/messages.hu:6: `{balanse}` is not
    /// // filled in for `balance.prepaid` (the engine gives: {balance}, {universal})"
    /// ```
    public static func checkGrammar(folder: String) -> [GrammarError] {
        var problems: [GrammarError] = []
        var catalogs: [String: MessageCatalog] = [:]
        for language in ["hu", "en"] {
            let path = Grammar.path(folder, "messages.\(language)")
            do {
                catalogs[language] = try MessageCatalog(parsing: Grammar.readFile(path), file: path)
            } catch {
                problems.append(error)
            }
        }
        var services: [String] = []
        do {
            let path = Grammar.path(folder, Grammar.commandFile)
            services = try CommandGrammar(parsing: Grammar.readFile(path), file: path).services.map(\.name)
        } catch {
            problems.append(error)
        }
        var mmi = MMICodes()
        do { mmi = try MMICodes.load(from: folder) } catch { problems.append(error) }
        do { _ = try MenuCatalog.load(from: folder) } catch { problems.append(error) }
        return problems + catalogProblems(catalogs, services: services, mmi: mmi, folder: folder)
    }

    /// Problems in file order: by file, then line.
    static func sorted(_ problems: [GrammarError]) -> [GrammarError] {
        problems.enumerated().sorted { a, b in
            (a.element.file, a.element.line, a.offset) < (b.element.file, b.element.line, b.offset)
        }.map(\.element)
    }

    /// What the catalogs lack or get wrong: a text the engine needs and a language does
    /// not have, a text one language has and another lacks, a placeholder the engine does
    /// not fill in for that text (``messagePlaceholders``).
    static func catalogProblems(_ catalogs: [String: MessageCatalog], services: [String], mmi: MMICodes,
                                folder: String) -> [GrammarError] {
        var problems: [GrammarError] = []
        let required = requiredMessageKeys(services: services, mmi: mmi)
        let languages = catalogs.keys.sorted()
        func file(_ language: String) -> String { Grammar.path(folder, "messages.\(language)") }
        for language in languages {
            let catalog = catalogs[language]!
            for key in required where !catalog.contains(key) {
                problems.append(GrammarError(file: file(language), line: 0, reason: "message `\(key)` missing (the engine needs it)"))
            }
            for other in languages where other != language {
                for key in catalogs[other]!.templates.keys.sorted() where !catalog.contains(key) && !required.contains(key) {
                    let line = catalogs[other]!.lines[key] ?? 0
                    problems.append(GrammarError(file: file(language), line: 0,
                                                 reason: "message `\(key)` missing (messages.\(other) has it, line \(line))"))
                }
            }
            for key in catalog.templates.keys.sorted() {
                let given = messagePlaceholders[key] ?? []
                let wrong = catalog.templates[key]!.placeholders.filter { !given.contains($0) }
                guard let first = wrong.first else { continue }
                let offer = given.isEmpty ? "none" : given.sorted().map { "{\($0)}" }.joined(separator: ", ")
                problems.append(GrammarError(file: file(language), line: catalog.lines[key] ?? 0,
                                             reason: "`{\(first)}` is not filled in for `\(key)` (the engine gives: \(offer))"))
            }
        }
        return sorted(problems)
    }
}
