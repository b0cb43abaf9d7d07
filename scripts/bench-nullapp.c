/* The do-nothing HTTP app of the Kannel chain benchmark (scripts/bench.sh, mode chain):
 * smsbox's get-url goes here instead of Selfcare's /kannel/sms, and every request is
 * answered 200 with a short body (so Kannel sends an MT reply, as it does for Selfcare's
 * answer). One libevent loop, evhttp, keep-alive: the plainest app Kannel can call, so the
 * chain's ceiling is Kannel's own cost. GET /count says how many it answered.
 *
 *   cc -O2 -o nullapp bench-nullapp.c $(pkg-config --cflags --libs libevent)
 *   nullapp PORT
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long answered;

/* GET /count: how many requests were answered (the benchmark polls it, uncounted). */
static void answer(struct evhttp_request *req, void *arg) {
    (void)arg;
    struct evbuffer *body = evbuffer_new();
    const char *uri = evhttp_request_get_uri(req);
    if (uri && uri[0] == '/' && uri[1] == 'c') {
        evbuffer_add_printf(body, "%lu\n", answered);
        evhttp_send_reply(req, 200, "OK", body);
        evbuffer_free(body);
        return;
    }
    answered++;
    evbuffer_add(body, "Egyenleg: 1 000 Ft.", 19);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; charset=utf-8");
    evhttp_send_reply(req, 200, "OK", body);
    evbuffer_free(body);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: nullapp PORT\n"); return 2; }
    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    evhttp_set_gencb(http, answer, NULL);
    if (evhttp_bind_socket(http, "127.0.0.1", (unsigned short)atoi(argv[1])) != 0) {
        perror("bind");
        return 1;
    }
    printf("nullapp: http on 127.0.0.1:%s\n", argv[1]);
    fflush(stdout);
    event_base_dispatch(base);
    return 0;
}
