import Dispatch
import Engine
import EventLoop
import Gateway
import Grammar
import Logging
import Menus
import Model
import Numbering
import Testing

/// The pipeline and the store executor, in process: a real loop, the real executor
/// thread, an in-memory store. What a transport relies on: one transaction per batch
/// whatever transports fill it, completions in submission order after the commit,
/// nothing kept of a failed batch, and a loop that keeps running while the store works.
@Suite("Pipeline and store executor")
struct PipelineTests {
    let a = MSISDN(canonical: "36301111111")

    final class Harness {
        let loop: EventLoop
        let store = InMemoryStore()
        let executor: ThreadStoreExecutor
        let pipeline: Pipeline

        init() throws {
            loop = try EventLoop()
            var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
            parts.removeLast(3)
            let engine = Engine(grammar: try Grammar.load(from: parts.joined(separator: "/") + "/Grammars"))
            try store.write { tx in
                try tx.addSubscriber(Subscriber(msisdn: MSISDN(canonical: "36301111111"), product: .prepaid),
                                     pin: PINRecord(hash: nil))
            }
            executor = try ThreadStoreExecutor(store: store, loop: loop)
            pipeline = Pipeline(loop: loop, executor: executor, engine: engine, logger: Logger(label: "test"),
                                dialogues: USSDDialogues(timeout: 60))
        }

        /// Passes until the pipeline is idle (at most 5 s).
        func drain() {
            let tick = LoopTimer(loop: loop) {}
            tick.schedule(after: 0.01, repeating: true)
            pipeline.drain(until: loop.now + 5)
            tick.cancel()
        }

        deinit { executor.shutdown() }
    }

    static let dialogue: USSDDialogue = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        let menu = try! Menu.load(file: parts.joined(separator: "/") + "/Grammars/menus/1412.menu")
        return USSDDialogue(code: menu.code, menu: MenuDialogue(menu: menu, language: .hu))
    }()

    /// A work that sets one setting of the subscriber.
    static func setting(_ key: String, _ msisdn: MSISDN) -> StoreWork {
        .custom { batch in
            try batch.tx.setSetting(key, to: "1", of: msisdn)
            return .done
        }
    }

    @Test func jobsOfEveryTransportReadInOnePassShareOneCommit() throws {
        let h = try Harness()
        var order: [String] = []
        h.pipeline.submit(.line, work: Self.setting("x", a)) { _ in order.append("line x") }
        h.pipeline.submit(.http, work: Self.setting("y", a)) { _ in order.append("http y") }
        h.pipeline.submit(.line, work: nil) { _ in order.append("line ping") }
        h.pipeline.submit(.line, work: Self.setting("z", a)) { _ in order.append("line z") }
        h.drain()
        #expect(order == ["line x", "http y", "line ping", "line z"])
        let stats = h.pipeline.stats
        #expect(stats.commits == 1)
        #expect(stats.largestBatch == 3)
        #expect(stats.commits(.line) == 1 && stats.commits(.http) == 1)
        #expect(try h.store.write { try $0.settings(of: a) } == ["x": "1", "y": "1", "z": "1"])
    }

    @Test func whileOneBatchCommitsTheLoopRunsAndTheNextBatchGrows() throws {
        let h = try Harness()
        let gate = DispatchSemaphore(value: 0)
        var completed: [Int] = []
        // The first batch waits in the store until the loop has run a timer.
        h.pipeline.submit(.line, work: { batch in
            gate.wait()
            try batch.tx.setSetting("first", to: "1", of: MSISDN(canonical: "36301111111"))
            return .done
        }) { _ in completed.append(1) }
        h.pipeline.endOfPass()
        var timerRan = false
        let timer = LoopTimer(loop: h.loop) {
            timerRan = true
            gate.signal()
        }
        timer.schedule(after: 0.01)
        for i in 2...4 {
            h.pipeline.submit(.http, work: Self.setting("k\(i)", a)) { _ in completed.append(i) }
        }
        h.pipeline.endOfPass()
        // Shipped only once the first is done: nothing of them has completed yet.
        #expect(completed.isEmpty)
        h.drain()
        #expect(timerRan)
        #expect(completed == [1, 2, 3, 4])
        #expect(h.pipeline.stats.commits == 2)
        #expect(h.pipeline.stats.largestBatch == 3)
    }

    struct Broken: Error {}

    @Test func aFailedBatchKeepsNothingAndTellsEveryJobThatUsedTheStore() throws {
        let h = try Harness()
        let dialogue = Self.dialogue
        var results: [String] = []
        h.pipeline.submit(.line, work: { batch in
            try batch.tx.setSetting("x", to: "1", of: MSISDN(canonical: "36301111111"))
            batch.setDialogue(dialogue, for: MSISDN(canonical: "36301111111"))
            return .done
        }) { result in
            if case .failed = result { results.append("failed") } else { results.append("kept") }
        }
        h.pipeline.submit(.line, work: nil) { result in
            if case .turn = result { results.append("turn") }
        }
        h.pipeline.submit(.http, work: { _ in throw Broken() }) { result in
            if case .failed = result { results.append("failed") }
        }
        h.drain()
        #expect(results == ["failed", "turn", "failed"])
        #expect(h.pipeline.stats.failedCommits == 1 && h.pipeline.stats.commits == 0)
        #expect(try h.store.write { try $0.settings(of: a) } == [:])
        #expect(h.pipeline.dialogues.count == 0)
    }

    @Test func aCommittedBatchOpensItsDialoguesAndTheNextBatchSeesThem() throws {
        let h = try Harness()
        let dialogue = Self.dialogue
        h.pipeline.submit(.line, work: { batch in
            #expect(batch.dialogue(for: MSISDN(canonical: "36301111111")) == nil)
            batch.setDialogue(dialogue, for: MSISDN(canonical: "36301111111"))
            // The rest of the same batch sees it at once.
            #expect(batch.dialogue(for: MSISDN(canonical: "36301111111")) == dialogue)
            return .done
        }) { _ in }
        h.drain()
        #expect(h.pipeline.dialogues.count == 1)
        var seen: USSDDialogue?
        h.pipeline.submit(.http, work: { batch in
            .outcome(Outcome(status: .ok, reply: nil, result: "", dialogue: batch.dialogue(for: MSISDN(canonical: "36301111111"))))
        }) { result in
            if case .committed(.outcome(let o)) = result { seen = o.dialogue }
        }
        h.drain()
        #expect(seen == dialogue)
    }

    @Test func aPassWithoutStoreWorkAnswersWithoutATransaction() throws {
        let h = try Harness()
        var turns = 0
        for _ in 0..<3 { h.pipeline.submit(.line, work: nil) { _ in turns += 1 } }
        h.pipeline.endOfPass()
        #expect(turns == 3)
        #expect(h.pipeline.stats.commits == 0 && h.pipeline.isIdle)
    }
}
