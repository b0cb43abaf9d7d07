import SMSText
import Engine
import EventLoop
import HTTP
import Numbering

/// Kannel's `sms-service` convention: `GET /kannel/sms?from=%p&to=%P&text=%a` (or the same
/// as a POST form); the body of a `200` is the reply SMS, which Kannel sends back to the
/// subscriber as an MT.
///
/// What the subscriber should read — the balance, a refusal, "unknown subscriber" — is a
/// `200` with that text, because Kannel forwards only a successful answer's body. A
/// request Kannel itself got wrong (missing or malformed parameters, bad credentials) is
/// a `4xx` with a one-line text that Kannel logs.
public enum KannelAdapter {
    /// One MO SMS to run.
    public struct SMS: Equatable, Sendable {
        public var from: MSISDN
        public var to: Destination
        public var text: String
        /// Kannel's message id (`id=%I` in the sms-service URL): a delivery of the same
        /// MO again (Kannel retried after a lost answer) is answered alike, not run.
        public var key: String?

        public init(from: MSISDN, to: Destination, text: String, key: String? = nil) {
            self.from = from
            self.to = to
            self.text = text
            self.key = key
        }
    }

    public static let formType = "application/x-www-form-urlencoded"

    /// The query parameters, then those of a form body (a POST). A body of another type
    /// is `415`; broken percent-escapes are `400`.
    public static func parameters(_ request: HTTPRequest) -> Result<HTTPParameters, HTTPError> {
        var parameters = request.query
        if !request.body.isEmpty {
            if let refusal = HTTPError.requireContentType(request, formType) { return .failure(refusal) }
            parameters = parameters.merging(HTTPParameters(decodingForm: request.body))
        }
        if parameters.hadMalformedPairs {
            return .failure(.badRequest("malformed percent-encoding (parameters must be UTF-8)"))
        }
        return .success(parameters)
    }

    /// `from`, `to` and `text` (which may be empty: an empty SMS is still an SMS), and
    /// the optional `id`.
    public static func sms(_ parameters: HTTPParameters) -> Result<SMS, HTTPError> {
        for name in ["from", "to", "text"] where parameters[name] == nil {
            return .failure(.badRequest("missing parameter: \(name)"))
        }
        guard let from = MSISDN(parsing: parameters["from"]!) else {
            return .failure(.badRequest("malformed number: from"))
        }
        guard let to = Destination(parsing: parameters["to"]!) else {
            return .failure(.badRequest("malformed number: to"))
        }
        let text = parameters["text"]!
        guard !text.unicodeScalars.contains("\0") else { return .failure(.badRequest("NUL in text")) }
        let key = parameters["id"]
        if let key, !Idempotency.isValid(key) {
            return .failure(.badRequest("malformed id: 1 to \(Idempotency.maximumKey) printable ASCII characters"))
        }
        return .success(SMS(from: from, to: to, text: text, key: key))
    }

    /// The engine's outcome as Kannel wants it: the reply SMS as the body of a `200`
    /// (empty when there is none: set `omit-empty = true` in Kannel), the outcome in
    /// `X-Selfcare-Outcome` for logs. A reply the GSM 7-bit alphabet cannot carry (most
    /// Hungarian: á, í, ó, ő, ú, ű) asks for UCS-2 with `X-Kannel-Coding: 2`, which Kannel
    /// obeys with `accept-x-kannel-headers = true`; otherwise it would send `?` instead.
    public static func response(_ outcome: Outcome) -> HTTPResponse {
        let detail = outcome.status == .unknownSubscriber || outcome.result.isEmpty ? "" : ": " + outcome.result
        var headers = [("X-Selfcare-Outcome", outcome.status.rawValue + detail)]
        guard let reply = outcome.reply else {
            if outcome.status == .invalid { return .text(400, outcome.result + "\n", headers: headers) }
            return .text(200, "", headers: headers)
        }
        if !GSM7.isEncodable(reply) { headers.append(("X-Kannel-Coding", "2")) }
        return .text(200, reply, headers: headers)
    }
}
