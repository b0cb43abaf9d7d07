#ifndef SELFCARE_CLIBEVENT_SHIM_H
#define SELFCARE_CLIBEVENT_SHIM_H
// Only libevent's own headers: socket and libc types come from Swift's Glibc module.
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#endif
