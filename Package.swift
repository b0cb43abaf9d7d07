// swift-tools-version:6.0
// Selfcare: a self-service USSD/SMS command gateway.
// Layers, bottom up: CLibevent -> EventLoop (the one libevent loop) -> HTTP (HTTP/1.1 on
// it) ; Numbering, Model -> Store (GRDB/SQLite) ; Messages -> Engine (domain logic,
// transport-agnostic) ; LineProtocol (pure codec) ; Gateway (transports over one
// pipeline, the store executor seam and its thread) ; GatewayTesting (the in-process
// test driver) ; selfcare (the CLI).
import PackageDescription

// Release builds optimise across our own modules: the hot path crosses Numbering,
// LineProtocol, Grammar, Engine, Store and Gateway, and generic helpers left
// unspecialised at a module boundary cost more than the work they do. They also skip
// the run-time exclusivity checks (debug builds and tests keep them): one loop thread
// owns all mutable state, and the checks were 6% of a 1730 request's instructions.
let crossModule: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Selfcare",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "selfcare", targets: ["SelfcareCLI"]),
        // `make fuzz`: libFuzzer over every parser a peer reaches (Sources/FuzzTargets).
        .executable(name: "selfcare-fuzz", targets: ["SelfcareFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // libevent 2.1 from the system (apt: libevent-dev).
        .systemLibrary(
            name: "CLibevent",
            pkgConfig: "libevent",
            providers: [.apt(["libevent-dev"])]
        ),
        // C bits Swift does not import: malloc tuning, SQLite's variadic sqlite3_config.
        .systemLibrary(name: "CSystem"),
        // A thin, allocation-aware Swift face over the libevent loop: listeners,
        // buffered connections, timers and signals. Knows no protocol.
        .target(name: "EventLoop", dependencies: ["CLibevent"], swiftSettings: crossModule),
        // HTTP/1.1 on the loop: the request decoder (a pure state machine), the server on
        // EventLoop's connections, the response encoder, and a small client (libevent's).
        // Header fields and status reason phrases are swift-http-types'.
        .target(name: "HTTP", dependencies: ["EventLoop", "CLibevent", .product(name: "HTTPTypes", package: "swift-http-types")],
                swiftSettings: crossModule),
        // Phone-number normalisation (+36…, 0036…, 06…, 36…, spaces and dashes).
        .target(name: "Numbering", swiftSettings: crossModule),
        // Domain records and the storage protocol the engine talks to, with an
        // in-memory twin for unit tests.
        .target(name: "Model", dependencies: [
            "Numbering",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
        ], swiftSettings: crossModule),
        // SQLite through GRDB: migrations, the durable implementation of Model's store.
        .target(name: "Store", dependencies: [
            "Model", "Numbering", "CSystem",
            .product(name: "GRDB", package: "GRDB.swift"),
            // The hot statements bind and step through the C API (half the CPU of GRDB's
            // argument boxing); GRDB still owns the connection and the statement cache.
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: crossModule),
        // The command language as data (Grammars/): reply texts per language today,
        // keywords, destinations, MMI codes and menus as the issues add them.
        .target(name: "Grammar", dependencies: ["Model", "Numbering"], swiftSettings: crossModule),
        // GSM 03.38 7-bit alphabet, transliteration, SMS segmentation, USSD screen size.
        .target(name: "SMSText", swiftSettings: crossModule),
        // 3GPP TS 22.030 MMI codes (supplementary services, USSD) as a pure parser over
        // the service-code tables in Grammars/mmi.codes.
        .target(name: "MMI", dependencies: ["Grammar"], swiftSettings: crossModule),
        // USSD menu trees (Grammars/menus/*.menu) and the pure dialogue state machine.
        .target(name: "Menus", dependencies: ["SMSText", "Model", "Grammar"], swiftSettings: crossModule),
        // Transport-agnostic domain logic: (channel, msisdn, destination, text) -> outcome.
        .target(name: "Engine", dependencies: ["Model", "Numbering", "Grammar", "MMI", "Menus", "SMSText"], swiftSettings: crossModule),
        // JSON as the ops API reads and writes it: a strict RFC 8259 parser, ordered objects.
        .target(name: "JSON", swiftSettings: crossModule),
        // CSV as pure code (a byte-level record decoder), and the import files read with it.
        .target(name: "CSV", swiftSettings: crossModule),
        .target(name: "Import", dependencies: ["CSV", "Model", "Numbering"], swiftSettings: crossModule),
        // SMPP 3.4 as pure code: PDUs, the framing state machine, data codings, the
        // user data header. No sockets.
        .target(name: "SMPP", dependencies: ["SMSText"], swiftSettings: crossModule),
        // Log lines as logfmt or JSON (pure rendering), the swift-log handler and its
        // sink (stderr, written once per loop pass), the rate limit of repeated warnings.
        .target(name: "LogFormat", dependencies: ["Model", .product(name: "Logging", package: "swift-log")], swiftSettings: crossModule),
        // The line protocol as pure code: a byte-level line decoder and the request parser.
        .target(name: "LineProtocol", dependencies: ["Numbering", "Model"], swiftSettings: crossModule),
        // A small blocking client of the line protocol: `selfcare send`, tests, examples.
        .target(name: "LineClient"),
        // The transports on the event loop over one pipeline (a batch of every transport's
        // requests per store transaction) and the store executor (the store's own thread).
        .target(name: "Gateway", dependencies: [
            "EventLoop", "HTTP", "JSON", "LineProtocol", "SMPP", "Engine", "Grammar", "Model", "Store", "SMSText", "Import", "LogFormat",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            // /metrics: swift-metrics instruments on a swift-prometheus registry.
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: crossModule),
        // The in-process test driver: the gateway built as `serve` builds it, on a
        // temporary store, with socket-pair clients and the loop run by the test.
        .target(name: "GatewayTesting", dependencies: [
            "Gateway", "EventLoop", "Engine", "Grammar", "Store", "SMPP",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The parsers a peer reaches, as functions of arbitrary bytes, for libFuzzer and
        // for the corpus replay in the tests; and the executable `make fuzz` builds.
        .target(name: "FuzzTargets", dependencies: ["LineProtocol", "MMI", "Grammar", "Menus", "Model", "Numbering",
                                                    "SMPP", "HTTP", "JSON", "SMSText", "CSV", "Import"]),
        .executableTarget(name: "SelfcareFuzz", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "SelfcareCLI", dependencies: [
            "CSystem", "Gateway", "Store", "Model", "Engine", "Grammar", "Numbering", "LineProtocol", "LineClient", "CSV", "Import", "LogFormat",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ],
            swiftSettings: crossModule),

        // Helpers the test targets share (seeded randomness, a raw-socket HTTP client).
        .target(name: "TestSupport", dependencies: ["EventLoop"], path: "Tests/TestSupport"),
        .testTarget(name: "FuzzTests", dependencies: ["TestSupport", "FuzzTargets"]),
        .testTarget(name: "EventLoopTests", dependencies: ["TestSupport", "EventLoop", "LineClient"]),
        .testTarget(name: "HTTPTests", dependencies: ["TestSupport", "HTTP", "EventLoop"]),
        .testTarget(name: "NumberingTests", dependencies: ["TestSupport", "Numbering"]),
        .testTarget(name: "LineProtocolTests", dependencies: ["TestSupport", "LineProtocol", "Model", "Numbering"]),
        .testTarget(name: "ModelTests", dependencies: ["TestSupport", "Model", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Model"]),
        .testTarget(name: "GrammarTests", dependencies: ["TestSupport", "Grammar", "Model", "Numbering"]),
        .testTarget(name: "SMSTextTests", dependencies: ["TestSupport", "SMSText"]),
        .testTarget(name: "LogFormatTests", dependencies: ["LogFormat", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CSVTests", dependencies: ["TestSupport", "CSV", "Import", "Model", "Numbering"]),
        .testTarget(name: "SMPPTests", dependencies: ["SMPP", "SMSText"]),
        .testTarget(name: "MMITests", dependencies: ["TestSupport", "MMI", "Grammar"]),
        .testTarget(name: "MenusTests", dependencies: ["TestSupport", "Menus", "SMSText", "Model", "Grammar"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Model", "Grammar", "Store", "MMI", "Menus", "SMSText"]),
        // The HTTP front's pure parts: routing, credentials, the Kannel adapter, metrics.
        .testTarget(name: "GatewayTests", dependencies: ["GatewayTesting", "Store", "Gateway", "SMPP", "EventLoop", "HTTP", "Engine", "Model", "Numbering", "Menus", "Grammar", "JSON", .product(name: "GRDB", package: "GRDB.swift")]),
        // Starts the real `selfcare` process (built by `swift build`) on a free port
        // with a temporary SQLite file; replays Transcripts/*.transcript.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport", "Store", "Model", "LineClient", "SMPP", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Transcripts", "Peers"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
