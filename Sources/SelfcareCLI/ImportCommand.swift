import ArgumentParser
import CSV
import Engine
import Foundation
import Grammar
import Import
import Model
import Store

/// `selfcare import subscribers|rates FILE.csv`: a billing system's file, checked and
/// shown as a diff (dry run), or applied all or nothing with `--apply` — one store
/// transaction, every row through the rules of its verb, one audit row.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load subscribers or rates from a CSV file: a dry run shows the diff, --apply applies it all or nothing.",
        subcommands: [Subscribers.self, Rates.self])

    /// What every import takes.
    struct Options: ParsableArguments {
        @ArgumentParser.Argument(help: "The CSV file (a header row first; # lines are comments).")
        var file: String

        @Flag(help: "Apply the changes (without it: a dry run that shows them and changes nothing).")
        var apply = false

        @Option(help: "Changed rows to print (the rest are counted).")
        var show: Int = 50

        @Option(help: "Who is audited as having made the change.")
        var account: String = ProcessEnvironment.get("USER") ?? "cli"

        @Option(help: "The grammar folder (the rules of the verbs need it; as for serve).")
        var grammars: String?

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard show >= 0 else { throw ValidationError("--show: 0 or more") }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
        }
    }

    struct Subscribers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add and change subscribers: msisdn,product[,lang][,birth][,status][,balance][,universal][,allowance].",
            discussion: """
                A number the store lacks is added (its amounts as opening ledger rows, no PIN: the \
                subscriber asks for one with PIN to 1430); one it has is changed as SUB SET would \
                (product, lang, birth, status, the Mix allowance), and its balances, if given, must \
                match the store. Empty fields keep what is stored. docs/OPERATIONS.md "Imports".
                """)

        @OptionGroup var options: Options

        func run() throws {
            var memory = ImportMemory()
            try ImportRun(options, what: "subscribers", columns: SubscriberCSV.columns, required: SubscriberCSV.required)
                .run { record, header, engine, context, tx throws in
                    try engine.importSubscriber(try SubscriberCSV.row(record, header), &memory, context, tx)
                } finish: { _, _, _ in [] }
        }
    }

    struct Rates: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set rates: prefix,price,kind[,adult] (RATE SET's rules; adult empty keeps the stored flag).",
            discussion: "With --prune, the rates the file lacks (by prefix and kind) are deleted: the file is the whole table.")

        @OptionGroup var options: Options

        @Flag(help: "Delete the rates the file does not have.")
        var prune = false

        func run() throws {
            var memory = ImportMemory()
            try ImportRun(options, what: "rates", columns: RateCSV.columns, required: RateCSV.required)
                .run { record, header, engine, _, tx throws in
                    try engine.importRate(try RateCSV.row(record, header), &memory, tx)
                } finish: { engine, _, tx in
                    prune ? try engine.pruneRates(keeping: memory, tx) : []
                }
        }
    }
}

/// One import: the file read record by record (memory bounded by a record, not the
/// file), each row applied in the one transaction, the report printed.
struct ImportRun {
    let options: ImportCommand.Options
    let what: String
    let columns: [String]
    let required: [String]

    init(_ options: ImportCommand.Options, what: String, columns: [String], required: [String]) {
        self.options = options
        self.what = what
        self.columns = columns
        self.required = required
    }

    /// Rolls the transaction back after a dry run or a refused row.
    private struct RollBack: Error {}

    /// Errors printed at most; the rest are counted.
    static let shownErrors = 100

    func run(_ row: (CSVDecoder.Record, ImportHeader, Engine, RequestContext, any StoreTransaction) throws -> ImportEffect,
             finish: (Engine, RequestContext, any StoreTransaction) throws -> [String]) throws {
        let folder = GrammarLocation.resolve(options.grammars)
        let engine: Engine
        do {
            engine = try Engine(validating: try Grammar.load(from: folder), folder: folder)
        } catch {
            throw CLIError("grammar refused: \(error)")
        }
        let sqlite = try options.store.openExisting()
        defer { try? sqlite.close() }
        guard let input = FileHandle(forReadingAtPath: options.file) else { throw CLIError("cannot read \(options.file)") }
        defer { try? input.close() }
        let context = RequestContext(channel: "cli", account: options.account, now: Int64(Date().timeIntervalSince1970))
        var counts = (rows: 0, added: 0, changed: 0, unchanged: 0)
        var errors: [String] = []
        var errorCount = 0
        var shown = 0
        let started = Date()
        func report(_ line: Int, _ text: String) {
            errorCount += 1
            if errors.count < ImportRun.shownErrors { errors.append("line \(line): \(text)") }
        }
        /// `line` 0: a change no line asked for (a rate `--prune` deletes).
        func diff(_ line: Int, _ text: String) {
            if shown < options.show { print(line == 0 ? text : "line \(line): \(text)") }
            shown += 1
        }
        do {
            try sqlite.write { tx in
                var decoder = CSVDecoder()
                var header: ImportHeader?
                func take(_ records: [CSVDecoder.Record]) throws {
                    for record in records {
                        if record.fields.first?.hasPrefix("#") == true { continue }
                        guard let columns = header else {
                            header = try ImportHeader(record, known: self.columns, required: required)
                            continue
                        }
                        counts.rows += 1
                        if counts.rows % 100_000 == 0 {
                            FileHandle.standardError.write(Data("read \(counts.rows) rows (\(Int(Date().timeIntervalSince(started))) s)\n".utf8))
                        }
                        do {
                            switch try row(record, columns, engine, context, tx) {
                            case .added(let text): counts.added += 1; diff(record.line, "+ " + text)
                            case .changed(let text): counts.changed += 1; diff(record.line, "~ " + text)
                            case .unchanged: counts.unchanged += 1
                            case .refused(let why): report(record.line, why)
                            }
                        } catch let error as ImportLineError {
                            report(error.line, error.message)
                        }
                    }
                }
                do {
                    while let chunk = try input.read(upToCount: 1 << 16), !chunk.isEmpty { try take(try decoder.feed(chunk)) }
                    try take(try decoder.finish())
                } catch let failure as CSVDecoder.Failure {
                    // The file cannot be read on past a broken quote: stop there.
                    errorCount += 1
                    errors.append(failure.description)
                } catch let error as ImportLineError {
                    errorCount += 1
                    errors.append(error.description)
                }
                if header == nil, errorCount == 0 { errors.append("the file is empty: it needs a header row"); errorCount += 1 }
                guard errorCount == 0 else { throw RollBack() }
                for line in try finish(engine, context, tx) { diff(0, "- " + line) }
                let summary = "\(counts.rows) rows: \(counts.added) added, \(counts.changed) changed, \(counts.unchanged) unchanged"
                try engine.auditImport(what, file: URL(fileURLWithPath: options.file).lastPathComponent, summary: summary, context, tx)
                if !options.apply { throw RollBack() }
            }
        } catch is RollBack {
        }
        if shown > options.show, options.show > 0 { print("… and \(shown - options.show) more changes") }
        for error in errors { FileHandle.standardError.write(Data((error + "\n").utf8)) }
        if errorCount > errors.count { FileHandle.standardError.write(Data("… and \(errorCount - errors.count) more errors\n".utf8)) }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        let summary = "\(counts.rows) rows: \(counts.added) added, \(counts.changed) changed, \(counts.unchanged) unchanged"
        guard errorCount == 0 else {
            print("\(summary); \(errorCount) error\(errorCount == 1 ? "" : "s"): nothing applied (\(seconds) s)")
            throw ExitCode(1)
        }
        print(options.apply ? "\(summary): applied (\(seconds) s)" : "\(summary): dry run, nothing applied — run again with --apply (\(seconds) s)")
    }
}
