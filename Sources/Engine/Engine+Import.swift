import Model
import Numbering

/// Bulk changes (`selfcare import subscribers|rates FILE.csv`, issue 18): each row runs
/// through the rules of its verb (`SUB ADD`, `SUB SET`, `RATE SET`) inside one
/// transaction that the caller commits only when every row went through and the operator
/// asked for it (a dry run rolls back: the diff is exactly what applying would do).
/// What one import has taken so far: a row that repeats a number (or a rate's prefix
/// and kind) is refused, and `--prune` keeps the rates it saw. Numbers as integers: a
/// million of them stay a few megabytes.
public struct ImportMemory: Sendable {
    var numbers = Set<UInt64>()
    var rates = Set<String>()

    public init() {}
}

extension Engine {
    /// One subscriber row: a new subscriber (its amounts as `opening` ledger rows), or a
    /// change of one the store has (through ``updateSubscriber(_:_:_:_:)``: product
    /// changes and the Mix allowance move money by its rules). An existing subscriber's
    /// balances are not set by a file: given, they must match the store.
    public func importSubscriber(_ row: SubscriberImportRow, _ memory: inout ImportMemory, _ context: RequestContext,
                                 _ tx: any StoreTransaction) throws -> ImportEffect {
        guard memory.numbers.insert(UInt64(row.msisdn.digits) ?? 0).inserted else {
            return .refused("\(row.msisdn.digits) is on an earlier line too")
        }
        if let problem = Engine.birthDateProblem(row.birthDate, now: context.now) { return .refused(problem) }
        if let since = row.since, since > CivilTime.budapestDate(context.now) { return .refused("since \(since.iso) is in the future") }
        guard let stored = try tx.subscriber(row.msisdn) else { return try importNewSubscriber(row, context, tx) }
        guard stored.status != .terminated else {
            return .refused("\(row.msisdn.digits) is terminated: SUB ADD gives the number to someone new after the quarantine")
        }
        for (name, bucket, value) in [("balance", Bucket.balance, row.balance), ("universal", .universal, row.universalBalance)] {
            if let value, value != stored[bucket] {
                return .refused("\(name) \(value) in the file, \(stored[bucket]) in the store: "
                    + "an import does not move an existing subscriber's money (TOPUP, SUB SET)")
            }
        }
        var change = ProfileChange()
        if row.product != stored.product { change.product = row.product }
        if let language = row.language, language != stored.language { change.language = language }
        if let birth = row.birthDate, birth != stored.birthDate { change.birthDate = birth }
        if let status = row.status, status != stored.status { change.status = status }
        if let allowance = row.allowance, allowance != stored.allowance || change.product != nil { change.allowance = allowance }
        var sinceChange: String?
        if let since = row.since {
            let stored = try tx.setting(Engine.sinceSetting, of: row.msisdn).flatMap { Int64($0) }.map(CivilTime.budapestDate)
            if stored != since { sinceChange = "since \(stored?.iso ?? "unknown") -> \(since.iso)" }
        }
        guard !change.isEmpty || sinceChange != nil else { return .unchanged }
        var result = "subscriber \(row.msisdn.digits)"
        if !change.isEmpty {
            let outcome = try updateSubscriber(row.msisdn, change, context, tx)
            guard outcome.status == .ok else { return .refused(outcome.result) }
            result = outcome.result
        }
        if let sinceChange, let since = row.since {
            try tx.setSetting(Engine.sinceSetting, to: String(CivilTime.budapestMidnight(since)), of: row.msisdn)
            result += (change.isEmpty ? " " : ", ") + sinceChange
        }
        return .changed(result)
    }

    private func importNewSubscriber(_ row: SubscriberImportRow, _ context: RequestContext,
                                     _ tx: any StoreTransaction) throws -> ImportEffect {
        if row.allowance.map({ $0 > 0 }) == true, row.product != .mix {
            return .refused("an allowance is Mix's: the row's product is \(row.product.rawValue)")
        }
        if row.balance.map({ $0 > 0 }) == true, row.product == .postpaid {
            return .refused("a postpaid subscriber has no balance: give it as universal")
        }
        let subscriber = Subscriber(msisdn: row.msisdn, product: row.product, status: row.status ?? .active,
                                    birthDate: row.birthDate, language: row.language ?? .hu)
        try tx.addSubscriber(subscriber, pin: PINRecord(hash: nil))
        try tx.setSetting(Engine.sinceSetting, to: String(row.since.map(CivilTime.budapestMidnight) ?? context.now), of: row.msisdn)
        var words = ["subscriber \(row.msisdn.digits) added", row.product.rawValue, "lang=\(subscriber.language.rawValue)"]
        if subscriber.status != .active { words.append("status=\(subscriber.status.rawValue)") }
        if let birth = row.birthDate { words.append("birth=\(birth.iso)") }
        if let since = row.since { words.append("since=\(since.iso)") }
        for (name, bucket, value) in [("balance", Bucket.balance, row.balance), ("universal", .universal, row.universalBalance),
                                      ("allowance", .allowance, row.allowance)] {
            guard let value, value != 0 else { continue }
            try tx.post(LedgerEntry(msisdn: row.msisdn, bucket: bucket, amount: value, kind: .opening,
                                    reference: "IMPORT", at: context.now))
            words.append("\(name)=\(value)")
        }
        return .added(words.joined(separator: " "))
    }

    /// One rate row, by `RATE SET`'s rules.
    public func importRate(_ change: RateChange, _ memory: inout ImportMemory, _ tx: any StoreTransaction) throws -> ImportEffect {
        let key = Engine.rateKey(change.prefix, change.kind)
        guard memory.rates.insert(key).inserted else { return .refused("\(key) is on an earlier line too") }
        let stored = try tx.rates(prefix: change.prefix).first { $0.prefix == change.prefix && $0.kind == change.kind }
        if let stored, change.applied(to: stored) == stored { return .unchanged }
        let outcome = try setRate(change, tx)
        guard outcome.status == .ok else { return .refused(outcome.result) }
        return stored == nil ? .added(outcome.result) : .changed(outcome.result)
    }

    /// `--prune`: the rates whose prefix and kind the file does not have are deleted.
    public func pruneRates(keeping memory: ImportMemory, _ tx: any StoreTransaction) throws -> [String] {
        var deleted: [String] = []
        for rate in try tx.rates(prefix: nil) where !memory.rates.contains(Engine.rateKey(rate.prefix, rate.kind)) {
            try tx.deleteRates(prefix: rate.prefix, kind: rate.kind)
            deleted.append("deleted " + Engine.describe(rate))
        }
        return deleted
    }

    /// `3690 premium`: a rate's identity in a file.
    static func rateKey(_ prefix: String, _ kind: RateKind) -> String { "\(prefix) \(kind.rawValue)" }

    /// The import's one audit row: who, which file, what it did.
    public func auditImport(_ what: String, file: String, summary: String, _ context: RequestContext,
                            _ tx: any StoreTransaction) throws {
        try tx.audit(AuditEntry(at: context.now, account: context.account, channel: context.channel, msisdn: nil,
                                request: "IMPORT \(what) \(file)", outcome: "ok: \(summary)"))
    }
}
