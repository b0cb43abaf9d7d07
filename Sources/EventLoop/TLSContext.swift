import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// A server's TLS settings: its certificate chain and private key (PEM files), loaded
/// once into an OpenSSL context that every accepted connection shares. TLS 1.2 at least.
///
/// ```swift
/// let tls = try TLSContext(certificate: "/etc/selfcare/cert.pem", key: "/etc/selfcare/key.pem")
/// try Connection(loop: loop, fd: fd, tls: tls)   // the handshake runs on the loop
/// ```
public final class TLSContext: @unchecked Sendable {
    // Immutable after init; OpenSSL's SSL_CTX may be shared by connections.
    let context: OpaquePointer
    public let certificatePath: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(certificate: String, key: String) throws {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw Failure(description: "TLS: cannot create a context") }
        context = ctx
        certificatePath = certificate
        func failure(_ what: String) -> Failure {
            let code = ERR_get_error()
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return Failure(description: "TLS: \(what)\(code == 0 ? "" : ": " + reason)")
        }
        guard selfcare_ssl_ctx_set_min_proto(ctx, TLS1_2_VERSION) == 1 else { throw failure("cannot require TLS 1.2") }
        guard SSL_CTX_use_certificate_chain_file(ctx, certificate) == 1 else {
            throw failure("cannot load the certificate \(certificate)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
            throw failure("cannot load the private key \(key)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else { throw failure("the key \(key) does not match the certificate \(certificate)") }
    }

    deinit { SSL_CTX_free(context) }

    /// A new session for one accepted connection.
    func session() -> OpaquePointer? { SSL_new(context) }
}
