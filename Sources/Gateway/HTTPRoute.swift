/// The endpoints of the HTTP front and which methods each takes. Pure: tested without
/// sockets.
///
/// ```swift
/// HTTPRoute.match(method: "GET", path: "/healthz")      // .success(.healthz)
/// HTTPRoute.match(method: "DELETE", path: "/healthz")   // .failure(.methodNotAllowed(["GET", "HEAD"]))
/// HTTPRoute.match(method: "GET", path: "/nope")         // .failure(.notFound)
/// HTTPRoute.match(method: "PUT", path: "/api/rates/0690") // .success(.apiRate)
/// HTTPRoute.apiRate.parameter(in: "/api/rates/0690")      // "0690"
/// ```
public enum HTTPRoute: String, Sendable, CaseIterable {
    case healthz
    case metrics
    case kannelSMS = "kannel_sms"
    /// The aggregators' USSD callback (``USSDCallback``).
    case ussd
    // The ops JSON API (``OpsAPI``); `{…}` is one path segment.
    case apiRates = "api_rates"
    case apiRate = "api_rate"
    case apiSubscribers = "api_subscribers"
    case apiSubscriber = "api_subscriber"
    case apiTopUp = "api_topup"
    case apiPIN = "api_pin"
    case apiSubscriberEnd = "api_subscriber_end"
    case apiBillsClose = "api_bills_close"
    case apiImportSubscribers = "api_import_subscribers"
    case apiImportRates = "api_import_rates"
    case apiAudit = "api_audit"

    /// The path this endpoint answers; a `{name}` segment stands for any one segment.
    public var path: String {
        switch self {
        case .healthz: return "/healthz"
        case .metrics: return "/metrics"
        case .kannelSMS: return "/kannel/sms"
        case .ussd: return "/ussd"
        case .apiRates: return "/api/rates"
        case .apiRate: return "/api/rates/{prefix}"
        case .apiSubscribers: return "/api/subscribers"
        case .apiSubscriber: return "/api/subscribers/{msisdn}"
        case .apiTopUp: return "/api/subscribers/{msisdn}/topup"
        case .apiPIN: return "/api/subscribers/{msisdn}/pin"
        case .apiSubscriberEnd: return "/api/subscribers/{msisdn}/end"
        case .apiBillsClose: return "/api/bills/close"
        case .apiImportSubscribers: return "/api/import/subscribers"
        case .apiImportRates: return "/api/import/rates"
        case .apiAudit: return "/api/audit"
        }
    }

    /// The methods it takes; `HEAD` wherever `GET` is.
    public var methods: [String] {
        switch self {
        case .healthz, .metrics: return ["GET", "HEAD"]
        // No HEAD: it would run (and audit) the SMS for nothing.
        case .kannelSMS: return ["GET", "POST"]
        case .apiRates, .apiAudit: return ["GET", "HEAD"]
        case .apiRate: return ["GET", "HEAD", "PUT", "DELETE"]
        case .ussd, .apiTopUp, .apiPIN, .apiSubscriberEnd, .apiBillsClose, .apiImportSubscribers, .apiImportRates: return ["POST"]
        case .apiSubscribers: return ["GET", "HEAD", "POST"]
        case .apiSubscriber: return ["GET", "HEAD", "PATCH"]
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
        guard let route = find(path) else { return .failure(.notFound) }
        guard route.methods.contains(method) else { return .failure(.methodNotAllowed(route.methods)) }
        return .success(route)
    }

    /// The endpoint whose path pattern `path` fits, whatever the method.
    public static func find(_ path: String) -> HTTPRoute? {
        allCases.first { $0.parameter(in: path) != nil }
    }

    /// The `{…}` segment of `path` when it fits this endpoint's pattern (`""` for a
    /// pattern without one); `nil` when it does not fit. A segment is never empty.
    ///
    /// Compared as bytes, prefix and suffix around the one `{…}`: every request is
    /// matched against the routes in turn, and splitting both into Substrings each time
    /// was a sixth of an HTTP request's instructions (callgrind).
    public func parameter(in path: String) -> String? {
        let pattern = self.path.utf8
        guard let open = pattern.firstIndex(of: UInt8(ascii: "{")),
              let close = pattern.firstIndex(of: UInt8(ascii: "}")) else {
            return path == self.path ? "" : nil
        }
        let prefix = pattern[..<open], suffix = pattern[pattern.index(after: close)...]
        let bytes = path.utf8
        guard bytes.count > prefix.count + suffix.count, bytes.starts(with: prefix),
              bytes.reversed().starts(with: suffix.reversed()) else { return nil }
        let start = bytes.index(bytes.startIndex, offsetBy: prefix.count)
        let end = bytes.index(bytes.endIndex, offsetBy: -suffix.count)
        let segment = bytes[start..<end]
        guard !segment.contains(UInt8(ascii: "/")) else { return nil }
        return String(Substring(segment))
    }
}
