import Engine
import Model
import Numbering

/// One request's share of a batch: runs on the store's thread, inside the batch's
/// transaction, with the engine and the batch's view of the USSD state. Everything in it
/// is `Sendable`: it crosses from the loop thread to the store's. A thrown error is a
/// store failure: the whole batch rolls back and every request in it is told so.
///
/// The engine case is the hot path (every SMS, TOPUP, MT and USSD of the line protocol):
/// no closure, and its command boxed, so that the loop moves a reference, not an enum
/// with a dozen strings (callgrind: copying the unboxed work cost ~1 500 instructions a
/// request).
public enum StoreWork: Sendable {
    /// The engine runs the command (a USSD string with the dialogue the batch holds for
    /// the number, keeping the one it leaves), audited with the work's channel and account.
    case command(EngineWork)
    /// Anything else, as a closure (AUTH, the HTTP front, the outbox, the audit of failed
    /// logins); it may capture only `Sendable` values.
    case custom(@Sendable (BatchContext) throws -> StoreReply)

    /// An engine command for the batch to run.
    public static func command(_ command: Command, channel: String, account: String?) -> StoreWork {
        .command(EngineWork(command: command, channel: channel, account: account))
    }

    /// An SMPP MO for the batch to run and to remember under `key` in `scope` (the
    /// duplicate memory a restart reloads).
    static func command(_ command: Command, channel: String, account: String?, remember key: UInt64,
                        in scope: String) -> StoreWork {
        .command(EngineWork(command: command, channel: channel, account: account, rememberScope: scope, rememberKey: key))
    }

    func run(_ batch: BatchContext) throws -> StoreReply {
        switch self {
        case .command(let work):
            let context = RequestContext(channel: work.channel, account: work.account, now: batch.now)
            guard case .ussd(let msisdn, let input, nil) = work.command else {
                let outcome = try batch.engine.execute(work.command, context, in: batch.tx)
                if let scope = work.rememberScope {
                    // An SMPP MO: kept for the duplicate memory of the next start.
                    // The reply whole: it is cut into parts again only if a restart reloads it.
                    try batch.tx.rememberMO(RememberedMO(scope: scope, key: work.rememberKey, at: batch.now,
                                                         replies: outcome.reply.map { [$0] } ?? []))
                }
                return .outcome(outcome)
            }
            // USSD: the dialogue this batch left for the number, else the open one.
            let outcome = try batch.engine.execute(.ussd(from: msisdn, input: input, dialogue: batch.dialogue(for: msisdn)),
                                                   context, in: batch.tx)
            batch.setDialogue(outcome.dialogue, for: msisdn)
            return .outcome(outcome)
        case .custom(let body):
            return try body(batch)
        }
    }
}

/// An engine command and whom to audit it for. A USSD command is given without its
/// dialogue: the batch supplies it.
public final class EngineWork: Sendable {
    public let command: Command
    public let channel: String
    public let account: String?
    /// An SMPP MO's duplicate memory (``RememberedMO/scope``), when it is one.
    public let rememberScope: String?
    public let rememberKey: UInt64

    public init(command: Command, channel: String, account: String?, rememberScope: String? = nil, rememberKey: UInt64 = 0) {
        self.command = command
        self.channel = channel
        self.account = account
        self.rememberScope = rememberScope
        self.rememberKey = rememberKey
    }
}

/// What a ``StoreWork`` hands back to the loop, where the transport renders it. A closed
/// set: a value crossing threads is `Sendable`, and matching an enum is cheaper than
/// casting an existential on the hot path.
public enum StoreReply: Sendable {
    /// The engine's outcome of a command (line verbs, Kannel's MO, the ops API's verbs).
    case outcome(Outcome)
    /// An AUTH: the account, or `nil` when the name or password was wrong.
    case account(Account?)
    /// An HTTP request's answer and what the front counts about it.
    case http(HTTPFront.Reply)
    /// Pending outbox messages (the sendsms pusher's look).
    case outbox([OutboxMessage])
    /// Counts (the outbox's pending and failed messages for `/metrics`).
    case counts([Int])
    /// The outbox message a delivery receipt was recorded on; `nil`: none awaited it.
    case receipt(Int64?)
    /// Done; nothing to say.
    case done
}

/// The store side of one batch: the transaction, the engine in force when the batch was
/// shipped, and what the batch does to the USSD state — staged here, applied by the loop
/// only once the batch has committed. Lives on the store's thread, one per batch.
public final class BatchContext {
    public let engine: Engine
    /// The batch's transaction; valid only while its works run.
    public private(set) var tx: any StoreTransaction
    /// Unix seconds of the batch (the audit rows' time).
    public let now: Int64
    /// The loop's clock when the batch was shipped (dialogue timeouts).
    public let clock: Double
    private let dialogues: USSDDialogues.Snapshot
    private let callbackSessions: USSDCallback.Sessions.Snapshot
    /// The dialogues the batch's requests left, so far.
    public internal(set) var dialogueChanges = USSDDialogues.Changes()
    var sessionChanges = USSDCallback.Sessions.Changes()
    /// HTTP credentials proved by a password check in this batch: the next request with
    /// the same ones is not checked again (the loop's cache learns them after the commit).
    var proved: [Credentials: Account] = [:]

    init(_ batch: StoreBatch, tx: any StoreTransaction) {
        engine = batch.engine
        self.tx = tx
        now = batch.now
        clock = batch.clock
        dialogues = batch.dialogues
        callbackSessions = batch.callbackSessions
    }

    /// The dialogue an answer of `msisdn` continues: what this batch left, else the one
    /// open when the batch was shipped (unless timed out).
    public func dialogue(for msisdn: MSISDN) -> USSDDialogue? {
        if let staged = dialogueChanges.staged[msisdn] { return staged }
        return dialogues.dialogue(for: msisdn, now: clock)
    }

    /// Stages the dialogue a request leaves for `msisdn` (`nil`: ended).
    public func setDialogue(_ dialogue: USSDDialogue?, for msisdn: MSISDN) {
        dialogueChanges.set(dialogue, for: msisdn)
    }

    func repeated(_ turn: USSDCallback.Turn) -> String? {
        callbackSessions.repeated(turn, now: clock, pending: sessionChanges)
    }
}

/// What crosses to the store's thread: the works in request order and what they may read.
public struct StoreBatch: Sendable {
    public let engine: Engine
    public let now: Int64
    public let clock: Double
    let dialogues: USSDDialogues.Snapshot
    let callbackSessions: USSDCallback.Sessions.Snapshot
    public let works: [StoreWork]
}

/// What comes back: every work's reply (in order) and the staged USSD state, or the
/// error that rolled the batch back.
public enum StoreBatchResult: Sendable {
    case committed(replies: [StoreReply], dialogues: USSDDialogues.Changes, sessions: USSDCallback.Sessions.Changes)
    case failed(any Error)
}

extension StoreBatch {
    /// Runs the works in one transaction of `store`: the body every executor shares.
    func run(in store: any SubscriberStore) -> StoreBatchResult {
        var replies: [StoreReply] = []
        replies.reserveCapacity(works.count)
        do {
            let context: BatchContext = try store.write { tx in
                let context = BatchContext(self, tx: tx)
                for i in works.indices { replies.append(try works[i].run(context)) }
                return context
            }
            return .committed(replies: replies, dialogues: context.dialogueChanges, sessions: context.sessionChanges)
        } catch {
            return .failed(error)
        }
    }
}
