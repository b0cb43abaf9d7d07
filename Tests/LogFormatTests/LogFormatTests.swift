import Glibc
import Logging
import Testing
@testable import LogFormat

@Suite struct LogFormatTests {
    let time = LogTime(seconds: 1_796_333_340, milliseconds: 7)

    func line(_ format: LogFormat, _ message: String, _ metadata: Logger.Metadata = [:]) -> String {
        line(format, .info, message, metadata)
    }

    func line(_ format: LogFormat, _ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata = [:]) -> String {
        var out: [UInt8] = []
        format.render(time: time, level: level, message: message, metadata: metadata, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func timesAreRFC3339InUTCToTheMillisecond() {
        #expect(line(.logfmt, "x").hasPrefix("ts=2026-12-03T21:29:00.007Z "))
        var out: [UInt8] = []
        LogTime(seconds: 0, milliseconds: 999).render(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "1970-01-01T00:00:00.999Z")
        out = []
        LogTime(seconds: 951_782_400, milliseconds: 0).render(into: &out)   // a leap day
        #expect(String(decoding: out, as: UTF8.self) == "2000-02-29T00:00:00.000Z")
        out = []
        LogTime(seconds: 4_102_444_799, milliseconds: 0).render(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "2099-12-31T23:59:59.000Z")
    }

    @Test func aCommandLineReadsInTheOrderAnOperatorScansIt() {
        let metadata: Logger.Metadata = [
            "batch": .stringConvertible(12), "ms": .stringConvertible(0.41), "outcome": "ok",
            "service": "balance", "account": "simulator", "channel": "line",
        ]
        #expect(line(.logfmt, "command", metadata)
                == "ts=2026-12-03T21:29:00.007Z level=info msg=command channel=line account=simulator service=balance outcome=ok ms=0.41 batch=12\n")
        #expect(line(.json, "command", metadata)
                == #"{"ts":"2026-12-03T21:29:00.007Z","level":"info","msg":"command","channel":"line","account":"simulator","service":"balance","outcome":"ok","ms":0.41,"batch":12}"# + "\n")
    }

    @Test func unknownKeysFollowSorted() {
        #expect(line(.logfmt, "x", ["zeta": "1", "alpha": "2", "channel": "http"])
                == "ts=2026-12-03T21:29:00.007Z level=info msg=x channel=http alpha=2 zeta=1\n")
    }

    @Test func valuesWithSpacesQuotesOrControlsAreQuotedAndEscaped() {
        // An attacker's account name cannot add a field or a line of its own.
        let name = "root\" level=error\nts=x\u{1}\\"
        #expect(line(.logfmt, .warning, "login failed", ["account": .string(name)])
                == #"ts=2026-12-03T21:29:00.007Z level=warning msg="login failed" account="root\" level=error\nts=x\u0001\\""# + "\n")
        #expect(line(.json, .warning, "login failed", ["account": .string(name)])
                == #"{"ts":"2026-12-03T21:29:00.007Z","level":"warning","msg":"login failed","account":"root\" level=error\nts=x\u0001\\"}"# + "\n")
        #expect(line(.logfmt, "a=b", ["path": "", "k y": "é"])
                == #"ts=2026-12-03T21:29:00.007Z level=info msg="a=b" path="" k_y=é"# + "\n")
    }

    @Test func jsonKeepsNumbersListsAndObjects() {
        #expect(line(.json, .error, "x", ["n": .stringConvertible(3), "s": .stringConvertible("3"),
                                          "l": .array(["a", .stringConvertible(1)]), "d": .dictionary(["b": "c"])])
                == #"{"ts":"2026-12-03T21:29:00.007Z","level":"error","msg":"x","d":{"b":"c"},"l":["a",1],"n":3,"s":"3"}"# + "\n")
        #expect(line(.json, "x", ["inf": .stringConvertible(Double.infinity)]).contains(#""inf":"inf""#))
    }

    @Test func repeatedWarningsAreLimitedAndTheNextSaysHowManyWereLeftOut() {
        var limiter = LogLimiter(burst: 2, window: 10)
        #expect(limiter.admit("login_failed", now: 100) == 0)
        #expect(limiter.admit("login_failed", now: 101) == 0)
        #expect(limiter.admit("login_failed", now: 102) == nil)
        #expect(limiter.admit("login_failed", now: 103) == nil)
        #expect(limiter.admit("connection_refused", now: 103) == 0, "kinds are counted apart")
        #expect(limiter.admit("login_failed", now: 110) == 2, "a new window: two were left out")
        #expect(limiter.admit("login_failed", now: 111) == 0)
    }

    @Test func heldLinesWaitForTheFlushAndWarningsTakeThemAlong() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = LogSink(fd: fds[1])
        sink.hold(true)
        let handler = LineLogHandler(format: .logfmt, level: .info, sink: sink)
        let logger = Logger(label: "t", factory: { _ in handler })
        logger.info("one")
        logger.debug("not at info")
        #expect(available(fds[0]) == 0, "held until the flush")
        logger.warning("two")
        let text = read(fds[0])
        #expect(text.split(separator: "\n").map { String($0.dropFirst(28)) }
                == ["level=info msg=one", "level=warning msg=two"])
        logger.info("three")
        sink.flush()
        #expect(read(fds[0]).hasSuffix("level=info msg=three\n"))
        close(fds[1])
    }

    private func available(_ fd: Int32) -> Int {
        var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return Int(Glibc.poll(&poll, 1, 0))
    }

    private func read(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
    }
}

@Suite struct LogSinkTests {
    /// A reader that stops reading (a stalled journald) costs lines, never a blocked loop;
    /// the first line through afterwards says how many were lost.
    @Test func aFullPipeDropsLinesAndSaysHowManyOnceItDrains() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let sink = LogSink(fd: fds[1])
        #expect(sink.neverBlock())
        let handler = LineLogHandler(format: .logfmt, level: .info, sink: sink)
        let logger = Logger(label: "t", factory: { _ in handler })
        let line = String(repeating: "x", count: 200)
        for i in 0..<2_000 { logger.warning("\(i) \(line)") }   // ~450 KB into a 64 KB pipe
        #expect(sink.dropped > 1_000, "\(sink.dropped)")
        // The reader catches up.
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var got: [UInt8] = []
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n > 0 { got += buffer.prefix(n) }
            if n < buffer.count { break }
        }
        logger.warning("after")
        let n = read(fds[0], &buffer, buffer.count)
        let text = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 2, "\(text)")
        #expect(lines.first?.contains("level=warning msg=\"log stream full: lines dropped\" dropped=") == true, "\(text)")
        #expect(lines.last?.hasSuffix("msg=after") == true)
        #expect(sink.dropped == 0)
        // What did get through is whole lines, plus at most one cut where the pipe filled.
        let received = String(decoding: got, as: UTF8.self).split(separator: "\n")
        #expect(received.dropLast().allSatisfy { $0.hasSuffix(line + "\"") })
    }

    @Test func aFileIsLeftBlocking() throws {
        let path = "/tmp/selfcare-logsink-\(getpid())"
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        defer { close(fd); unlink(path) }
        #expect(!LogSink(fd: fd).neverBlock())
    }
}
