import Engine
import EventLoop
import Numbering

/// The open USSD dialogues of the gateway: at most one per subscriber, kept between two
/// answers, dropped when released, replaced or idle for longer than ``timeout``. Shared by
/// every transport that carries USSD (the line protocol; HTTP later), on the loop thread.
///
/// A transport runs its requests in group-commit passes. What a pass does to dialogues is
/// collected in a ``Changes`` value it owns and applied with ``apply(_:now:)`` only once
/// the pass's transaction has committed: when the commit fails (`451`) every dialogue
/// stays where it was, and the subscriber may send the same answer again.
///
/// ```swift
/// let dialogues = USSDDialogues(timeout: 60)
/// var pass = USSDDialogues.Changes()
/// let open = dialogues.dialogue(for: msisdn, now: loop.now, pending: pass)
/// let outcome = try engine.execute(.ussd(from: msisdn, input: "1", dialogue: open), ctx, in: tx)
/// pass.set(outcome.dialogue, for: msisdn)
/// // … after COMMIT:
/// dialogues.apply(pass, now: loop.now)
/// ```
public final class USSDDialogues {
    /// Seconds a dialogue may wait for an answer; an older one is gone (the next string
    /// starts afresh).
    public let timeout: Double
    /// Most dialogues kept at once (each a few hundred bytes): past it, the expired ones
    /// go, then the least recently used tenth — those subscribers start afresh, as after
    /// a timeout. Many numbers dialling and never answering cannot grow memory without
    /// bound.
    public let limit: Int
    /// Dialogues dropped early because of ``limit``.
    public private(set) var evicted = 0
    private var open: [MSISDN: (dialogue: USSDDialogue, touched: Double)] = [:]
    private var sweeper: LoopTimer?

    /// What one pass of a transport did to the dialogues, not yet applied.
    public struct Changes: Sendable {
        var staged: [MSISDN: USSDDialogue?] = [:]

        public init() {}

        /// The dialogue a request left for `msisdn` (`nil`: ended or released).
        public mutating func set(_ dialogue: USSDDialogue?, for msisdn: MSISDN) {
            staged[msisdn] = .some(dialogue)
        }

        public var isEmpty: Bool { staged.isEmpty }
    }

    public init(timeout: Double, limit: Int = 100_000) {
        precondition(timeout > 0, "the USSD timeout is positive")
        precondition(limit > 0, "the USSD dialogue limit is positive")
        self.timeout = timeout
        self.limit = limit
    }

    /// The dialogue an answer of `msisdn` continues: what the pass in progress left
    /// (`pending`), else the open one unless it has been idle for longer than the timeout.
    public func dialogue(for msisdn: MSISDN, now: Double, pending: Changes = Changes()) -> USSDDialogue? {
        if let staged = pending.staged[msisdn] { return staged }
        guard let entry = open[msisdn], now - entry.touched <= timeout else { return nil }
        return entry.dialogue
    }

    /// Applies a committed pass: dialogues it left open are kept (their idle time starts
    /// now), the others are dropped.
    public func apply(_ changes: Changes, now: Double) {
        for (msisdn, dialogue) in changes.staged {
            if dialogue != nil, open[msisdn] == nil, open.count >= limit { makeRoom(now: now) }
            open[msisdn] = dialogue.map { ($0, now) }
        }
    }

    /// Full: the expired go; if that is not enough, the least recently used tenth (a sort
    /// once per tenth of the limit, not a scan per new dialogue).
    private func makeRoom(now: Double) {
        sweep(now: now)
        guard open.count >= limit else { return }
        let drop = max(1, limit / 10)
        let oldest = open.sorted { $0.value.touched < $1.value.touched }.prefix(drop)
        for (msisdn, _) in oldest { open[msisdn] = nil }
        evicted += oldest.count
    }

    /// Drops every dialogue idle for longer than the timeout; returns how many.
    @discardableResult
    public func sweep(now: Double) -> Int {
        let before = open.count
        open = open.filter { now - $0.value.touched <= timeout }
        return before - open.count
    }

    /// Sweeps on `loop` every half timeout (at most every 5 s), so forgotten dialogues
    /// do not pile up; lookups check the timeout themselves, the sweep only frees memory.
    public func startSweeping(on loop: EventLoop) {
        let timer = LoopTimer(loop: loop) { [unowned self, unowned loop] in self.sweep(now: loop.now) }
        timer.schedule(after: min(max(timeout / 2, 0.05), 5), repeating: true)
        sweeper = timer
    }

    public func stopSweeping() {
        sweeper?.cancel()
        sweeper = nil
    }

    /// The open dialogues as they are now, for a batch on the store's thread (a copy on
    /// write: taking it copies nothing).
    public func snapshot() -> Snapshot { Snapshot(open: open, timeout: timeout) }

    public struct Snapshot: Sendable {
        let open: [MSISDN: (dialogue: USSDDialogue, touched: Double)]
        let timeout: Double

        func dialogue(for msisdn: MSISDN, now: Double) -> USSDDialogue? {
            guard let entry = open[msisdn], now - entry.touched <= timeout else { return nil }
            return entry.dialogue
        }
    }

    /// Drops the dialogue of `msisdn` at once (`RELEASE`); true when one was open.
    @discardableResult
    public func release(_ msisdn: MSISDN, now: Double) -> Bool {
        let wasOpen = dialogue(for: msisdn, now: now) != nil
        open[msisdn] = nil
        return wasOpen
    }

    /// How many dialogues are open (some may be past the timeout until the next sweep).
    public var count: Int { open.count }
}
