import Model

/// A text in both reply languages.
public struct Localized: Hashable, Sendable {
    public let hu: String
    public let en: String

    public init(hu: String, en: String) {
        self.hu = hu
        self.en = en
    }

    public subscript(_ language: Language) -> String { language == .en ? en : hu }
}

/// The closed set of services a menu item may call. The menu file names them; the engine
/// implements them (except the two language switches, which the dialogue performs itself).
///
/// | action | inputs | what the engine does |
/// | --- | --- | --- |
/// | `balance` | | the 1730 answer (S6) |
/// | `tariff-info` | | the tariff / tariff-change text (1412 map 5.1) |
/// | `reconnect` | PIN | reconnects a suspended subscription (S11) |
/// | `suspend` | PIN | suspends the subscription (S11) |
/// | `premium-block` | | blocks received premium SMS (S5) |
/// | `premium-unblock` | PIN | unblocks received premium SMS (S5) |
/// | `forwarding-on` | number | unconditional forwarding to the number (S7) |
/// | `forwarding-off` | | erases every forwarding (S7, like `##002#`) |
/// | `purchase-code` | PIN | sends a purchase code by SMS (S12) |
/// | `call-me-back` | number | call-me-back SMS to the number (S9) |
/// | `agent` | | agent hand-off text (as the `0` key) |
/// | `language-en`, `language-hu` | | performed by ``MenuDialogue``: switches its language |
public enum MenuAction: String, Hashable, Sendable, CaseIterable {
    case balance
    case tariffInfo = "tariff-info"
    case reconnect
    case suspend
    case premiumBlock = "premium-block"
    case premiumUnblock = "premium-unblock"
    case forwardingOn = "forwarding-on"
    case forwardingOff = "forwarding-off"
    case purchaseCode = "purchase-code"
    case callMeBack = "call-me-back"
    case requestPIN = "pin-request"
    case agent
    case languageEN = "language-en"
    case languageHU = "language-hu"

    /// The inputs the subscriber must give first, in order; the menu file must prompt
    /// for exactly these.
    public var requiredInputs: [MenuInput.Kind] {
        switch self {
        case .reconnect, .suspend, .premiumUnblock, .purchaseCode: [.pin]
        case .forwardingOn, .callMeBack: [.number]
        default: []
        }
    }

    /// The language a language item switches to; nil for every other action.
    public var switchesTo: Language? {
        switch self {
        case .languageEN: .en
        case .languageHU: .hu
        default: nil
        }
    }
}

/// A prompt the dialogue shows and the shape of the answer it accepts.
public struct MenuInput: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// The 5-digit subscriber password.
        case pin
        /// A phone number as subscribers write it (`06301234567`, `+36301234567`); the
        /// engine normalises it.
        case number

        /// True when `answer` has the shape this input accepts.
        public func accepts(_ answer: String) -> Bool {
            switch self {
            case .pin:
                return answer.count == 5 && answer.allSatisfy(\.isASCIIDigit)
            case .number:
                let digits = answer.hasPrefix("+") ? answer.dropFirst() : Substring(answer)
                return (6...15).contains(digits.count) && digits.allSatisfy(\.isASCIIDigit)
            }
        }
    }

    public let kind: Kind
    public let prompt: Localized
}

/// One entry of a menu tree.
public struct MenuItem: Hashable, Sendable {
    public enum Content: Hashable, Sendable {
        /// A sub-menu: its items in the order of the file.
        case submenu([MenuItem])
        /// A service: the action per language (they differ only for a language toggle),
        /// after the inputs.
        case action(LocalizedAction, inputs: [MenuInput])
        /// An informative screen that ends the dialogue.
        case text(Localized)
    }

    /// The dotted path of the map (`2.1.3`); the key is its last number.
    public let path: String
    public var key: String { String(path.split(separator: ".").last ?? "") }
    public let title: Localized
    public internal(set) var content: Content
    /// Where it is defined, for errors.
    public let line: Int

    public var children: [MenuItem] {
        if case .submenu(let items) = content { return items }
        return []
    }

    /// The prompts an action item shows before it runs; empty for any other item.
    public var inputs: [MenuInput] {
        if case .action(_, let inputs) = content { return inputs }
        return []
    }
}

/// A menu item's action per language: the same but for a language toggle (2.9 is
/// `language-en` in the Hungarian menu and `language-hu` in the English one).
public struct LocalizedAction: Hashable, Sendable {
    public let hu: MenuAction
    public let en: MenuAction
    public subscript(_ language: Language) -> MenuAction { language == .en ? en : hu }
}

/// A menu file: the USSD code that opens it, the fixed dialogue texts, and the tree.
public struct Menu: Hashable, Sendable {
    /// The name of the file without `.menu` (`1412`).
    public let name: String
    /// The USSD string that opens the menu (`*1412#`).
    public let code: String
    /// The heading of the main menu.
    public let title: Localized
    /// The paging key and its label (`98`, `Tovább`/`More`): never one of the map's keys.
    public let moreKey: String
    public let more: Localized
    /// Last line of every menu screen (`* Vissza  0 Ügyintéző`); may be empty.
    public let footer: Localized
    /// The line put above a screen shown again after an answer it cannot take.
    public let invalid: Localized
    /// The answers to `0` (agent) and `#` (agent without identification).
    public let agent: Localized
    public let anonymousAgent: Localized
    /// The main menu: a sub-menu whose items are the map's top level.
    public let root: MenuItem
    /// Every sub-menu's pages and screens, rendered once when the menu is built: paging
    /// renders and transliterates each candidate page, and doing it per USSD request was
    /// three quarters of a `*1412#`'s CPU (perf, SMPP USSD at 3.3k sessions/s).
    let screenTable: ScreenTable

    init(name: String, code: String, title: Localized, moreKey: String, more: Localized, footer: Localized,
         invalid: Localized, agent: Localized, anonymousAgent: Localized, root: MenuItem) {
        self.name = name
        self.code = code
        self.title = title
        self.moreKey = moreKey
        self.more = more
        self.footer = footer
        self.invalid = invalid
        self.agent = agent
        self.anonymousAgent = anonymousAgent
        self.root = root
        screenTable = ScreenTable()
        screenTable.fill(self)
    }

    /// Every item of the tree, depth first, in file order.
    public var allItems: [MenuItem] {
        var out: [MenuItem] = []
        func walk(_ item: MenuItem) {
            for child in item.children {
                out.append(child)
                walk(child)
            }
        }
        walk(root)
        return out
    }

    /// The item at a dotted path (`2.9`), if any.
    public func item(at path: String) -> MenuItem? {
        var node = root
        for key in path.split(separator: ".") {
            guard let next = node.children.first(where: { $0.key == key }) else { return nil }
            node = next
        }
        return node
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
