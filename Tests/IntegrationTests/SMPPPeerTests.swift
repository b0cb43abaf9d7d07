import Foundation
import GRDB
import Model
import Store
import Testing

/// Net::SMPP (Debian `libnet-smpp-perl`, which `make test` installs) playing the
/// operator's SMSC and USSD gateway against the real `selfcare serve --smsc`: the script
/// `Peers/netsmpp-smsc.pl` checks every PDU Selfcare sends; this test checks the store.
@Suite("SMPP against Net::SMPP", .serialized)
struct SMPPPeerTests {
    static let script = repositoryRoot + "/Tests/IntegrationTests/Peers/netsmpp-smsc.pl"

    static var netSMPPInstalled: Bool {
        (try? runProgram("/usr/bin/perl", ["-MNet::SMPP", "-e", "1"]))?.0 == 0
    }

    @Test func theLinkServesAnSMSCWrittenOnNetSMPP() throws {
        // Not a silent skip: make test installs the peer; without it this is a failure.
        try #require(Self.netSMPPInstalled, "Net::SMPP is missing: apt-get install libnet-smpp-perl (make test does)")
        let smsc = Process()
        smsc.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        smsc.arguments = [Self.script, "0"]
        let out = Pipe()
        smsc.standardOutput = out
        smsc.standardError = out
        try smsc.run()
        defer { if smsc.isRunning { smsc.terminate() } }
        // "PORT n" first.
        var seen = Data()
        while !seen.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { Issue.record("the SMSC script ended: \(String(decoding: seen, as: UTF8.self))"); return }
            seen.append(chunk)
        }
        let first = String(decoding: seen, as: UTF8.self).split(separator: "\n")[0]
        let port = try #require(Int(first.dropFirst("PORT ".count)), "no port: \(first)")

        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, arguments: ["--smsc", "smpp://selfcare:secret@127.0.0.1:\(port)?reconnect=0.2"],
                                       http: false)
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        smsc.waitUntilExit()
        let report = String(decoding: seen + rest, as: UTF8.self)
        let failed = report.split(separator: "\n").filter { $0.hasPrefix("not ok") }
        #expect(smsc.terminationStatus == 0, "Net::SMPP SMSC: \(failed.isEmpty ? report : failed.joined(separator: "\n"))\nserver log: \(server.log)")
        #expect(report.contains("\nPASSED"))
        #expect(report.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count >= 30)
        #expect(server.stop() == 0)

        // What the MOs did, in the store: every one audited on the smpp channel (the
        // redelivered one not: it did not run again), the subscriptions of the UCS-2 and
        // the concatenated MO made, each once.
        let db = try store.rawDatabase()
        let channels = try db.read { try String.fetchAll($0, sql: "SELECT channel FROM audit WHERE account = '127.0.0.1:\(port)'") }
        #expect(channels.count == 9 && channels.allSatisfy { $0 == "smpp" }, "\(channels)")
        let services = try db.read {
            try String.fetchAll($0, sql: "SELECT service FROM subscriptions WHERE msisdn = '36301111111' ORDER BY service")
        }
        #expect(services == ["777:HIREK", "777:SPORT"])
    }
}
