import Foundation
import LineClient
import Testing

/// `make deb` and `make install` (issue 19): the package holds the binary (Swift's runtime
/// linked in), the grammar where the binary looks for it, the docs, a systemd unit that
/// systemd-analyze accepts and /etc/default/selfcare; unpacked, the binary serves from
/// any folder as the unit starts it. (The machine of the tests has no systemd as PID 1:
/// the unit is verified, not started by systemd.)
@Suite("Packaging", .serialized)
struct PackagingTests {
    @Test func theDebianPackageInstallsAServiceThatRuns() throws {
        let (built, said) = try runProgram("/usr/bin/make", ["-C", repositoryRoot, "deb"])
        #expect(built == 0, "\(said)")
        let deb = try #require(said.split(separator: "\n").last { $0.hasPrefix("built ") }.map { repositoryRoot + "/" + $0.dropFirst(6) })
        let (infoStatus, info) = try runProgram("/usr/bin/dpkg-deb", ["-I", deb])
        #expect(infoStatus == 0 && info.contains("Package: selfcare") && info.contains("Depends: libevent-2.1-7"), "\(info)")

        let root = NSTemporaryDirectory() + "selfcare-deb-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try runProgram("/usr/bin/dpkg-deb", ["-x", deb, root]).0 == 0)
        for path in ["/usr/bin/selfcare", "/usr/share/selfcare/Grammars/sms.grammar", "/usr/share/doc/selfcare/OPERATIONS.md",
                     "/lib/systemd/system/selfcare.service", "/etc/default/selfcare", "/etc/selfcare/selfcare.toml"] {
            #expect(FileManager.default.fileExists(atPath: root + path), "\(path)")
        }
        // No Swift runtime from the build machine: only what the Depends line names.
        let (_, libraries) = try runProgram("/usr/bin/ldd", [root + "/usr/bin/selfcare"])
        #expect(!libraries.contains("libswift") && !libraries.contains("libFoundation") && !libraries.contains("not found"), "\(libraries)")

        // The unit, with its binary where it was unpacked, passes systemd's own check.
        let unit = try String(contentsOfFile: root + "/lib/systemd/system/selfcare.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/selfcare serve --config /etc/selfcare/selfcare.toml"))
        let (conffiles, listed) = try runProgram("/usr/bin/dpkg-deb", ["-I", deb, "conffiles"])
        #expect(conffiles == 0 && listed.contains("/etc/selfcare/selfcare.toml") && listed.contains("/etc/default/selfcare"), "\(listed)")
        let check = root + "/check/selfcare.service"
        try FileManager.default.createDirectory(atPath: root + "/check", withIntermediateDirectories: true)
        try unit.replacingOccurrences(of: "/usr/bin/selfcare", with: root + "/usr/bin/selfcare").write(toFile: check, atomically: true, encoding: .utf8)
        let (verified, verdict) = try runProgram("/usr/bin/systemd-analyze", ["verify", check])
        #expect(verified == 0 && verdict.isEmpty, "\(verdict)")

        // As the unit starts it: db init (ExecStartPre), then serve from another folder
        // with the shipped configuration (its store and port moved by the command line,
        // which wins), finding the grammar it was installed with.
        let state = root + "/var/lib/selfcare"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let binary = root + "/usr/bin/selfcare"
        #expect(try runProgram(binary, ["db", "init", "--demo", "--db", state + "/selfcare.sqlite"]).0 == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", root + "/etc/selfcare/selfcare.toml",
                             "--db", state + "/selfcare.sqlite", "--listen", "127.0.0.1:0", "--http", "off"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        var environment = ProcessInfo.processInfo.environment
        environment = environment.filter { !$0.key.hasPrefix("SELFCARE_") }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // "selfcare: listening on 127.0.0.1:PORT" once it serves.
        var ready = ""
        while !ready.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            ready += String(decoding: chunk, as: UTF8.self)
        }
        let port = try #require(ready.split(separator: "\n").first { $0.hasPrefix("selfcare: listening on ") }
            .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }, "\(ready)")
        let client = try LineClient(port: port)
        #expect(try client.send("PING") == ["250 PONG"])
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("grammar loaded from \(root)/usr/share/selfcare/Grammars"), "\(log)")
    }

    @Test func makeInstallLaysOutPrefixAndDestdir() throws {
        let dest = NSTemporaryDirectory() + "selfcare-install-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dest) }
        let (status, output) = try runProgram("/usr/bin/make", ["-C", repositoryRoot, "install", "DESTDIR=\(dest)", "PREFIX=/opt/selfcare"])
        #expect(status == 0, "\(output)")
        for path in ["/opt/selfcare/bin/selfcare", "/opt/selfcare/share/selfcare/Grammars/messages.hu",
                     "/opt/selfcare/lib/systemd/system/selfcare.service", "/etc/default/selfcare"] {
            #expect(FileManager.default.fileExists(atPath: dest + path), "\(path)")
        }
        let unit = try String(contentsOfFile: dest + "/opt/selfcare/lib/systemd/system/selfcare.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/opt/selfcare/bin/selfcare serve --config /etc/selfcare/selfcare.toml"))
        #expect(FileManager.default.fileExists(atPath: dest + "/etc/selfcare/selfcare.toml"))
    }
}
