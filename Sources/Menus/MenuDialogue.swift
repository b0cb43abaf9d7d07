import Foundation
import Model

/// What the dialogue answers to one input.
public enum MenuStep: Hashable, Sendable {
    /// A screen to show; the dialogue stays open when `expectsAnswer` (menus and prompts).
    case screen(String, expectsAnswer: Bool)
    /// The subscriber chose a service: the engine runs it with the answers to its prompts
    /// (a PIN, a number) and answers in `language`. The dialogue is over.
    case run(action: MenuAction, inputs: [String], language: Language)
    /// A closing text (an informative item, the agent hand-off). The dialogue is over.
    case end(String)
}

/// One subscriber's walk through a menu: a pure state machine, no store, no timers (the
/// gateway keeps one per open USSD session and drops it on release or timeout).
///
/// Answers: a digit chooses an item of the current menu; `*` goes back one level (on the
/// main menu it shows it again); `0` ends with the agent hand-off text; `#` with the
/// agent text without identification; the paging key (`98` in 1412) shows the next page;
/// anything else shows the same screen again under an "invalid choice" line. At a PIN or
/// number prompt the answer is checked for shape and the prompt repeated if it is wrong.
/// A language item (1412 map 2.9) switches the dialogue's language and shows the main
/// menu again in it; ``languageChosen`` tells the engine to remember the choice.
///
/// ```swift
/// var (dialogue, first) = MenuDialogue.start(menu: menu, language: .hu)
/// // first == .screen("Telekom 1412\n1 Onkiszolgalo ugyfelszolgalat\n…", expectsAnswer: true)
/// dialogue.answer("5")      // .screen("Szerzodeshez kapcsolodo …\n1 Dijcsomagvaltas …", …)
/// dialogue.answer("3")      // .screen("Adja meg 5 jegyu jelszavat:", expectsAnswer: true)
/// dialogue.answer("12345")  // .run(action: .reconnect, inputs: ["12345"], language: .hu)
/// ```
public struct MenuDialogue: Sendable {
    public let menu: Menu
    /// The language screens are shown in.
    public private(set) var language: Language
    /// Set when the subscriber picked a language item: the engine may store it as the
    /// subscriber's reply language.
    public private(set) var languageChosen: Language?
    /// True after a `.run` or `.end`: the engine drops the dialogue.
    public private(set) var isOver = false

    /// Keys from the main menu to the sub-menu on screen (empty: the main menu).
    public private(set) var position: [String] = []
    var page = 0
    /// The item whose prompts are being answered, and the answers so far.
    var prompting: (item: MenuItem, answers: [String])?

    public init(menu: Menu, language: Language) {
        self.menu = menu
        self.language = language
    }

    /// Opens the menu at its main menu, first page.
    public static func start(menu: Menu, language: Language) -> (dialogue: MenuDialogue, step: MenuStep) {
        let dialogue = MenuDialogue(menu: menu, language: language)
        return (dialogue, dialogue.show())
    }

    /// What the prompt on screen asks for (a PIN, a number), or nil on a menu screen: a
    /// transport masks the answer to a PIN prompt before it logs or audits it.
    public var expectedInput: MenuInput.Kind? {
        guard let prompting else { return nil }
        return prompting.item.inputs[prompting.answers.count].kind
    }

    /// The dotted path of the sub-menu on screen (`2.1`; empty: the main menu).
    public var path: String { position.joined(separator: ".") }

    /// The current sub-menu.
    var node: MenuItem {
        menu.item(at: position.joined(separator: ".")) ?? menu.root
    }

    func show(invalid: Bool = false) -> MenuStep {
        if let prompting {
            let input = prompting.item.inputs[prompting.answers.count]
            return .screen(menu.screen(input.prompt, in: language, invalid: invalid), expectsAnswer: true)
        }
        return .screen(menu.screen(of: node, page: page, in: language, invalid: invalid), expectsAnswer: true)
    }

    /// Takes one answer of the subscriber (spaces around it are ignored).
    public mutating func answer(_ raw: String) -> MenuStep {
        guard !isOver else { return .end("") }
        let input = raw.trimmingCharacters(in: .whitespaces)
        switch input {
        case "0":
            return finish(.end(menu.screen(menu.agent, in: language)))
        case "#":
            return finish(.end(menu.screen(menu.anonymousAgent, in: language)))
        case "*":
            if prompting != nil {
                prompting = nil
            } else if !position.isEmpty {
                position.removeLast()
            }
            page = 0
            return show()
        default:
            break
        }
        if let (item, answers) = prompting {
            let expected = item.inputs[answers.count]
            guard expected.kind.accepts(input) else { return show(invalid: true) }
            prompting = (item, answers + [input])
            return prompting!.answers.count == item.inputs.count ? choose(item) : show()
        }
        if input == menu.moreKey, page + 1 < menu.pages(of: node, in: language).count {
            page += 1
            return show()
        }
        guard let item = node.children.first(where: { $0.key == input }) else { return show(invalid: true) }
        return choose(item)
    }

    mutating func choose(_ item: MenuItem) -> MenuStep {
        switch item.content {
        case .submenu:
            position.append(item.key)
            page = 0
            return show()
        case .text(let text):
            return finish(.end(menu.screen(text, in: language)))
        case .action(let actions, let inputs):
            let action = actions[language]
            if let target = action.switchesTo {
                language = target
                languageChosen = target
                position = []
                page = 0
                return show()
            }
            let answers = prompting?.answers ?? []
            if answers.count < inputs.count {
                prompting = (item, answers)
                return show()
            }
            prompting = nil
            return finish(.run(action: action, inputs: answers, language: language))
        }
    }

    mutating func finish(_ step: MenuStep) -> MenuStep {
        isOver = true
        prompting = nil
        return step
    }
}

extension MenuDialogue: Equatable {
    /// Two dialogues are equal when they show the same screen of the same menu and
    /// would take the next answer alike.
    public static func == (a: MenuDialogue, b: MenuDialogue) -> Bool {
        a.language == b.language && a.languageChosen == b.languageChosen && a.isOver == b.isOver
            && a.position == b.position && a.page == b.page
            && a.prompting?.item == b.prompting?.item && a.prompting?.answers == b.prompting?.answers
            && a.menu.code == b.menu.code && a.menu == b.menu
    }
}
