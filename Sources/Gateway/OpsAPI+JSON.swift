import JSON
import Engine
import EventLoop
import HTTP
import Model

/// The fields of a JSON request body, read strictly: the body must be `application/json`
/// holding one object; a field not in `allowed`, a field of the wrong type, a value out
/// of range and a missing required field are each a `400` naming the field.
///
/// ```swift
/// var body = try JSONFields(request, allowed: ["amount"])   // {"amount": 1000}
/// try body.integer("amount", in: 1...10_000_000, unit: "Ft") // 1000
/// ```
struct JSONFields {
    private var members: [JSONMember]

    init(_ request: HTTPRequest, allowed: Set<String>) throws(HTTPError) {
        if let refusal = HTTPError.requireContentType(request, OpsAPI.jsonType) { throw refusal }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body)
        } catch {
            throw .badJSON(request.body.isEmpty ? "the body is empty: send a JSON object" : "malformed JSON: \(error)")
        }
        guard case .object(let members) = value else { throw .badJSON("the body must be a JSON object, not \(value.typeName)") }
        for member in members where !allowed.contains(member.key) {
            throw HTTPError(status: 400, code: "unknown_field",
                            message: "unknown field \"\(member.key)\": "
                                + (allowed.isEmpty ? "this endpoint takes no fields" : "use \(allowed.sorted().joined(separator: ", "))"))
        }
        self.members = members
    }

    /// The field's value; `nil` when absent. `null` counts as absent.
    private func value(_ name: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == name })?.value, value != .null else { return nil }
        return value
    }

    func optionalString(_ name: String) throws(HTTPError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(let text) = value else { throw .badField(name, "must be a string, not \(value.typeName)") }
        return text
    }

    func string(_ name: String) throws(HTTPError) -> String {
        guard let text = try optionalString(name) else { throw .badField(name, "missing") }
        return text
    }

    func optionalBool(_ name: String) throws(HTTPError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else { throw .badField(name, "must be true or false, not \(value.typeName)") }
        return flag
    }

    /// ``integer(_:in:unit:)``, or `nil` when absent.
    func optionalInteger(_ name: String, in range: ClosedRange<Int64>, unit: String) throws(HTTPError) -> Int64? {
        guard value(name) != nil else { return nil }
        return try integer(name, in: range, unit: unit)
    }

    /// A whole number in `range` (`1.5`, `1e3` and `"500"` are refused).
    func integer(_ name: String, in range: ClosedRange<Int64>, unit: String) throws(HTTPError) -> Int64 {
        guard let value = value(name) else { throw .badField(name, "missing") }
        let problem = "must be a whole number from \(range.lowerBound) to \(range.upperBound) \(unit)"
        guard case .integer(let number) = value else { throw .badField(name, "\(problem), not \(value.typeName)") }
        guard range.contains(number) else { throw .badField(name, problem) }
        return number
    }

    /// One of the raw values of `T`, any case (`"Premium"` is `premium`, as on the line protocol).
    func optionalChoice<T: RawRepresentable & CaseIterable>(_ name: String, of type: T.Type) throws(HTTPError) -> T?
    where T.RawValue == String {
        guard let text = try optionalString(name) else { return nil }
        guard let choice = T(rawValue: text.lowercased()) else {
            throw .badField(name, "must be one of " + T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        return choice
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, of type: T.Type) throws(HTTPError) -> T
    where T.RawValue == String {
        guard let choice = try optionalChoice(name, of: type) else { throw .badField(name, "missing") }
        return choice
    }

    /// A `YYYY-MM-DD` date that exists.
    func optionalDate(_ name: String) throws(HTTPError) -> CalendarDate? {
        guard let text = try optionalString(name) else { return nil }
        guard let date = CalendarDate(iso: text) else { throw .badField(name, "must be a date as YYYY-MM-DD") }
        return date
    }
}

/// How the API writes the records of the store.
extension OpsAPI {
    /// `{"prefix":"3690","kind":"premium","price":300,"adult":false}`
    static func json(_ rate: Rate) -> JSONValue {
        ["prefix": .string(rate.prefix), "kind": .string(rate.kind.rawValue), "price": .integer(rate.price),
         "adult": .bool(rate.adult)]
    }

    /// The subscriber as `SUB SHOW` lists it: product, status, language, birth date, the
    /// money buckets, the PIN's state (never the PIN), subscriptions, settings (a secret
    /// one as `null`).
    static func json(_ record: SubscriberRecord) -> JSONValue {
        let s = record.subscriber
        return [
            "msisdn": .string(s.msisdn.digits), "product": .string(s.product.rawValue),
            "status": .string(s.status.rawValue), "lang": .string(s.language.rawValue),
            "birth": .orNull(s.birthDate?.iso),
            "balances": ["balance": .integer(s.balance), "universal": .integer(s.universalBalance),
                         "unbilled": .integer(s.unbilled), "allowance": .integer(s.allowance)],
            "pin": ["set": .bool(record.pin.isSet), "failures": .integer(Int64(record.pin.failures)),
                    "locked_until": .orNull(record.pin.lockedUntil)],
            "subscriptions": .array(record.subscriptions.map { sub in
                ["service": .string(sub.service), "fee": .integer(sub.fee), "started_at": .integer(sub.startedAt),
                 "detail": .orNull(sub.detail)]
            }),
            "settings": .object(record.settings.map { JSONMember($0.key, .orNull($0.value)) }),
        ]
    }

    /// A subscriber as a list shows it: no PIN, subscriptions or settings (`GET` the one
    /// for those).
    static func json(_ s: Subscriber) -> JSONValue {
        ["msisdn": .string(s.msisdn.digits), "product": .string(s.product.rawValue),
         "status": .string(s.status.rawValue), "lang": .string(s.language.rawValue),
         "birth": .orNull(s.birthDate?.iso),
         "balances": ["balance": .integer(s.balance), "universal": .integer(s.universalBalance),
                      "unbilled": .integer(s.unbilled), "allowance": .integer(s.allowance)]]
    }

    static func json(_ record: AuditRecord) -> JSONValue {
        let e = record.entry
        return ["id": .integer(record.id), "at": .integer(e.at), "account": .orNull(e.account), "channel": .string(e.channel),
                "msisdn": .orNull(e.msisdn), "request": .string(e.request), "outcome": .string(e.outcome)]
    }
}

extension HTTPResponse {
    /// A JSON answer, one line.
    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", OpsAPI.jsonType)] + headers, body: Array((value.text + "\n").utf8))
    }
}
