import Engine
import EventLoop
import HTTP
import Import
import Model
import Numbering

/// The ops JSON API under `/api/`: rates, subscribers, top-ups and the audit, for
/// operator accounts (HTTP basic auth). Each call runs the engine command of its line
/// protocol verb (`RATE`, `SUB`, `TOPUP`) in the pass's transaction, with the same limits
/// and the same audit row (channel `http`): it is a second door, not a second
/// implementation.
///
/// This file reads a request into a checked ``Call`` (or the `400`/`415` to answer);
/// ``run(_:engine:account:now:in:)`` runs it.
///
/// ```swift
/// // PUT /api/rates/0690  {"price": 350, "kind": "premium"}
/// OpsAPI.call(.apiRate, request)   // .success(.setRate(RateChange(prefix: "3690", price: 350, kind: .premium)))
/// ```
public enum OpsAPI {
    /// One call, its input checked.
    public enum Call: Sendable, Equatable {
        /// `GET /api/rates[?prefix=]`: rates whose prefix starts with it (`RATE LIST`).
        case listRates(prefix: String?)
        /// `GET /api/rates/{prefix}[?kind=]`: the rates of exactly that prefix (`RATE LIST`).
        case showRates(prefix: String, kind: RateKind?)
        /// `PUT /api/rates/{prefix}` (`RATE SET`).
        case setRate(RateChange)
        /// `DELETE /api/rates/{prefix}[?kind=]` (`RATE DEL`).
        case deleteRates(prefix: String, kind: RateKind?)
        /// `POST /api/subscribers` (`SUB ADD`).
        case addSubscriber(Subscriber, pin: String?)
        /// `GET /api/subscribers/{msisdn}` (`SUB SHOW`).
        case showSubscriber(MSISDN)
        /// `PATCH /api/subscribers/{msisdn}`: language, status, birth date, product,
        /// Mix allowance (`SUB SET`).
        case updateSubscriber(MSISDN, ProfileChange)
        /// `POST /api/subscribers/{msisdn}/end` (`SUB END`).
        case endSubscriber(MSISDN)
        /// `POST /api/bills/close` `{"period": "2026-10", "msisdn"?, "after"?, "limit"?}` (`BILL CLOSE`).
        case closeBills(BillRun)
        /// `POST /api/import/subscribers[?apply=true]`, a `text/csv` body (`selfcare import subscribers`).
        case importSubscribers(ImportBody<SubscriberImportRow>, apply: Bool)
        /// `POST /api/import/rates[?apply=true][&prune=true]`, a `text/csv` body (`selfcare import rates`).
        case importRates(ImportBody<RateChange>, apply: Bool, prune: Bool)
        /// `POST /api/subscribers/{msisdn}/topup` (`TOPUP`).
        case topUp(MSISDN, amount: Int64)
        /// `GET /api/subscribers?prefix=&product=&status=&after=&limit=`
        case listSubscribers(SubscriberQuery)
        /// `POST /api/subscribers/{msisdn}/pin` `{"action": "set", "pin": "12345"}`, or
        /// `"reset"` / `"unlock"` without a PIN.
        case pin(MSISDN, PINChange)
        /// `GET /api/audit?msisdn=&since=&limit=`: the last `limit` audit rows.
        case audit(msisdn: String?, since: Int64?, limit: Int)
    }

    public static let jsonType = "application/json"
    /// `GET /api/audit` without `limit`.
    public static let defaultAuditLimit = 100
    public static let maximumAuditLimit = 1000
    /// Longest number or prefix looked at, as on the line protocol.
    static let maximumNumberToken = 32

    /// The call `request` asks `route` for, or the error to answer (given only after the
    /// credentials are checked).
    public static func call(_ route: HTTPRoute, _ request: HTTPRequest) -> Result<Call, HTTPError> {
        do {
            return .success(try parse(route, request))
        } catch {
            return .failure(error)
        }
    }

    static func parse(_ route: HTTPRoute, _ request: HTTPRequest) throws(HTTPError) -> Call {
        let parameter = request.path.flatMap(route.parameter(in:)) ?? ""
        switch (route, request.method) {
        case (.apiRates, _):
            let query = try queryParameters(request, allowed: ["prefix"])
            guard let text = query["prefix"] else { return .listRates(prefix: nil) }
            return .listRates(prefix: try prefix(text))
        case (.apiRate, "PUT"):
            _ = try queryParameters(request, allowed: [])
            let body = try JSONFields(request, allowed: ["price", "kind", "adult"])
            let price = try body.integer("price", in: 0...Limits.maximumPrice, unit: "Ft")
            let kind: RateKind = try body.choice("kind", of: RateKind.self)
            // An absent "adult" keeps the stored flag (a price change must not unmark a range).
            let adult = try body.optionalBool("adult")
            return .setRate(RateChange(prefix: try prefix(parameter), price: price, kind: kind, adult: adult))
        case (.apiRate, let method):
            let query = try queryParameters(request, allowed: ["kind"])
            let p = try prefix(parameter)
            var kind: RateKind?
            if let text = query["kind"] {
                guard let k = RateKind(rawValue: text.lowercased()) else {
                    throw .badParameter("unknown kind: premium, premium-mt, subscription or donation")
                }
                kind = k
            }
            return method == "DELETE" ? .deleteRates(prefix: p, kind: kind) : .showRates(prefix: p, kind: kind)
        case (.apiSubscribers, "GET"), (.apiSubscribers, "HEAD"):
            let query = try queryParameters(request, allowed: ["prefix", "product", "status", "after", "limit"])
            var q = SubscriberQuery()
            if let text = query["prefix"] {
                guard let prefix = PhoneNumber.normalisedPrefix(text) else { throw .badParameter("malformed prefix: digits, as 0630 or +3630") }
                q.prefix = prefix
            }
            if let text = query["product"] {
                guard let product = Product(rawValue: text) else { throw .badParameter("unknown product: prepaid, postpaid or mix") }
                q.product = product
            }
            if let text = query["status"] {
                guard let status = SubscriberStatus(rawValue: text) else { throw .badParameter("unknown status: active, suspended or terminated") }
                q.status = status
            }
            if let text = query["after"] { q.after = try msisdn(text).digits }
            if let text = query["limit"] {
                q.limit = Int(try queryInteger(text, "limit", in: 1...Int64(SubscriberQuery.maximumLimit)))
            }
            return .listSubscribers(q)
        case (.apiSubscribers, _):
            _ = try queryParameters(request, allowed: [])
            let body = try JSONFields(request, allowed: ["msisdn", "product", "birth", "pin", "lang"])
            let number = try body.string("msisdn")
            guard number.utf8.count <= maximumNumberToken, let m = MSISDN(parsing: number) else {
                throw .badField("msisdn", "malformed number")
            }
            var subscriber = Subscriber(msisdn: m, product: try body.choice("product", of: Product.self))
            subscriber.birthDate = try body.optionalDate("birth")
            subscriber.language = try body.optionalChoice("lang", of: Language.self) ?? .hu
            let pin = try body.optionalString("pin")
            if let pin, pin.utf8.count != 5 || !pin.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                throw .badField("pin", "must be 5 digits, as a string")
            }
            return .addSubscriber(subscriber, pin: pin)
        case (.apiSubscriber, "PATCH"):
            _ = try queryParameters(request, allowed: [])
            let target = try msisdn(parameter)
            let body = try JSONFields(request, allowed: ["lang", "status", "birth", "product", "allowance"])
            let change = ProfileChange(language: try body.optionalChoice("lang", of: Language.self),
                                       status: try body.optionalChoice("status", of: SubscriberStatus.self),
                                       birthDate: try body.optionalDate("birth"),
                                       product: try body.optionalChoice("product", of: Product.self),
                                       allowance: try body.optionalInteger("allowance", in: 0...Engine.maximumAllowance, unit: "Ft"))
            guard !change.isEmpty else { throw .badField("body", "give at least one of lang, status, birth, product, allowance") }
            if change.status == .terminated { throw .badField("status", "a subscriber is ended with POST /api/subscribers/{msisdn}/end") }
            return .updateSubscriber(target, change)
        case (.apiSubscriberEnd, _):
            _ = try queryParameters(request, allowed: [])
            let target = try msisdn(parameter)
            // Nothing to say but the number: no body, or an empty object.
            if !request.body.isEmpty { _ = try JSONFields(request, allowed: []) }
            return .endSubscriber(target)
        case (.apiBillsClose, _):
            _ = try queryParameters(request, allowed: [])
            let body = try JSONFields(request, allowed: ["period", "msisdn", "after", "limit"])
            guard let period = BillRun.period(try body.string("period")) else { throw .badField("period", "a month, YYYY-MM (2026-10), or \"last\"") }
            var run = BillRun(period: period)
            if let number = try body.optionalString("msisdn") { run.msisdn = try msisdn(number) }
            if let number = try body.optionalString("after") { run.after = try msisdn(number).digits }
            if let limit = try body.optionalInteger("limit", in: 1...Int64(BillRun.maximumLimit), unit: "subscribers") {
                run.limit = Int(limit)
            }
            if run.msisdn != nil, run.after != nil || run.limit != BillRun.defaultLimit {
                throw .badField("msisdn", "after and limit page a run over all subscribers, not one")
            }
            return .closeBills(run)
        case (.apiSubscriber, _):
            _ = try queryParameters(request, allowed: [])
            return .showSubscriber(try msisdn(parameter))
        case (.apiTopUp, _):
            _ = try queryParameters(request, allowed: [])
            let target = try msisdn(parameter)
            let body = try JSONFields(request, allowed: ["amount"])
            return .topUp(target, amount: try body.integer("amount", in: 1...Limits.maximumTopUp, unit: "Ft"))
        case (.apiPIN, _):
            _ = try queryParameters(request, allowed: [])
            let target = try msisdn(parameter)
            let body = try JSONFields(request, allowed: ["action", "pin"])
            switch try body.string("action") {
            case "set":
                let pin = try body.string("pin")
                guard pin.utf8.count == 5, pin.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw .badField("pin", "5 digits")
                }
                return .pin(target, .set(pin))
            case "reset", "unlock":
                guard try body.optionalString("pin") == nil else { throw .badField("pin", "only with \"action\": \"set\"") }
                return .pin(target, try body.string("action") == "reset" ? .reset : .unlock)
            default:
                throw .badField("action", "one of set, reset, unlock")
            }
        case (.apiImportSubscribers, _), (.apiImportRates, _):
            let query = try queryParameters(request, allowed: route == .apiImportRates ? ["apply", "prune"] : ["apply"])
            let apply = try flag(query["apply"], "apply"), prune = try flag(query["prune"], "prune")
            if let refusal = HTTPError.requireContentType(request, csvType) { throw refusal }
            if route == .apiImportRates {
                return .importRates(ImportBody(request.body, columns: RateCSV.columns, required: RateCSV.required, row: RateCSV.row),
                                    apply: apply, prune: prune)
            }
            return .importSubscribers(ImportBody(request.body, columns: SubscriberCSV.columns, required: SubscriberCSV.required,
                                                 row: SubscriberCSV.row), apply: apply)
        case (.apiAudit, _):
            let query = try queryParameters(request, allowed: ["msisdn", "since", "limit"])
            var since: Int64?
            if let text = query["since"] { since = try queryInteger(text, "since", in: 0...Int64.max) }
            var limit = defaultAuditLimit
            if let text = query["limit"] { limit = Int(try queryInteger(text, "limit", in: 1...Int64(maximumAuditLimit))) }
            var number: String?
            if let text = query["msisdn"] { number = try msisdn(text).digits }
            return .audit(msisdn: number, since: since, limit: limit)
        default:
            throw .notFound(request.path ?? "?")
        }
    }

    public static let csvType = "text/csv"

    /// `true` / `false` (absent: `false`).
    static func flag(_ text: String?, _ name: String) throws(HTTPError) -> Bool {
        switch text {
        case nil, "false": return false
        case "true": return true
        default: throw .badParameter("\(name) must be true or false")
        }
    }

    // MARK: Query and path

    /// The query parameters, each at most once and none but `allowed`.
    static func queryParameters(_ request: HTTPRequest, allowed: Set<String>) throws(HTTPError) -> HTTPParameters {
        let query = request.query
        if query.hadMalformedPairs { throw .badParameter("malformed percent-encoding (parameters must be UTF-8)") }
        var seen: Set<String> = []
        for (name, _) in query.pairs {
            guard allowed.contains(name) else {
                throw .badParameter("unknown parameter \(name)" + (allowed.isEmpty ? ": this endpoint takes none" : ": use \(allowed.sorted().joined(separator: ", "))"))
            }
            guard seen.insert(name).inserted else { throw .badParameter("parameter \(name) given twice") }
        }
        return query
    }

    static func queryInteger(_ text: String, _ name: String, in range: ClosedRange<Int64>) throws(HTTPError) -> Int64 {
        guard text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text),
              range.contains(value)
        else { throw .badParameter("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)") }
        return value
    }

    /// A rate prefix as `RATE` takes it (`0690`, `+3690`, `16`), normalised.
    static func prefix(_ text: String) throws(HTTPError) -> String {
        guard text.utf8.count <= maximumNumberToken, let p = PhoneNumber.normalisedPrefix(text) else {
            throw .badParameter("malformed prefix: digits as dialled (0690, 1690, 777) or international (3690)")
        }
        return p
    }

    /// A subscriber number of the path or the query, in any form the line protocol takes.
    static func msisdn(_ text: String) throws(HTTPError) -> MSISDN {
        guard text.utf8.count <= maximumNumberToken, let m = MSISDN(parsing: text) else {
            throw .badParameter("malformed number: msisdn")
        }
        return m
    }
}

extension HTTPRoute {
    /// Who may call it: Kannel's path and the USSD callback are the network's, the API
    /// the operators'.
    var role: Role { self == .kannelSMS || self == .ussd ? .network : .operator }

    /// API endpoints answer errors in JSON, Kannel's in one line of text.
    func answer(_ error: HTTPError) -> HTTPResponse {
        rawValue.hasPrefix("api_") ? error.response : error.textResponse
    }
}

extension HTTPError {
    /// A query parameter or a path segment that is not acceptable.
    static func badParameter(_ message: String) -> HTTPError {
        HTTPError(status: 400, code: "bad_parameter", message: message)
    }

    /// A field of the JSON body that is missing, of the wrong type or out of range.
    static func badField(_ name: String, _ problem: String) -> HTTPError {
        HTTPError(status: 400, code: "bad_field", message: "\(name): \(problem)")
    }

    static func badJSON(_ message: String) -> HTTPError {
        HTTPError(status: 400, code: "bad_json", message: message)
    }
}
