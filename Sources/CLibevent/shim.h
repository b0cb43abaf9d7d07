#ifndef SELFCARE_CLIBEVENT_SHIM_H
#define SELFCARE_CLIBEVENT_SHIM_H
// libevent's event-config.h defines _GNU_SOURCE, which changes how glibc's headers
// declare fd_set and friends. Pull the system headers in first, as Swift's Glibc
// module sees them, so libevent's later includes of them are no-ops; otherwise
// CLibevent carries its own, conflicting copy of fd_set (a clean build fails).
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netdb.h>
#include <stdint.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <errno.h>
#include <time.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
// TLS for the line protocol and HTTP (Debian libssl-dev; libevent-dev brings
// libevent_openssl).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <event2/bufferevent_ssl.h>

// SSL_CTX_set_min_proto_version is a macro Swift does not import.
static inline long selfcare_ssl_ctx_set_min_proto(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
#endif
