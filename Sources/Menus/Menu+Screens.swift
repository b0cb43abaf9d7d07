import Model
import SMSText

/// USSD screens of a menu: GSM 7-bit, transliterated, each within one 182-septet screen.
extension Menu {
    /// The sub-menu's items split into pages. Each page is sized so that its screen fits
    /// even with the paging line and the "invalid choice" line on top, so every variant
    /// of a screen fits. A single item too long for a screen makes a page of its own (the
    /// loader refuses such a file).
    public func pages(of node: MenuItem, in language: Language) -> [[MenuItem]] {
        screenTable.pages[ScreenTable.Key(path: node.path, language: language)] ?? paginate(node, language)
    }

    func paginate(_ node: MenuItem, _ language: Language) -> [[MenuItem]] {
        var pages: [[MenuItem]] = []
        var page: [MenuItem] = []
        for item in node.children {
            let candidate = page + [item]
            if page.isEmpty || SMSSegmenter.fitsUSSD(render(node, candidate, hasMore: true, invalid: true, language)) {
                page = candidate
            } else {
                pages.append(page)
                page = [item]
            }
        }
        if !page.isEmpty || pages.isEmpty { pages.append(page) }
        return pages
    }

    /// The screen of one page of a sub-menu; `invalid` puts the invalid-choice line first.
    public func screen(of node: MenuItem, page: Int, in language: Language, invalid: Bool = false) -> String {
        if let screens = screenTable.screens[ScreenTable.Key(path: node.path, language: language, invalid: invalid)] {
            return screens[min(max(page, 0), screens.count - 1)]
        }
        let pages = pages(of: node, in: language)
        let index = min(max(page, 0), pages.count - 1)
        return render(node, pages[index], hasMore: index < pages.count - 1, invalid: invalid, language)
    }

    /// A prompt, or a closing text, as it goes out; `invalid` puts the invalid line first.
    public func screen(_ text: Localized, in language: Language, invalid: Bool = false) -> String {
        GSM7.transliterate(invalid ? self.invalid[language] + "\n" + text[language] : text[language])
    }

    func render(_ node: MenuItem, _ items: [MenuItem], hasMore: Bool, invalid: Bool, _ language: Language) -> String {
        var lines: [String] = []
        if invalid { lines.append(self.invalid[language]) }
        lines.append(node.path.isEmpty ? title[language] : node.title[language])
        for item in items { lines.append("\(item.key) \(item.title[language])") }
        if hasMore { lines.append("\(moreKey) \(more[language])") }
        if !footer[language].isEmpty { lines.append(footer[language]) }
        return GSM7.transliterate(lines.joined(separator: "\n"))
    }

    /// Every screen the menu can show, each with the item or setting it comes from:
    /// the loader checks them all against the 182-septet limit, and the tests walk them.
    public func allScreens() -> [(origin: String, line: Int, text: String)] {
        var out: [(String, Int, String)] = []
        for language in Language.allCases {
            for setting in [agent, anonymousAgent] {
                out.append(("agent text", 0, screen(setting, in: language)))
            }
            for node in [root] + allItems {
                let origin = node.path.isEmpty ? "main menu" : node.path
                switch node.content {
                case .submenu:
                    for page in pages(of: node, in: language).indices {
                        for invalid in [false, true] {
                            out.append((origin, node.line, screen(of: node, page: page, in: language, invalid: invalid)))
                        }
                    }
                case .text(let text):
                    out.append((origin, node.line, screen(text, in: language)))
                case .action(_, let inputs):
                    for input in inputs {
                        for invalid in [false, true] {
                            out.append((origin, node.line, screen(input.prompt, in: language, invalid: invalid)))
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A menu's sub-menu screens, rendered once (``Menu/screenTable``). Filled while the
/// menu is built and never changed after, so it is shared freely between threads; it
/// takes no part in a menu's equality (it follows from the other fields).
final class ScreenTable: Hashable, @unchecked Sendable {
    struct Key: Hashable {
        var path: String
        var language: Language
        var invalid = false
    }

    private(set) var pages: [Key: [[MenuItem]]] = [:]
    private(set) var screens: [Key: [String]] = [:]

    func fill(_ menu: Menu) {
        for language in Language.allCases {
            for node in [menu.root] + menu.allItems {
                guard case .submenu = node.content else { continue }
                let pages = menu.paginate(node, language)
                self.pages[Key(path: node.path, language: language)] = pages
                for invalid in [false, true] {
                    screens[Key(path: node.path, language: language, invalid: invalid)] = pages.indices.map {
                        menu.render(node, pages[$0], hasMore: $0 < pages.count - 1, invalid: invalid, language)
                    }
                }
            }
        }
    }

    static func == (a: ScreenTable, b: ScreenTable) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}
