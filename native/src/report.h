/* How the core tells what happened: every machine-readable line it prints is built here. */
#ifndef R4_REPORT_H
#define R4_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "drbg.h"
#include "selftest.h"
#include "status.h"

void r4_report_version(FILE *out);
void r4_report_selftest(FILE *out, const struct r4_selftest_report *report);
/* The single JSON line written to stderr when the core enters its error state. */
void r4_report_error(FILE *out, const struct r4_status *st);
/* A status line for --status-fd; returns false once the reader has gone away. */
bool r4_report_status(int fd, const char *event, const struct r4_drbg *d);

#endif
