import Foundation
import Grammar
import Model
import SMSText

/// Reading `Grammars/menus/<name>.menu` (the format is described in that folder's
/// README and at the top of `1412.menu`).
extension Menu {
    /// Reads one menu file; its name is the file name without `.menu`.
    public static func load(file path: String) throws(GrammarError) -> Menu {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw GrammarError(file: path, line: 0, reason: "cannot read file")
        }
        var name = String(path.split(separator: "/").last ?? "")
        if name.hasSuffix(".menu") { name.removeLast(5) }
        return try Menu(parsing: text, file: path, name: name)
    }

    /// Parses a menu; errors carry the file, the line and the reason. Every screen the
    /// menu can show is checked against the USSD limit here, so a loaded menu never
    /// produces a screen that does not fit.
    public init(parsing text: String, file: String, name: String) throws(GrammarError) {
        var parser = MenuParser(file: file)
        try parser.parse(text)
        self = try parser.build(name: name)
    }
}

/// A line-by-line reader collecting the settings and the flat item list.
struct MenuParser {
    struct Setting { let text: Localized; let line: Int }
    struct FlatItem {
        let path: String
        let title: Localized
        let line: Int
        var action: (LocalizedAction, Int)?
        var inputs: [MenuInput] = []
        var text: Localized?
    }

    let file: String
    var settings: [String: Setting] = [:]
    var code: (String, Int)?
    var moreKey: String?
    var items: [FlatItem] = []
    var lineNumber = 0

    static let settingNames = ["title", "footer", "more", "invalid", "agent", "anonymous"]

    init(file: String) { self.file = file }

    func fail(_ reason: String, line: Int? = nil) -> GrammarError {
        GrammarError(file: file, line: line ?? lineNumber, reason: reason)
    }

    mutating func parse(_ text: String) throws(GrammarError) {
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let word = String(trimmed.prefix { $0 != " " && $0 != "\t" })
            let rest = trimmed.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
            if word.first?.isASCIIDigit == true {
                try item(word, rest)
            } else if ["action", "input", "text"].contains(word) {
                try attribute(word, rest)
            } else if word == "code" || MenuParser.settingNames.contains(word) {
                try setting(word, rest)
            } else {
                throw fail("unknown line `\(word)`: expected a setting, an item (`2.9 …`), `action`, `input` or `text`")
            }
        }
    }

    mutating func setting(_ word: String, _ rest: String) throws(GrammarError) {
        guard items.isEmpty else { throw fail("setting `\(word)` after the first item: settings come first") }
        guard settings[word] == nil, word != "code" || code == nil else { throw fail("setting `\(word)` given twice") }
        switch word {
        case "code":
            guard rest.count >= 2, rest.hasSuffix("#"), rest.allSatisfy({ $0.isASCIIDigit || $0 == "*" || $0 == "#" }) else {
                throw fail("expected `code *NNNN#`, a USSD string ending in #")
            }
            code = (rest, lineNumber)
        case "more":
            let key = String(rest.prefix { $0 != " " })
            guard !key.isEmpty, key.allSatisfy(\.isASCIIDigit) else { throw fail("expected `more <digits> Hungarian | English`") }
            moreKey = key
            settings[word] = Setting(text: try localized(rest.dropFirst(key.count)), line: lineNumber)
        default:
            settings[word] = Setting(text: try localized(Substring(rest)), line: lineNumber)
        }
    }

    mutating func item(_ path: String, _ rest: String) throws(GrammarError) {
        let keys = path.split(separator: ".", omittingEmptySubsequences: false)
        guard keys.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else {
            throw fail("bad item number `\(path)`: digits separated by dots, as `2.1.3`")
        }
        let key = String(keys.last!)
        guard key != "0", !key.hasPrefix("0") else { throw fail("key `\(key)` of `\(path)`: 0 is the agent key") }
        guard key != moreKey else { throw fail("key `\(key)` of `\(path)` is the paging key") }
        guard !items.contains(where: { $0.path == path }) else { throw fail("item `\(path)` defined twice") }
        if keys.count > 1 {
            let parent = keys.dropLast().joined(separator: ".")
            guard items.contains(where: { $0.path == parent }) else {
                throw fail("item `\(path)` comes before its parent `\(parent)`")
            }
        }
        items.append(FlatItem(path: path, title: try localized(Substring(rest)), line: lineNumber))
    }

    mutating func attribute(_ word: String, _ rest: String) throws(GrammarError) {
        guard var item = items.popLast() else { throw fail("`\(word)` before the first item") }
        switch word {
        case "action":
            guard item.action == nil else { throw fail("second `action` for `\(item.path)`") }
            let names = rest.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            var actions: [MenuAction] = []
            for name in names {
                guard let action = MenuAction(rawValue: name) else {
                    throw fail("unknown action `\(name)` (\(MenuAction.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                actions.append(action)
            }
            guard actions.count == 1 || actions.count == 2 else { throw fail("expected `action <name>` or `action <Hungarian> | <English>`") }
            let pair = LocalizedAction(hu: actions[0], en: actions.last!)
            guard pair.hu.requiredInputs == pair.en.requiredInputs else {
                throw fail("`\(pair.hu.rawValue)` and `\(pair.en.rawValue)` need different inputs")
            }
            item.action = (pair, lineNumber)
        case "input":
            guard item.action == nil else { throw fail("`input` after `action`: inputs come first") }
            let kindName = String(rest.prefix { $0 != " " })
            guard let kind = MenuInput.Kind(rawValue: kindName) else {
                throw fail("expected `input pin|number Hungarian prompt | English prompt`")
            }
            item.inputs.append(MenuInput(kind: kind, prompt: try localized(rest.dropFirst(kindName.count))))
        default:
            guard item.text == nil else { throw fail("second `text` for `\(item.path)`") }
            item.text = try localized(Substring(rest))
        }
        items.append(item)
    }

    func localized(_ s: Substring) throws(GrammarError) -> Localized {
        let parts = s.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw fail("expected `Hungarian | English` (one `|`, both sides non-empty)")
        }
        return Localized(hu: parts[0], en: parts[1])
    }

    func build(name: String) throws(GrammarError) -> Menu {
        guard let code else { throw fail("no `code *NNNN#` setting", line: 1) }
        for required in ["title", "more", "invalid", "agent", "anonymous"] where settings[required] == nil {
            throw fail("no `\(required)` setting", line: 1)
        }
        guard !items.isEmpty else { throw fail("a menu needs at least one item") }
        let root = MenuItem(path: "", title: settings["title"]!.text, content: .submenu(try children(of: "")), line: code.1)
        let menu = Menu(name: name, code: code.0, title: settings["title"]!.text, moreKey: moreKey!, more: settings["more"]!.text,
                        footer: settings["footer"]?.text ?? Localized(hu: "", en: ""), invalid: settings["invalid"]!.text,
                        agent: settings["agent"]!.text, anonymousAgent: settings["anonymous"]!.text, root: root)
        for screen in menu.allScreens() {
            let septets = GSM7.septets(screen.text) ?? Int.max
            guard septets <= SMSSegmenter.ussdMaximum else {
                let line = screen.origin == "agent text" ? min(settings["agent"]!.line, settings["anonymous"]!.line) : screen.line
                throw fail("a screen of \(screen.origin) is \(septets) characters, over \(SMSSegmenter.ussdMaximum): \"\(screen.text)\"", line: line)
            }
        }
        return menu
    }

    func children(of parent: String) throws(GrammarError) -> [MenuItem] {
        var out: [MenuItem] = []
        for flat in items where flat.path.split(separator: ".").dropLast().joined(separator: ".") == parent {
            let kids = try children(of: flat.path)
            let content: MenuItem.Content
            if !kids.isEmpty {
                guard flat.action == nil, flat.text == nil, flat.inputs.isEmpty else {
                    throw fail("`\(flat.path)` has sub-items, so it takes no action, input or text", line: flat.line)
                }
                content = .submenu(kids)
            } else if let text = flat.text {
                guard flat.action == nil, flat.inputs.isEmpty else {
                    throw fail("`\(flat.path)` has a text and an action: choose one", line: flat.line)
                }
                content = .text(text)
            } else if let (action, line) = flat.action {
                let needed = action.hu.requiredInputs
                guard flat.inputs.map(\.kind) == needed else {
                    let what = needed.isEmpty ? "no input" : needed.map { "`input \($0.rawValue)`" }.joined(separator: ", ") + " first"
                    throw fail("action `\(action.hu.rawValue)` takes \(what)", line: line)
                }
                content = .action(action, inputs: flat.inputs)
            } else {
                throw fail("`\(flat.path)` needs sub-items, an action or a text", line: flat.line)
            }
            out.append(MenuItem(path: flat.path, title: flat.title, content: content, line: flat.line))
        }
        return out
    }
}

/// Every menu in `Grammars/menus/`, by the USSD code that opens it.
public struct MenuCatalog: Sendable {
    public let menus: [String: Menu]

    /// No menus: every USSD string is refused.
    public init() { menus = [:] }

    public init(menus: [Menu]) throws(GrammarError) {
        var byCode: [String: Menu] = [:]
        for menu in menus {
            if let other = byCode[menu.code] {
                throw GrammarError(file: menu.name + ".menu", line: 0, reason: "code \(menu.code) is also \(other.name).menu's")
            }
            byCode[menu.code] = menu
        }
        self.menus = byCode
    }

    /// Reads every `*.menu` file of `<grammars>/menus` (none is fine: no menus).
    public static func load(from grammars: String) throws(GrammarError) -> MenuCatalog {
        let folder = (grammars.hasSuffix("/") ? grammars : grammars + "/") + "menus"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var menus: [Menu] = []
        for name in names.sorted() where name.hasSuffix(".menu") {
            menus.append(try Menu.load(file: folder + "/" + name))
        }
        return try MenuCatalog(menus: menus)
    }

    /// The menu a USSD string opens (`*1412#`), if any.
    public func menu(for code: String) -> Menu? { menus[code] }
}
