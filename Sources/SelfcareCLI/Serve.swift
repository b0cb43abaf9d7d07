import ArgumentParser
import CSystem
import Engine
import EventLoop
import Gateway
import Grammar
import LogFormat
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `selfcare serve`: the gateway in the foreground.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the line protocol and the HTTP front in the foreground.")

    @OptionGroup var store: StoreOptions

    @Option(help: ArgumentHelp(
        "A TOML file of these options (db = \"…\", listen = \"…\", smsc = [\"…\"], sendsms_url_file = \"…\" …); SELFCARE_CONFIG names one too. The environment (SELFCARE_LISTEN …) overrides it, the command line both.",
        valueName: "path"))
    var config: String?

    @Option(help: "HOST:PORT of the line protocol (port 0: any free port).")
    var listen: String = "127.0.0.1:7777"

    @Option(help: "HOST:PORT of the HTTP front (/kannel/sms, /ussd, the ops API under /api/, /healthz, /metrics); port 0: any free port; off: none.")
    var http: String = "127.0.0.1:8080"

    @Option(help: ArgumentHelp(
        "Push the outbox to Kannel's sendsms URL, user and password in its query.",
        discussion: "e.g. http://127.0.0.1:13013/cgi-bin/sendsms?username=selfcare&password=secret",
        valueName: "url"))
    var sendsmsURL: String?

    @Option(help: ArgumentHelp(
        "Bind to an operator's SMSC or USSD gateway as an ESME (transceiver); repeatable, one link each.",
        discussion: "smpp://SYSTEM_ID:PASSWORD@HOST:PORT?system_type=&window=64&enquire=30&timeout=30&profile=standard (see docs/SMPP.md)",
        valueName: "url"))
    var smsc: [String] = []

    @Option(help: ArgumentHelp(
        "HOST:PORT where SMPP test tools and aggregators bind with a network account (port 0: any free port); off: none.",
        discussion: "A bind's address_range (a regular expression over the number) routes the outbox for those numbers to it (see docs/SMPP.md)."))
    var smpp: String = "off"

    @Option(help: "The grammar folder: sms.grammar, messages.*, mmi.codes, menus/ (default: $SELFCARE_GRAMMARS, else ./Grammars, else the Grammars of the checkout the binary was built in).")
    var grammars: String?

    @Option(help: "Seconds of silence before a connection is closed (0: never).")
    var idleTimeout: Double = 300

    @Option(help: "Seconds a new connection has to log in (0: no limit).")
    var authTimeout: Double = 30

    @Option(help: "Seconds a line (or an HTTP request) has, from its first byte, to arrive whole (0: no limit).")
    var lineTimeout: Double = 30

    @Option(help: "Failed logins from one address (any connection; line, HTTP and SMPP together) before its logins are locked for 1 s, 2 s, 4 s … 5 min (0: never).")
    var lockAddressAfter: Int = 10

    @Option(help: "Failed logins for one account name (from anywhere) before it is locked the same way, except for addresses that logged in to it before (0: never).")
    var lockAccountAfter: Int = 30

    @Option(help: ArgumentHelp("PEM certificate (chain) for TLS: with --tls-key, the line protocol and HTTP are spoken inside TLS only.", valueName: "path"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "path"))
    var tlsKey: String?

    @Option(help: "Hours an idempotency key (TOPUP id=KEY …) and its answer are kept: a repeat within them is answered alike and changes nothing.")
    var idempotencyHours: Double = 24

    @Option(help: "Seconds an open USSD dialogue waits for the next answer before it is dropped.")
    var ussdTimeout: Double = 60

    @Option(help: "Most USSD dialogues open at once; past it the least recently used tenth is dropped (those subscribers start afresh).")
    var ussdMaxDialogues: Int = 100_000

    @Option(help: "Milliseconds a batch may wait, after the previous one was answered, for the answered clients' next requests (bigger groups, fewer fsyncs; 0: none).")
    var batchGather: Double = 0.5

    @Option(help: "Line-protocol connections beyond this get 421 (clamped to the open-file limit, with a warning).")
    var maxConnections: Int = 10_000

    @Option(help: "HTTP connections beyond this get 503 (part of the same open-file budget).")
    var httpMaxConnections: Int = 1_000

    @Option(help: "Seconds a SIGTERM waits for the answers owed to go out and the connections to close.")
    var shutdownGrace: Double = 5

    @Option(help: "Log level: trace, debug, info (adds a line per command and HTTP request), notice (start, stop, links), warning, error, critical.")
    var logLevel: String = "notice"

    @Option(help: "Log lines as logfmt (ts=… level=… msg=… key=value) or json (one object a line); to stderr either way.")
    var logFormat: String = "logfmt"

    func validate() throws {
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must be 0 or more") }
        guard authTimeout >= 0 else { throw ValidationError("--auth-timeout must be 0 or more") }
        guard lineTimeout >= 0 else { throw ValidationError("--line-timeout must be 0 or more") }
        guard ussdTimeout > 0 else { throw ValidationError("--ussd-timeout must be positive") }
        guard ussdMaxDialogues > 0 else { throw ValidationError("--ussd-max-dialogues must be positive") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard idempotencyHours > 0 else { throw ValidationError("--idempotency-hours must be positive") }
        guard lockAddressAfter >= 0 else { throw ValidationError("--lock-address-after must be 0 or more") }
        guard lockAccountAfter >= 0 else { throw ValidationError("--lock-account-after must be 0 or more") }
        guard (0...100).contains(batchGather) else { throw ValidationError("--batch-gather must be 0 to 100 (milliseconds)") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must be 0 or more") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard httpMaxConnections > 0 else { throw ValidationError("--http-max-connections must be positive") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("unknown --log-format \(logFormat): logfmt or json") }
        for url in smsc {
            do { _ = try SMPPLinkConfig(url: url) } catch { throw ValidationError("--smsc: \(error)") }
        }
    }

    func run() throws {
        // glibc returns freed heap to the kernel as soon as 128 KiB lie free at its top,
        // and SQLite's per-commit allocations then fault the same pages in again on
        // every group commit (measured: a third of TOPUP's CPU in page faults). Keep
        // what we had: the heap of this server is small and steady.
        mallopt(M_TRIM_THRESHOLD, 256 << 20)
        mallopt(M_TOP_PAD, 16 << 20)
        mallopt(M_MMAP_THRESHOLD, 32 << 20)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = LogFormat(rawValue: logFormat) ?? .logfmt
        // The loop writes the log: a stalled journald must cost lines, not the gateway.
        LogSink.standardError.format = format
        LogSink.standardError.neverBlock()
        LoggingSystem.bootstrap { _ in LineLogHandler(format: format, level: level) }
        let logger = Logger(label: "selfcare")
        logger.notice("configuration: \(effectiveConfiguration)")

        let failEvery = ProcessEnvironment.get("SELFCARE_FAIL_COMMIT").flatMap(Int.init)
        let sqlite = try store.openExisting(failEveryNthCommit: failEvery)
        // Nobody could log in: say how to make an account rather than serve a dead gateway.
        guard try sqlite.accountCount() > 0 else {
            throw CLIError("the store \(store.db) has no accounts, so nobody could log in: add one with `selfcare account set NAME network|operator --db \(store.db)`, or start from the demo data with `selfcare db init --demo --db \(store.db)`")
        }
        logger.notice("store \(store.db): journal_mode=\(sqlite.journalMode) synchronous=\(sqlite.synchronous)\(sqlite.synchronous == 2 ? " (FULL)" : "") sqlite_multithread=\(SQLiteStore.processConfigured)")
        if let failEvery { logger.warning("SELFCARE_FAIL_COMMIT=\(failEvery): every \(failEvery)th commit fails (test hook)") }

        let folder = GrammarLocation.resolve(grammars)
        let engine: Engine
        do {
            engine = try Engine(validating: try Grammar.load(from: folder), folder: folder)
        } catch {
            throw CLIError("grammar refused: \(error)")
        }
        logger.notice("grammar loaded from \(folder)")

        let budget: ConnectionBudget
        do {
            budget = try ConnectionBudget.fit(line: maxConnections, http: http == "off" ? 0 : httpMaxConnections,
                                          limit: FileDescriptorLimit.raiseToHard())
        } catch {
            throw CLIError("\(error)")
        }
        for warning in budget.warnings { logger.warning("\(warning)") }
        logger.notice("\(budget.summary)")

        var config = GatewayConfig()
        config.listen = listen
        config.idleTimeout = idleTimeout
        config.authTimeout = authTimeout
        config.lineTimeout = lineTimeout
        config.idempotencyRetention = idempotencyHours * 3600
        var tls: TLSContext?
        if let tlsCert, let tlsKey {
            do { tls = try TLSContext(certificate: tlsCert, key: tlsKey) } catch { throw CLIError("\(error)") }
            config.tls = tls
        }
        config.loginThrottle = LoginThrottle.Policy(freeAddressFailures: lockAddressAfter == 0 ? .max : lockAddressAfter,
                                                    freeAccountFailures: lockAccountAfter == 0 ? .max : lockAccountAfter)
        config.maxConnections = budget.line
        config.ussdTimeout = ussdTimeout
        config.maxUSSDDialogues = ussdMaxDialogues
        config.batchGather = batchGather / 1000
        config.shutdownGrace = shutdownGrace
        config.grammarFolder = folder

        var httpConfig: HTTPConfig?
        if http != "off" {
            var h = HTTPConfig()
            h.listen = http
            h.shutdownGrace = shutdownGrace
            h.maxConnections = budget.http
            h.requestTimeout = lineTimeout
            h.tls = tls
            h.buildInfo = [("version", Selfcare.release), ("schema", Migrations.names.last ?? "-")]
            httpConfig = h
        }
        let loop = try EventLoop()
        let gateway: Gateway
        do {
            gateway = try buildGateway(loop: loop, store: sqlite, engine: engine, line: config, http: httpConfig,
                                       sendSMS: sendsmsURL.map(SendSMSConfig.init(url:)),
                                       smsc: try smsc.map { try SMPPLinkConfig(url: $0) },
                                       smpp: smpp == "off" ? nil : SMPPServerConfig(listen: smpp), logger: logger)
        } catch {
            throw CLIError("\(error)")
        }
        for link in gateway.smscLinks {
            logger.notice("smpp \(link.config.name): linking to \(link.config.redacted) (profile \(link.profile.name))")
        }
        if let pusher = gateway.pusher {
            if let kannel = pusher.carrier as? SendSMSCarrier {
                logger.notice("pushing the outbox to \(kannel.target.host):\(kannel.target.port)")
            } else {
                logger.notice("the outbox goes out through \(pusher.carrier.name)")
            }
        }
        // A file-size limit (`ulimit -f`, a unit's LimitFSIZE) then makes a store write fail
        // with EFBIG — a failed commit, answered as such — instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        var stopping = false
        for signal in [SIGTERM, SIGINT] {
            try loop.onSignal(signal) {
                logger.notice("signal \(signal): finishing what was read, then stopping")
                stopping = true
                gateway.beginShutdown()
            }
        }
        // SIGHUP reads the grammar again, as RELOAD does; a bad one is logged and refused.
        try loop.onSignal(SIGHUP) {
            gateway.line.reload()
        }
        // The ready lines: scripts and tests wait for them (and read the ports from them).
        print("selfcare: listening on \(gateway.line.boundAddress)")
        if let front = gateway.http { print("selfcare: http on \(front.boundAddress)") }
        if let server = gateway.smppServer { print("selfcare: smpp on \(server.boundAddress)") }
        fflush(nil)

        // Info lines (one per command) are written once per loop pass, not one write each.
        LogSink.standardError.hold(true)
        gateway.pipeline.afterPass.append { LogSink.standardError.flush() }
        while !stopping {
            gateway.runPass()
        }
        gateway.shutdown()
        for line in gateway.stopLines { logger.notice("\(line)") }
        LogSink.standardError.hold(false)
    }
}

enum ProcessEnvironment {
    static func get(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}

extension Serve {
    /// Every option as it took effect (file, environment and command line merged), one
    /// `name=value` each, passwords shown as `***`: the start-up log line.
    var effectiveConfiguration: String {
        var words = ["config=\(config ?? "-")", "db=\(store.db)", "listen=\(listen)", "http=\(http)", "smpp=\(smpp)"]
        if let sendsmsURL { words.append("sendsms_url=\(Serve.redacted(sendsmsURL))") }
        words += smsc.map { "smsc=\(Serve.redacted($0))" }
        words += [
            "grammars=\(GrammarLocation.resolve(grammars))", "idle_timeout=\(idleTimeout)", "auth_timeout=\(authTimeout)",
            "line_timeout=\(lineTimeout)", "lock_address_after=\(lockAddressAfter)", "lock_account_after=\(lockAccountAfter)",
            "tls=\(tlsCert == nil ? "off" : "on")", "idempotency_hours=\(idempotencyHours)", "ussd_timeout=\(ussdTimeout)",
            "ussd_max_dialogues=\(ussdMaxDialogues)", "batch_gather=\(batchGather)", "max_connections=\(maxConnections)",
            "http_max_connections=\(httpMaxConnections)", "shutdown_grace=\(shutdownGrace)", "log_level=\(logLevel)", "log_format=\(logFormat)",
        ]
        return words.joined(separator: " ")
    }

    /// A URL with its password (`user:PASSWORD@`, `password=…`, `pass=…`) as `***`.
    static func redacted(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
           let colon = text[scheme.upperBound..<at].firstIndex(of: ":") {
            text.replaceSubrange(text.index(after: colon)..<at, with: "***")
        }
        for key in ["password=", "pass=", "pwd="] {
            var searchFrom = text.startIndex
            while let found = text.range(of: key, options: .caseInsensitive, range: searchFrom..<text.endIndex) {
                let end = text[found.upperBound...].firstIndex(of: "&") ?? text.endIndex
                text.replaceSubrange(found.upperBound..<end, with: "***")
                searchFrom = text.index(found.upperBound, offsetBy: 3, limitedBy: text.endIndex) ?? text.endIndex
            }
        }
        return text
    }
}

/// Where the grammar folder is when not given: `$SELFCARE_GRAMMARS`, else `./Grammars`,
/// else the installed one (`PREFIX/share/selfcare/Grammars` beside `PREFIX/bin/selfcare`),
/// else the `Grammars` of the checkout the executable was built in (so a binary run
/// from another folder still finds the shipped grammar).
enum GrammarLocation {
    static func resolve(_ explicit: String?) -> String {
        if let explicit { return explicit }
        if let env = ProcessEnvironment.get("SELFCARE_GRAMMARS") { return env }
        if access("./Grammars/messages.hu", R_OK) == 0 { return "./Grammars" }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 {
            var dir = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let bin = dir.lastIndex(of: "/"), let prefix = dir[..<bin].lastIndex(of: "/") {
                let installed = String(dir[..<prefix]) + "/share/selfcare/Grammars"
                if access(installed + "/messages.hu", R_OK) == 0 { return installed }
            }
            for _ in 0..<5 {
                guard let slash = dir.lastIndex(of: "/") else { break }
                dir = String(dir[..<slash])
                if access(dir + "/Grammars/messages.hu", R_OK) == 0 { return dir + "/Grammars" }
            }
        }
        return "./Grammars"
    }
}
