import Menus
import Model

/// One subscriber's open USSD menu dialogue, as a transport keeps it between two answers:
/// the walk through the menu and the code that opened it.
///
/// A value, handed in with ``Command/ussd(from:input:dialogue:)`` and handed back in
/// ``Outcome/dialogue``: the transport keeps the returned one only once the transaction
/// has committed, so an answer whose commit failed leaves the dialogue where it was.
/// MMI codes never open a dialogue; their answer ends it.
///
/// ```swift
/// var outcome = try engine.execute(.ussd(from: msisdn, input: "*1412#", dialogue: nil), ctx, in: tx)
/// outcome.dialogue?.path      // "" (the main menu), outcome.reply is its screen
/// outcome = try engine.execute(.ussd(from: msisdn, input: "5", dialogue: outcome.dialogue), ctx, in: tx)
/// outcome.dialogue?.path      // "5"
/// ```
public struct USSDDialogue: Sendable, Equatable {
    /// The USSD string that opened it (`*1412#`).
    public let code: String
    /// The walk through the menu (screen on show, language, answers to a prompt).
    public internal(set) var menu: MenuDialogue

    public init(code: String, menu: MenuDialogue) {
        self.code = code
        self.menu = menu
    }

    /// The language of its screens (switched by the 1412 map's 2.9).
    public var language: Language { menu.language }

    /// The dotted path of the sub-menu on screen (`2.1`; empty: the main menu).
    public var path: String { menu.path }

    /// True when the screen asks for the PIN: the next answer is masked in the audit.
    public var expectsPIN: Bool { menu.expectedInput == .pin }

    /// Whether `input`, sent while a dialogue is open, is a new code that replaces the
    /// dialogue rather than an answer to its screen: it starts with `*` or `#`, ends with
    /// `#` and is longer than one character (`*1412#`, `*#21#`). `*`, `#`, `0`, digits,
    /// a PIN or a number are answers.
    public static func isCode(_ input: String) -> Bool {
        let s = input.trimmedSpaces
        return s.count > 1 && (s.hasPrefix("*") || s.hasPrefix("#")) && s.hasSuffix("#")
    }
}

extension StringProtocol {
    /// Without the spaces and tabs around it.
    var trimmedSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
