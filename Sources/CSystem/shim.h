#ifndef SELFCARE_CSYSTEM_SHIM_H
#define SELFCARE_CSYSTEM_SHIM_H
// C declarations Swift's importers leave out.

// libc: malloc tuning (mallopt).
#include <malloc.h>

// SQLite's process-wide configuration: sqlite3_config is variadic, which Swift does not
// import, so these wrappers call it. The prototype is sqlite3.h's own; the header itself
// is GRDB's to import. Both must run before SQLite initialises (before the first
// connection opens); later they return SQLITE_MISUSE (21) and change nothing.
int sqlite3_config(int, ...);

/// SQLITE_CONFIG_MULTITHREAD (2): no mutex around each call on a connection. Safe when
/// no connection is used by two threads at once, which GRDB's queue guarantees.
static inline int selfcare_sqlite_multithread(void) { return sqlite3_config(2); }

/// SQLITE_CONFIG_MEMSTATUS (9) off: no global mutex and statistics around every malloc.
static inline int selfcare_sqlite_memstatus_off(void) { return sqlite3_config(9, 0); }
#endif
