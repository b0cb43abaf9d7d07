import Foundation
import Testing

/// Issue 17: the line protocol and HTTP inside TLS (`--tls-cert`, `--tls-key`), checked
/// with the real clients operators use: `openssl s_client` and `curl --cacert`.
@Suite("TLS for the line protocol and HTTP", .serialized)
struct TLSTests {
    /// A self-signed certificate for 127.0.0.1 and localhost, made with openssl.
    func certificate(in folder: String) throws -> (cert: String, key: String) {
        let cert = folder + "/cert.pem", key = folder + "/key.pem"
        let (status, output) = try runProgram("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        #expect(status == 0, "\(output)")
        return (cert, key)
    }

    @Test func aSessionOverTLSAndHTTPSWithTheServersCertificate() throws {
        let store = try TemporaryStore()
        let (cert, key) = try certificate(in: store.folder)
        let server = try ServerProcess(store: store, arguments: ["--tls-cert", cert, "--tls-key", key])
        // openssl s_client verifies the certificate and carries a whole session.
        let (status, output) = try runProgram("/usr/bin/openssl", [
            "s_client", "-connect", "127.0.0.1:\(server.port)", "-quiet", "-CAfile", cert, "-verify_return_error"],
            input: "AUTH simulator simulator\r\nSMS 36302222222 1730 EGYENLEG\r\nQUIT\r\n")
        #expect(status == 0, "\(output)")
        for line in ["220 Selfcare gateway ready", "235 Authenticated as simulator (network)", "250 OK balance", "221 Bye"] {
            #expect(output.contains(line), "\(output)")
        }
        // HTTPS: curl trusts the certificate it is given, and the API answers inside.
        let (curled, body) = try runProgram("/usr/bin/curl", [
            "-sS", "--cacert", cert, "-u", "ops:ops", "https://127.0.0.1:\(server.httpPort)/api/rates"])
        #expect(curled == 0 && body.hasPrefix("{\"rates\":["), "\(body)")
        // Plain HTTP on the TLS port is no HTTP at all: curl fails, nothing is served.
        let (plain, _) = try runProgram("/usr/bin/curl", ["-sS", "--max-time", "3", "http://127.0.0.1:\(server.httpPort)/healthz"])
        #expect(plain != 0)
        // A plain line-protocol client gets no greeting (the server waits for a TLS hello).
        let raw = try #require(RawSocket(port: server.port))
        raw.send("AUTH simulator simulator\r\n")
        #expect(raw.firstLine()?.hasPrefix("220") != true)
        #expect(server.stop() == 0)
        let audit = try store.open().auditEntries(msisdn: "36302222222")
        #expect(audit.count == 1 && audit.first?.channel == "line")
    }

    @Test func badTLSSettingsStopTheServerWithTheReason() throws {
        let store = try TemporaryStore()
        let (cert, key) = try certificate(in: store.folder)
        var (status, output) = try runSelfcare(["serve", "--db", store.path, "--listen", "127.0.0.1:0", "--http", "off", "--tls-cert", cert])
        #expect(status != 0 && output.contains("--tls-cert and --tls-key go together"), "\(output)")
        (status, output) = try runSelfcare(["serve", "--db", store.path, "--listen", "127.0.0.1:0", "--http", "off",
                                            "--tls-cert", cert, "--tls-key", store.folder + "/missing.pem"])
        #expect(status != 0 && output.contains("cannot load the private key"), "\(output)")
        // The key of another certificate.
        let other = store.folder + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let (_, otherKey) = try certificate(in: other)
        (status, output) = try runSelfcare(["serve", "--db", store.path, "--listen", "127.0.0.1:0", "--http", "off",
                                            "--tls-cert", cert, "--tls-key", otherKey])
        #expect(status != 0 && output.contains("TLS:"), "\(output)")
        _ = key
    }
}
