/// The endpoints of the HTTP front and which methods each takes. Pure: tested without
/// sockets.
///
/// ```swift
/// HTTPRoute.match(method: "GET", path: "/healthz")      // .success(.healthz)
/// HTTPRoute.match(method: "DELETE", path: "/healthz")   // .failure(.methodNotAllowed(["GET", "HEAD"]))
/// HTTPRoute.match(method: "GET", path: "/nope")         // .failure(.notFound)
/// ```
public enum HTTPRoute: String, Sendable, CaseIterable {
    case healthz
    case metrics
    case kannelSMS = "kannel_sms"

    /// The path this endpoint answers.
    public var path: String {
        switch self {
        case .healthz: return "/healthz"
        case .metrics: return "/metrics"
        case .kannelSMS: return "/kannel/sms"
        }
    }

    /// The methods it takes; `HEAD` wherever `GET` is.
    public var methods: [String] {
        switch self {
        case .healthz, .metrics: return ["GET", "HEAD"]
        // No HEAD: it would run (and audit) the SMS for nothing.
        case .kannelSMS: return ["GET", "POST"]
        }
    }

    /// The `endpoint` label of the metrics (bounded: unknown paths are `other`).
    public var label: String { rawValue }

    public enum Miss: Error, Equatable, Sendable {
        case notFound
        /// The path exists; these methods would be taken (the `Allow` header).
        case methodNotAllowed([String])
    }

    /// The endpoint for `method` and the decoded `path`. A trailing slash is not ignored:
    /// `/healthz/` is not found.
    public static func match(method: String, path: String) -> Result<HTTPRoute, Miss> {
        guard let route = allCases.first(where: { $0.path == path }) else { return .failure(.notFound) }
        guard route.methods.contains(method) else { return .failure(.methodNotAllowed(route.methods)) }
        return .success(route)
    }
}
