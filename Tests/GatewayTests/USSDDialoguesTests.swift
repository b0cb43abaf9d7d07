import Engine
import Foundation
import EventLoop
import Gateway
import Grammar
import Menus
import Model
import Numbering
import Testing

@Suite("USSD dialogue registry")
struct USSDDialoguesTests {
    static let menu: Menu = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return try! Menu.load(file: parts.joined(separator: "/") + "/Grammars/menus/1412.menu")
    }()

    static func dialogue(at keys: [String] = []) -> USSDDialogue {
        var walk = MenuDialogue(menu: menu, language: .hu)
        for key in keys { _ = walk.answer(key) }
        return USSDDialogue(code: menu.code, menu: walk)
    }

    let a = MSISDN(canonical: "36301111111")
    let b = MSISDN(canonical: "36302222222")

    @Test func aDialogueIsKeptOnlyOnceItsPassIsApplied() {
        let dialogues = USSDDialogues(timeout: 60)
        var pass = USSDDialogues.Changes()
        pass.set(Self.dialogue(), for: a)
        // Seen by the rest of the pass, not by anyone else yet.
        #expect(dialogues.dialogue(for: a, now: 0, pending: pass) == Self.dialogue())
        #expect(dialogues.dialogue(for: a, now: 0) == nil)
        dialogues.apply(pass, now: 0)
        #expect(dialogues.dialogue(for: a, now: 1) == Self.dialogue())
        #expect(dialogues.dialogue(for: b, now: 1) == nil)
        #expect(dialogues.count == 1)
    }

    /// Issue 17: numbers that dial and never answer cannot grow the registry past its
    /// limit; the expired go first, then the least recently used tenth.
    @Test func theRegistryStaysWithinItsLimit() {
        let dialogues = USSDDialogues(timeout: 60, limit: 20)
        func open(_ n: Int, at now: Double) {
            var pass = USSDDialogues.Changes()
            pass.set(Self.dialogue(), for: MSISDN(canonical: "363011\(String(format: "%05d", n))"))
            dialogues.apply(pass, now: now)
        }
        for n in 0..<20 { open(n, at: Double(n)) }
        #expect(dialogues.count == 20 && dialogues.evicted == 0)
        // The 21st drops the two least recently used (a tenth of 20): numbers 0 and 1.
        open(20, at: 20)
        #expect(dialogues.count == 19 && dialogues.evicted == 2)
        #expect(dialogues.dialogue(for: MSISDN(canonical: "36301100000"), now: 21) == nil)
        #expect(dialogues.dialogue(for: MSISDN(canonical: "36301100002"), now: 21) != nil)
        // Updating an open dialogue takes no room.
        open(5, at: 22)
        open(20, at: 22)
        #expect(dialogues.count == 19)
        // Expired ones go before anyone recent: at t=70 numbers 2…9 are past 60 s.
        open(21, at: 70)
        open(22, at: 70)
        #expect(dialogues.evicted == 2, "only expired ones made room")
        #expect(dialogues.dialogue(for: MSISDN(canonical: "36301100020"), now: 71) != nil)
        for n in 23..<200 { open(n, at: 80) }
        #expect(dialogues.count <= 20)
    }

    @Test func aPassCanMoveOrEndADialogueAndADiscardedOneChangesNothing() {
        let dialogues = USSDDialogues(timeout: 60)
        var first = USSDDialogues.Changes()
        first.set(Self.dialogue(), for: a)
        dialogues.apply(first, now: 0)
        var moved = USSDDialogues.Changes()
        moved.set(Self.dialogue(at: ["5"]), for: a)
        #expect(dialogues.dialogue(for: a, now: 1, pending: moved)?.path == "5")
        // The pass's commit failed: it is dropped, the dialogue is where it was.
        #expect(dialogues.dialogue(for: a, now: 1)?.path == "")
        var ended = USSDDialogues.Changes()
        ended.set(nil, for: a)
        #expect(dialogues.dialogue(for: a, now: 1, pending: ended) == nil)
        dialogues.apply(ended, now: 1)
        #expect(dialogues.dialogue(for: a, now: 1) == nil && dialogues.count == 0)
    }

    @Test func anIdleDialogueIsGoneAfterTheTimeoutAndSwept() {
        let dialogues = USSDDialogues(timeout: 60)
        var pass = USSDDialogues.Changes()
        pass.set(Self.dialogue(), for: a)
        pass.set(Self.dialogue(), for: b)
        dialogues.apply(pass, now: 100)
        var answer = USSDDialogues.Changes()
        answer.set(Self.dialogue(at: ["2"]), for: b)
        dialogues.apply(answer, now: 150)
        // 60 s idle is still within the timeout; 61 s is not.
        #expect(dialogues.dialogue(for: a, now: 160) != nil)
        #expect(dialogues.dialogue(for: a, now: 161) == nil)
        #expect(dialogues.dialogue(for: b, now: 161)?.path == "2")
        #expect(dialogues.count == 2)
        #expect(dialogues.sweep(now: 161) == 1)
        #expect(dialogues.count == 1)
        #expect(dialogues.sweep(now: 211) == 1)
        #expect(dialogues.count == 0)
    }

    @Test func theSweepingTimerRunsOnTheLoop() throws {
        let loop = try EventLoop()
        let dialogues = USSDDialogues(timeout: 0.1)
        var pass = USSDDialogues.Changes()
        pass.set(Self.dialogue(), for: a)
        dialogues.apply(pass, now: loop.now)
        dialogues.startSweeping(on: loop)
        let deadline = loop.now + 5
        while dialogues.count > 0, loop.now < deadline { loop.runOnce() }
        #expect(dialogues.count == 0)
        dialogues.stopSweeping()
    }
}
