import Engine
import EventLoop
import HTTP
import Import
import JSON
import Model
import Numbering

extension OpsAPI {
    /// What a call answered; `outcome` is the status of the engine command it ran, if any
    /// (for the metrics).
    public struct Answer: Sendable {
        public var response: HTTPResponse
        public var outcome: Outcome.Status?

        init(_ response: HTTPResponse, _ outcome: Outcome?) {
            self.response = response
            self.outcome = outcome?.status
        }

        init(_ error: HTTPError, _ outcome: Outcome?) {
            self.init(error.response, outcome)
        }
    }

    /// Runs `call` for the operator `account` in the pass's transaction: the engine
    /// command of the line verb, audited as that verb with channel `http`, then the JSON
    /// of what the store holds now. Throws only store errors (the pass then fails and
    /// answers `503`).
    public static func run(_ call: Call, engine: Engine, account: String, now: Int64,
                           in tx: any StoreTransaction) throws -> Answer {
        func execute(_ command: Command) throws -> Outcome {
            try engine.execute(command, RequestContext(channel: "http", account: account, now: now), in: tx)
        }
        switch call {
        case .listRates(let prefix):
            let outcome = try execute(.listRates(prefix: prefix))
            return Answer(.json(200, ["rates": .array(try tx.rates(prefix: prefix).map(json))]), outcome)

        case .showRates(let prefix, let kind):
            let outcome = try execute(.listRates(prefix: prefix))
            let rates = try exactRates(prefix, kind, tx)
            guard !rates.isEmpty else { return Answer(.rateNotFound(prefix, kind), outcome) }
            return Answer(.json(200, ["rates": .array(rates.map(json))]), outcome)

        case .setRate(let change):
            let previous = try exactRates(change.prefix, change.kind, tx).first
            let rate = change.applied(to: previous)
            let outcome = try execute(.setRate(change))
            guard outcome.status == .ok else { return Answer(refusal(outcome), outcome) }
            guard let previous else {
                return Answer(.json(201, ["rate": json(rate)],
                                    headers: [("Location", "/api/rates/\(rate.prefix)?kind=\(rate.kind.rawValue)")]), outcome)
            }
            return Answer(.json(200, ["rate": json(rate), "previous": json(previous)]), outcome)

        case .deleteRates(let prefix, let kind):
            let doomed = try exactRates(prefix, kind, tx)
            let outcome = try execute(.deleteRates(prefix: prefix, kind: kind))
            guard outcome.status == .ok else { return Answer(.rateNotFound(prefix, kind), outcome) }
            return Answer(.json(200, ["deleted": .array(doomed.map(json))]), outcome)

        case .addSubscriber(let subscriber, let pin):
            let outcome = try execute(.addSubscriber(subscriber, pin: pin))
            if outcome.status == .refused {
                return Answer(HTTPError(status: 409, code: "subscriber_exists", message: outcome.result), outcome)
            }
            return try record(subscriber.msisdn, outcome, status: 201, engine, tx,
                              headers: [("Location", "/api/subscribers/\(subscriber.msisdn.digits)")])

        case .showSubscriber(let msisdn):
            let outcome = try execute(.showSubscriber(msisdn))
            return try record(msisdn, outcome, status: 200, engine, tx)

        case .updateSubscriber(let msisdn, let change):
            let outcome = try execute(.updateSubscriber(msisdn, change))
            return try record(msisdn, outcome, status: 200, engine, tx)

        case .topUp(let msisdn, let amount):
            let outcome = try execute(.topUp(msisdn, amount: amount))
            guard outcome.status == .ok, let subscriber = try tx.subscriber(msisdn) else {
                return Answer(refusal(outcome), outcome)
            }
            return Answer(.json(200, ["msisdn": .string(msisdn.digits), "amount": .integer(amount),
                                      "balance": .integer(subscriber.balance)]), outcome)

        case .listSubscribers(let query):
            let outcome = try execute(.listSubscribers(query))
            guard outcome.status == .ok else { return Answer(refusal(outcome), outcome) }
            var probe = query
            probe.limit += 1
            var page = try tx.subscribers(matching: probe)
            let more = page.count > query.limit
            if more { page.removeLast() }
            return Answer(.json(200, ["subscribers": .array(page.map(json)),
                                      "next": .orNull(more ? page.last?.msisdn.digits : nil)]), outcome)

        case .pin(let msisdn, let change):
            let outcome = try execute(.pin(msisdn, change))
            guard outcome.status == .ok else { return Answer(refusal(outcome), outcome) }
            // The result says what was done; a reset PIN is never in it.
            return Answer(.json(200, ["msisdn": .string(msisdn.digits), "action": .string(change.word.lowercased()),
                                      "result": .string(outcome.result)]), outcome)

        case .endSubscriber(let msisdn):
            let outcome = try execute(.endSubscriber(msisdn))
            guard outcome.status == .ok, let record = try engine.subscriberRecord(msisdn, in: tx) else {
                return Answer(refusal(outcome), outcome)
            }
            var body = json(record)
            if case .object(var members) = body {
                members.append(JSONMember("result", .string(outcome.result)))
                body = .object(members)
            }
            return Answer(.json(200, body), outcome)

        case .closeBills(let run):
            let outcome = try execute(.closeBills(run))
            guard outcome.status == .ok else { return Answer(refusal(outcome), outcome) }
            // The cursor of the next page, when the result names one.
            let marker = "more: after="
            let next = outcome.result.range(of: marker).map { String(outcome.result[$0.upperBound...]) }
            return Answer(.json(200, ["period": .string(run.period), "result": .string(outcome.result),
                                      "skipped": .array(outcome.lines.map { .string($0) }),
                                      "after": next.map { .string($0) } ?? .null]), outcome)

        case .importSubscribers(let body, let apply):
            var memory = ImportMemory()
            return try runImport("subscribers", body, apply: apply, engine, account: account, now: now, tx) { row, context in
                try engine.importSubscriber(row, &memory, context, tx)
            } finish: { [] }

        case .importRates(let body, let apply, let prune):
            var memory = ImportMemory()
            return try runImport("rates", body, apply: apply, engine, account: account, now: now, tx) { change, _ in
                try engine.importRate(change, &memory, tx)
            } finish: {
                prune ? try engine.pruneRates(keeping: memory, tx) : []
            }

        case .audit(let msisdn, let since, let limit):
            let entries = try tx.auditEntries(msisdn: msisdn, since: since, limit: limit)
            return Answer(.json(200, ["entries": .array(entries.map(json))]), nil)
        }
    }

    /// An import over the API: every row in a savepoint of the batch's transaction, kept
    /// only when `apply` and no row was refused (the rest of the batch is untouched
    /// either way). `400 bad_csv` for lines that do not parse (no store work),
    /// `409 refused` for rows a rule refuses; each with every line's problem.
    static func runImport<Row>(_ what: String, _ body: ImportBody<Row>, apply: Bool, _ engine: Engine, account: String,
                               now: Int64, _ tx: any StoreTransaction,
                               row: (Row, RequestContext) throws -> ImportEffect,
                               finish: () throws -> [String]) throws -> Answer {
        func errors(_ list: [ImportLineError]) -> JSONValue {
            .array(list.map { ["line": .integer(Int64($0.line)), "message": .string($0.message)] })
        }
        guard body.errors.isEmpty else {
            return Answer(.json(400, ["error": "bad_csv", "message": .string("\(body.errors.count) bad lines: nothing applied"),
                                      "errors": errors(body.errors)]), nil)
        }
        let context = RequestContext(channel: "http", account: account, now: now)
        var changes: [JSONValue] = [], refused: [ImportLineError] = []
        var added = 0, changed = 0, unchanged = 0
        try tx.tentatively {
            for (item, number) in zip(body.rows, body.lines) {
                switch try row(item, context) {
                case .added(let text): added += 1; changes.append(["line": .integer(Int64(number)), "change": .string("+ " + text)])
                case .changed(let text): changed += 1; changes.append(["line": .integer(Int64(number)), "change": .string("~ " + text)])
                case .unchanged: unchanged += 1
                case .refused(let why): refused.append(ImportLineError(line: number, why))
                }
            }
            guard refused.isEmpty else { return false }
            for text in try finish() { changes.append(["line": .null, "change": .string("- " + text)]) }
            return apply
        }
        guard refused.isEmpty else {
            return Answer(.json(409, ["error": "refused", "message": .string("\(refused.count) rows refused: nothing applied"),
                                      "errors": errors(refused)]), nil)
        }
        let summary = "\(body.rows.count) rows: \(added) added, \(changed) changed, \(unchanged) unchanged"
        if apply { try engine.auditImport(what, file: "(ops API)", summary: summary, context, tx) }
        return Answer(.json(200, ["applied": .bool(apply), "rows": .integer(Int64(body.rows.count)), "added": .integer(Int64(added)),
                                  "changed": .integer(Int64(changed)), "unchanged": .integer(Int64(unchanged)),
                                  "changes": .array(changes)]), nil)
    }

    /// The rates of exactly `prefix` (of one kind, or all).
    static func exactRates(_ prefix: String, _ kind: RateKind?, _ tx: any StoreTransaction) throws -> [Rate] {
        try tx.rates(prefix: prefix).filter { $0.prefix == prefix && (kind == nil || $0.kind == kind) }
    }

    /// The subscriber's record as the answer to a command that went well; the refusal otherwise.
    static func record(_ msisdn: MSISDN, _ outcome: Outcome, status: Int, _ engine: Engine,
                       _ tx: any StoreTransaction, headers: [(String, String)] = []) throws -> Answer {
        guard outcome.status == .ok, let record = try engine.subscriberRecord(msisdn, in: tx) else {
            return Answer(refusal(outcome), outcome)
        }
        return Answer(.json(status, json(record), headers: headers), outcome)
    }

    /// The error answering an outcome that is not `ok`: an unknown subscriber is `404`,
    /// arguments the engine refused `400`, a rule's refusal `409` (`postpaid`,
    /// `balance_overflow`, else `refused`), with the engine's text for the operator.
    static func refusal(_ outcome: Outcome) -> HTTPError {
        let message = outcome.reply ?? outcome.result
        switch outcome.status {
        case .unknownSubscriber:
            return HTTPError(status: 404, code: "unknown_subscriber", message: message)
        case .invalid:
            return HTTPError(status: 400, code: "invalid", message: message)
        case .refused:
            let code = ["postpaid": "postpaid", "overflow": "balance_overflow"][outcome.result] ?? "refused"
            return HTTPError(status: 409, code: code, message: message)
        case .ok:
            return HTTPError(status: 500, code: "internal", message: "the command succeeded but its record is gone")
        }
    }
}

extension HTTPError {
    static func rateNotFound(_ prefix: String, _ kind: RateKind?) -> HTTPError {
        HTTPError(status: 404, code: "rate_not_found", message: "no rate for \(prefix)\(kind.map { " " + $0.rawValue } ?? "")")
    }
}
