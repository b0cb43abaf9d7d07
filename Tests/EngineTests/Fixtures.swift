import Engine
import Grammar
import Model
import Numbering
import Store
import Testing

/// The repository's Grammars/ folder, found from this file.
let grammarFolder: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // EngineTests/Fixtures.swift, Tests
    return parts.joined(separator: "/") + "/Grammars"
}()

func makeEngine() throws -> Engine {
    let grammar = try Grammar.load(from: grammarFolder)
    // Validating: a reply text the engine needs and the catalogs lack fails every test;
    // it also reads mmi.codes and the menus.
    return try Engine(validating: grammar, folder: grammarFolder, codeSource: { "424242" })
}

/// 2026-11-21 12:00:00 UTC
let now: Int64 = 1_795_262_400

let prepaid = MSISDN(canonical: "36301111111")
let postpaid = MSISDN(canonical: "36302222222")
let mix = MSISDN(canonical: "36303333333")
let stranger = MSISDN(canonical: "36309999999")
let minor = MSISDN(canonical: "36304444444")
let suspended = MSISDN(canonical: "36305555555")
/// Another network's subscriber: a domestic number the store does not know.
let otherNetwork = MSISDN(canonical: "36201234567")

/// PINs as the demo data has them: 11111 for the prepaid, 22222, 33333, 44444, 55555.
func pinRecord(_ pin: String) -> PINRecord { PINRecord(hash: PasswordHash.make(pin, rounds: 1000)) }

/// A store with a prepaid (5 000 Ft + 1 000 Ft universal, a purchase of 300 Ft on
/// 2026-11-18), an English postpaid (3 450 Ft unbilled, bill 8 990 Ft for October) and a
/// Mix subscriber (2 600 Ft allowance, 1 500 Ft balance).
func makeStore() throws -> InMemoryStore {
    let store = InMemoryStore()
    try store.write { tx in
        try tx.addSubscriber(Subscriber(msisdn: prepaid, product: .prepaid, birthDate: CalendarDate(year: 1985, month: 3, day: 21)),
                             pin: pinRecord("11111"))
        try tx.post(LedgerEntry(msisdn: prepaid, bucket: .balance, amount: 5_300, kind: .opening, at: now - 864_000))
        try tx.post(LedgerEntry(msisdn: prepaid, bucket: .balance, amount: -300, kind: .purchase, at: 1_795_003_200))
        try tx.post(LedgerEntry(msisdn: prepaid, bucket: .universal, amount: 1_000, kind: .opening, at: now - 864_000))

        try tx.addSubscriber(Subscriber(msisdn: postpaid, product: .postpaid, language: .en), pin: pinRecord("22222"))
        try tx.post(LedgerEntry(msisdn: postpaid, bucket: .unbilled, amount: 3_450, kind: .charge, at: now - 3600))
        try tx.addBill(Bill(period: "2026-10", amount: 8_990), of: postpaid)

        try tx.addSubscriber(Subscriber(msisdn: mix, product: .mix), pin: pinRecord("33333"))
        try tx.post(LedgerEntry(msisdn: mix, bucket: .allowance, amount: 2_600, kind: .opening, at: now - 3600))
        try tx.post(LedgerEntry(msisdn: mix, bucket: .balance, amount: 1_500, kind: .opening, at: now - 3600))

        try tx.addSubscriber(Subscriber(msisdn: minor, product: .prepaid, birthDate: CalendarDate(year: 2012, month: 6, day: 1)),
                             pin: pinRecord("44444"))
        try tx.post(LedgerEntry(msisdn: minor, bucket: .balance, amount: 2_000, kind: .opening, at: now - 3600))
        try tx.addSubscriber(Subscriber(msisdn: suspended, product: .prepaid, status: .suspended), pin: pinRecord("55555"))
        try tx.post(LedgerEntry(msisdn: suspended, bucket: .balance, amount: 800, kind: .opening, at: now - 3600))

        for rate in rates { try tx.setRate(rate) }
        try tx.saveAccount(Account(name: "ops", role: .operator, passwordHash: PasswordHash.make("ops", rounds: 1000)))
    }
    return store
}

/// The rate table of the tests: the demo data's (0690 300 Ft, 0691 500 Ft adult, 16xxx
/// 150 Ft; MT 100/250/60 Ft; 777 500 Ft, partners 400 Ft, horoscope 600 Ft a month;
/// donations 136xx 250 Ft).
let rates: [Rate] = DemoData.rates.map(\.rate)

func context(_ request: String, account: String? = "simulator") -> RequestContext {
    RequestContext(channel: "test", account: account, now: now)
}

extension InMemoryStore {
    /// Every bucket equals the sum of its ledger rows.
    var ledgerHolds: Bool {
        state.subscribers.values.allSatisfy { s in
            Bucket.allCases.allSatisfy { b in
                s[b] == state.ledger.filter { $0.msisdn == s.msisdn && $0.bucket == b }.reduce(0) { $0 + $1.amount }
            }
        }
    }
}

/// The engine and a store, driven the way a transport drives them.
struct Desk {
    let engine: Engine
    let store: InMemoryStore
    /// The open USSD dialogues, kept as a transport keeps them (after the commit).
    let dialogues = Dialogues()

    final class Dialogues: @unchecked Sendable {
        var open: [MSISDN: USSDDialogue] = [:]
    }

    init() throws {
        engine = try makeEngine()
        store = try makeStore()
    }

    /// Subscriber `from` dials or answers `input` on USSD, with the dialogue the desk
    /// holds for them; the desk keeps the dialogue the outcome returns.
    @discardableResult
    func ussd(_ from: MSISDN, _ input: String, at time: Int64 = now) throws -> Outcome {
        let open = dialogues.open[from]
        let outcome = try store.write { tx in
            try engine.execute(.ussd(from: from, input: input, dialogue: open),
                               RequestContext(channel: "test", account: "simulator", now: time), in: tx)
        }
        dialogues.open[from] = outcome.dialogue
        return outcome
    }

    /// The dialogue open for `msisdn`, if any.
    func dialogue(_ msisdn: MSISDN) -> USSDDialogue? { dialogues.open[msisdn] }

    /// The subscriber's settings as stored.
    func settings(_ msisdn: MSISDN) throws -> [String: String] {
        try store.write { try $0.settings(of: msisdn) }
    }

    /// Subscriber `from` texts `text` to `to` (as dialled).
    @discardableResult
    func sms(_ from: MSISDN, _ to: String, _ text: String, at time: Int64 = now) throws -> Outcome {
        let destination = try #require(Destination(parsing: to))
        return try store.write { tx in
            try engine.execute(.sms(from: from, to: destination, text: text),
                               RequestContext(channel: "test", account: "simulator", now: time), in: tx)
        }
    }

    @discardableResult
    func mt(_ from: String, _ to: MSISDN, _ text: String = "content") throws -> Outcome {
        let source = try #require(Destination(parsing: from))
        return try store.write { tx in
            try engine.execute(.mt(from: source, to: to, text: text), context("MT \(from) \(to.digits) \(text)"), in: tx)
        }
    }

    @discardableResult
    func run(_ command: Command, account: String = "ops") throws -> Outcome {
        try store.write { tx in try engine.execute(command, context("\(command)", account: account), in: tx) }
    }

    var state: InMemoryStore.State { store.state }

    func subscriber(_ msisdn: MSISDN) -> Subscriber? { store.state.subscribers[msisdn] }

    /// What the gateway queued for `recipient`, oldest first.
    func outbox(_ recipient: MSISDN) throws -> [OutboxMessage] {
        try store.write { try $0.pendingOutbox(recipient: recipient, limit: 100) }
    }
}

extension InMemoryStore.State {
    /// Everything but the audit (which every command appends to) and the PIN and
    /// barring-password failure counters.
    func sameApartFromAudit(_ other: InMemoryStore.State) -> Bool {
        var a = self, b = other
        a.audit = []
        b.audit = []
        a.pins = [:]
        b.pins = [:]
        func counted(_ key: String) -> Bool { key == "cb.failures" || key == "cb.locked" }
        a.settings = a.settings.mapValues { $0.filter { !counted($0.key) } }.filter { !$0.value.isEmpty }
        b.settings = b.settings.mapValues { $0.filter { !counted($0.key) } }.filter { !$0.value.isEmpty }
        return a == b
    }
}
