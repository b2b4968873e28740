#ifndef TAPEDECK_CPOSTGRES_SHIM_H
#define TAPEDECK_CPOSTGRES_SHIM_H
/* Debian's libpq-dev puts the client header under postgresql/; the search path is set in Package.swift. */
#include <postgresql/libpq-fe.h>
#endif
