/* The do-nothing HTTP app of the Kannel chain benchmark (scripts/bench.sh, mode chain):
 * smsbox's get-url goes here instead of Selfcare's /kannel/sms, and every request is
 * answered 200 with the reply Selfcare gives the benchmark's mixed workload in its steady
 * state (same texts, UCS-2 as Selfcare asks with X-Kannel-Coding: 2), so Kannel sends the
 * same MTs for both apps: the 1730 answer with a last purchase is two SMS parts, the
 * others one. One libevent loop, evhttp, keep-alive: the plainest app Kannel can call, so
 * the chain's ceiling is Kannel's own cost. GET /count says how many it answered.
 *
 *   cc -O2 -o nullapp bench-nullapp.c $(pkg-config --cflags --libs libevent)
 *   nullapp PORT
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const char *reply = "Nem vagy feliratkozva erre: SPORT.";
    if (uri && strstr(uri, "text=EGYENLEG"))
        reply = "Egyenleg: 99 999 Ft, univerzális egyenleg: 0 Ft. Utolsó vásárlás: 2026.12.03., 1 Ft.";
    else if (uri && strstr(uri, "text=VOTE"))
        reply = "Emelt díjas SMS a(z) 3690123456 számra: 1 Ft.";
    else if (uri && strstr(uri, "text=SPORT"))
        reply = "Feliratkoztál: SPORT. Havidíj: 1 Ft. Leiratkozás: STOP SPORT";
    evbuffer_add(body, reply, strlen(reply));
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", "text/plain; charset=utf-8");
    evhttp_add_header(headers, "X-Kannel-Coding", "2");
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
