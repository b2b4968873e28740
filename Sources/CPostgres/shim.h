#ifndef TAPEDECK_CPOSTGRES_SHIM_H
#define TAPEDECK_CPOSTGRES_SHIM_H
/* Debian's libpq-dev puts the client header under postgresql/; the search path is set in Package.swift. */
#include <postgresql/libpq-fe.h>

/* libpq hands a server's notices, and an error that arrives while the connection is idle (a server shutting down:
   "FATAL: terminating connection due to administrator command"), to a notice processor that prints them on stderr,
   in the middle of serve's log. Tapedeck reports a connection's failures itself, in its own format. */
static void tapedeck_pq_drop_notice(void *context, const char *message) { (void)context; (void)message; }
static inline void tapedeck_pq_quiet_notices(PGconn *connection) {
    PQsetNoticeProcessor(connection, tapedeck_pq_drop_notice, NULL);
}
#endif
