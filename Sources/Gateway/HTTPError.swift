import JSON
import EventLoop
import HTTP

/// The JSON errors of the HTTP front: `{"error": "<stable-code>", "message": "…"}`.
/// The code is for programs (it never changes once published), the message for people.
///
/// ```swift
/// HTTPError.notFound("/nope").response.bodyText
/// // {"error":"not_found","message":"no endpoint at /nope"}
/// ```
public struct HTTPError: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String
    public var headers: [(String, String)] = []

    public init(status: Int, code: String, message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func == (a: HTTPError, b: HTTPError) -> Bool {
        a.status == b.status && a.code == b.code && a.message == b.message
    }

    public static func badRequest(_ message: String) -> HTTPError {
        HTTPError(status: 400, code: "bad_request", message: message)
    }

    public static func unauthorized(_ message: String = "authentication required") -> HTTPError {
        HTTPError(status: 401, code: "unauthorized", message: message, headers: [HTTPAuth.challenge])
    }

    public static func forbidden(_ message: String) -> HTTPError {
        HTTPError(status: 403, code: "forbidden", message: message)
    }

    public static func notFound(_ path: String) -> HTTPError {
        HTTPError(status: 404, code: "not_found", message: "no endpoint at \(path)")
    }

    public static func methodNotAllowed(_ method: String, allowed: [String]) -> HTTPError {
        HTTPError(status: 405, code: "method_not_allowed",
                  message: "\(method) not allowed here; use \(allowed.joined(separator: ", "))",
                  headers: [("Allow", allowed.joined(separator: ", "))])
    }

    public static func conflict(_ message: String) -> HTTPError {
        HTTPError(status: 409, code: "conflict", message: message)
    }

    /// Logins from this address (or for this account) are locked after failures.
    public static func tooManyFailures(retryAfter seconds: Double) -> HTTPError {
        let wait = max(1, Int(seconds.rounded(.up)))
        return HTTPError(status: 429, code: "too_many_failures",
                         message: "too many failed logins, try again in \(wait) s", headers: [("Retry-After", String(wait))])
    }

    public static func payloadTooLarge(limit: Int) -> HTTPError {
        HTTPError(status: 413, code: "payload_too_large", message: "request body over \(limit) bytes")
    }

    public static func unsupportedMediaType(_ got: String?, expected: String) -> HTTPError {
        HTTPError(status: 415, code: "unsupported_media_type",
                  message: "Content-Type must be \(expected)\(got.map { ", not \($0)" } ?? "")")
    }

    public static let commitFailed = HTTPError(
        status: 503, code: "commit_failed", message: "commit failed, nothing applied; send it again",
        headers: [("Retry-After", "1")])

    public static let shuttingDown = HTTPError(status: 503, code: "shutting_down", message: "the server is stopping")

    /// As a JSON response.
    public var response: HTTPResponse {
        let body = "{\"error\":" + JSON.quote(code) + ",\"message\":" + JSON.quote(message) + "}\n"
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    }

    /// As one line of text, for endpoints whose clients read text (Kannel).
    public var textResponse: HTTPResponse {
        .text(status, message + "\n", headers: headers)
    }

    /// `nil` when the request's body is of `mediaType` (parameters such as `charset`
    /// ignored); otherwise the `415` to answer.
    public static func requireContentType(_ request: HTTPRequest, _ mediaType: String) -> HTTPError? {
        request.mediaType == mediaType.lowercased() ? nil : .unsupportedMediaType(request.headers["Content-Type"], expected: mediaType)
    }
}
