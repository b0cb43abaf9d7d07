import CoreMetrics
import Engine
import Prometheus

/// The gateway's metrics: swift-metrics instruments on a Prometheus registry of the
/// gateway's own (two gateways in one test process count apart), exposed by
/// `GET /metrics` in the Prometheus text format (0.0.4).
///
/// Two kinds of series. What happens per request is counted as it happens, on the loop,
/// by the pipeline at each commit (commands by transport, service and outcome; request
/// latency by transport; batch sizes and store time) and by the HTTP front (requests by
/// endpoint and status): a counter increment is one relaxed atomic add, a histogram
/// sample one uncontended lock, and the instruments are found without hashing. What is
/// state (connections, dialogues, the outbox, SMPP links, the counters the transports
/// keep for their stop lines) is read at the scrape (``update(_:)``): nothing of it is on
/// a request's path.
///
/// ```swift
/// let metrics = GatewayMetrics()
/// metrics.latency(.line, seconds: 0.0004)
/// metrics.committed(.line, service: "balance", outcome: .ok)
/// metrics.update(snapshot)      // at the scrape
/// let text = metrics.exposition()
/// ```
public final class GatewayMetrics {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    /// Request latency bounds, seconds: 0.5 ms … 5 s.
    public static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5),
    ]
    /// ``latencyBuckets`` in seconds.
    static let latencySeconds: [Double] = latencyBuckets.map {
        Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
    }
    /// Requests per transaction: 1 … 4096.
    public static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]

    /// By transport (none for `system`: the gateway's own jobs are no requests). The
    /// hot instruments are swift-metrics *handlers* made by the factory: the `Recorder`
    /// and `Counter` wrappers convert through generic `BinaryFloatingPoint` and
    /// `BinaryInteger` code that is not inlinable (callgrind: ~670 instructions a sample,
    /// 2% of a 1730 request).
    private let requestDuration: [(any RecorderHandler)?]
    private let batchRequests: Recorder
    private let commitDuration: CoreMetrics.Timer
    private var commands: [CommandSeries] = []
    private var lastCommand = 0
    private var httpRequests: [String: CoreMetrics.Counter] = [:]
    private var httpDurations: [String: CoreMetrics.Timer] = [:]
    /// Scrape-time series by name and labels, with the value a counter was last set to.
    private var counters: [String: (counter: CoreMetrics.Counter, value: Int64)] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]
    private var floatCounters: [String: (counter: FloatingPointCounter, value: Double)] = [:]

    struct CommandSeries {
        let transport: Pipeline.Transport
        let service: String
        /// One counter per `Outcome.Status`, made when first used.
        var outcomes: [(any CounterHandler)?]
    }

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = GatewayMetrics.latencyBuckets
        factory.valueHistogramBuckets = ["selfcare_store_batch_requests": GatewayMetrics.batchBuckets,
                                         "selfcare_request_duration_seconds": GatewayMetrics.latencySeconds]
        self.factory = factory
        requestDuration = Pipeline.Transport.allCases.map {
            $0 == .system ? nil
                : factory.makeRecorder(label: "selfcare_request_duration_seconds", dimensions: [("transport", $0.label)],
                                       aggregate: true)
        }
        batchRequests = Recorder(label: "selfcare_store_batch_requests", dimensions: [], aggregate: true, factory: factory)
        commitDuration = CoreMetrics.Timer(label: "selfcare_store_commit_duration_seconds", dimensions: [], factory: factory)
    }

    // MARK: Per request (the loop, at each commit)

    /// A request that used the store committed: its latency, from the request read to the
    /// commit, in its transport's histogram.
    public func latency(_ transport: Pipeline.Transport, seconds: Double) {
        requestDuration[transport.rawValue]?.record(max(0, seconds))
    }

    /// A command committed: counted under its transport, service and outcome.
    public func committed(_ transport: Pipeline.Transport, service: String, outcome: Outcome.Status) {
        let slot: Int
        switch outcome {
        case .ok: slot = 0
        case .refused: slot = 1
        case .unknownSubscriber: slot = 2
        case .invalid: slot = 3
        }
        let i = series(transport, service)
        if let counter = commands[i].outcomes[slot] { return counter.increment(by: 1) }
        let counter = factory.makeCounter(label: "selfcare_commands_total", dimensions: [
            ("transport", transport.label), ("service", service), ("outcome", HTTPMetrics.label(outcome)),
        ])
        commands[i].outcomes[slot] = counter
        counter.increment(by: 1)
    }

    /// The series of a transport and service: a linear search from the last one used (a
    /// handful of services; hashing a string would cost more).
    private func series(_ transport: Pipeline.Transport, _ service: String) -> Int {
        if lastCommand < commands.count, commands[lastCommand].transport == transport, commands[lastCommand].service == service {
            return lastCommand
        }
        if let i = commands.firstIndex(where: { $0.transport == transport && $0.service == service }) {
            lastCommand = i
            return i
        }
        commands.append(CommandSeries(transport: transport, service: service, outcomes: [nil, nil, nil, nil]))
        lastCommand = commands.count - 1
        return lastCommand
    }

    /// A batch's transaction ended (committed or rolled back): its size and store time.
    public func batch(requests: Int, seconds: Double) {
        batchRequests.record(requests)
        commitDuration.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// An HTTP request answered.
    public func httpRequest(endpoint: String, status: Int, seconds: Double) {
        let key = "\(endpoint) \(status)"
        if let counter = httpRequests[key] {
            counter.increment()
        } else {
            let counter = CoreMetrics.Counter(label: "selfcare_http_requests_total",
                                              dimensions: [("endpoint", endpoint), ("status", String(status))], factory: factory)
            httpRequests[key] = counter
            counter.increment()
        }
        let timer = httpDurations[endpoint] ?? {
            let t = CoreMetrics.Timer(label: "selfcare_http_request_duration_seconds", dimensions: [("endpoint", endpoint)], factory: factory)
            httpDurations[endpoint] = t
            return t
        }()
        timer.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    // MARK: At the scrape

    /// Sets a counter series to `value` (a count the gateway keeps anyway): the counter
    /// grows by the difference since the last scrape.
    func counter(_ name: String, _ value: Int) { counter(name, [], value) }

    func counter(_ name: String, _ labels: [(String, String)], _ value: Int) {
        let key = GatewayMetrics.key(name, labels)
        var entry = counters[key] ?? (CoreMetrics.Counter(label: name, dimensions: labels, factory: factory), 0)
        let now = Int64(value)
        if now > entry.value { entry.counter.increment(by: now - entry.value) }
        entry.value = max(entry.value, now)
        counters[key] = entry
    }

    /// A counter of seconds (`process_cpu_seconds_total`), set the same way.
    func floatCounter(_ name: String, _ value: Double) {
        var entry = floatCounters[name] ?? (FloatingPointCounter(label: name, dimensions: [], factory: factory), 0)
        if value > entry.value { entry.counter.increment(by: value - entry.value) }
        entry.value = max(entry.value, value)
        floatCounters[name] = entry
    }

    /// Sets a gauge series.
    func gauge(_ name: String, _ value: Double) { gauge(name, [], value) }

    func gauge(_ name: String, _ value: Int) { gauge(name, [], Double(value)) }

    func gauge(_ name: String, _ labels: [(String, String)], _ value: Double) {
        let key = GatewayMetrics.key(name, labels)
        let gauge = gauges[key] ?? {
            let g = CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
            gauges[key] = g
            return g
        }()
        gauge.record(value)
    }

    func gauge(_ name: String, _ labels: [(String, String)], _ value: Int) { gauge(name, labels, Double(value)) }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        labels.reduce(name) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
    }

    /// The text of `GET /metrics`: the registry's, its families sorted by name (the
    /// registry keeps them in a hash table; a person reading a scrape wants an order),
    /// each with its `# HELP` line.
    public func exposition() -> String {
        var families: [(name: Substring, lines: [Substring])] = []
        for line in registry.emitToString().split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                families.append((line.dropFirst(7).prefix { $0 != " " }, [line]))
            } else if !families.isEmpty {
                families[families.count - 1].lines.append(line)
            }
        }
        families.sort { $0.name < $1.name }
        var text = ""
        for family in families {
            if let help = GatewayMetrics.help[String(family.name)] { text += "# HELP \(family.name) \(help)\n" }
            for line in family.lines {
                text += line
                text += "\n"
            }
        }
        return text
    }
}
