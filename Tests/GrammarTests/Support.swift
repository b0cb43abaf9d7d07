import Foundation
import Grammar
import Numbering

/// The repository's Grammars/ folder, found from this file.
let shippedFolder: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // GrammarTests/Support.swift, Tests
    return parts.joined(separator: "/") + "/Grammars"
}()

let shipped: Grammar = {
    do { return try Grammar.load(from: shippedFolder) } catch { fatalError("shipped grammar: \(error)") }
}()

func destination(_ text: String) -> Destination {
    guard let d = Destination(parsing: text) else { fatalError("bad destination \(text)") }
    return d
}

func recognize(_ to: String, _ text: String, in grammar: Grammar = shipped) -> Recognition {
    grammar.recognize(destination: destination(to), text: text)
}

/// The match of a text, or `nil` when it did not match.
func match(_ to: String, _ text: String, in grammar: Grammar = shipped) -> Match? {
    if case .matched(let m) = recognize(to, text, in: grammar) { return m }
    return nil
}

/// A temporary copy of the shipped folder whose files can be replaced; removed on deinit.
final class TemporaryGrammarFolder {
    let path: String

    init(files: [String: String] = [:]) throws {
        path = NSTemporaryDirectory() + "selfcare-grammar-" + UUID().uuidString
        let manager = FileManager.default
        try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in ["messages.hu", "messages.en", Grammar.commandFile] {
            try manager.copyItem(atPath: shippedFolder + "/" + name, toPath: path + "/" + name)
        }
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + name)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
