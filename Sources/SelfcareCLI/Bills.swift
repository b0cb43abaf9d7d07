import ArgumentParser
import LineClient
import Model

/// `selfcare bills close`: a month's billing run through a running gateway, page after
/// page of `BILL CLOSE`, each its own transaction.
struct Bills: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Postpaid bills.",
        subcommands: [Close.self])

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a postpaid month: what each subscriber's month used becomes its bill.",
            discussion: """
                Runs BILL CLOSE page by page (--limit subscribers a transaction) until every postpaid \
                subscriber is done, printing a line per page. A month closes once: run it again after \
                a failure and what was closed answers "closed before". Exit status 0 when every page \
                went through, 1 when one was refused.
                """)

        @Argument(help: "The month, YYYY-MM (2026-10), or last (the month before this one).")
        var month: String

        @Option(help: "One subscriber only.")
        var msisdn: String?

        @Option(help: "Subscribers per page (1 to \(BillRun.maximumLimit)).")
        var limit: Int = BillRun.defaultLimit

        @OptionGroup var gateway: OperatorOptions

        func validate() throws {
            guard BillRun.period(month) != nil else { throw ValidationError("the month is YYYY-MM (2026-10) or last") }
            guard (1...BillRun.maximumLimit).contains(limit) else {
                throw ValidationError("--limit: 1 to \(BillRun.maximumLimit)")
            }
            if let msisdn, msisdn.contains(" ") { throw ValidationError("write the number without spaces") }
        }

        func run() throws {
            let client = try gateway.connect()
            defer { _ = try? client.send("QUIT") }
            if let msisdn {
                let answer = try client.send("BILL CLOSE \(month) \(msisdn)")
                answer.forEach { print($0) }
                guard answer.last?.hasPrefix("250") == true else { throw ExitCode(1) }
                return
            }
            var after: String?
            var pages = 0
            repeat {
                let line = "BILL CLOSE \(month)" + (after.map { " after=\($0)" } ?? "") + (limit == BillRun.defaultLimit ? "" : " limit=\(limit)")
                let answer = try client.send(line)
                pages += 1
                answer.forEach { print($0) }
                guard let last = answer.last, last.hasPrefix("250") else { throw ExitCode(1) }
                after = last.range(of: "more: after=").map { String(last[$0.upperBound...]) }
            } while after != nil
            print("done: \(pages) page\(pages == 1 ? "" : "s")")
        }
    }
}
