/* Outcome of an operation in the core: an exit code a caller can act on, and the reason in words. */
#ifndef R4_STATUS_H
#define R4_STATUS_H

#include <stdbool.h>

/* Exit codes are part of the CLI contract (native/README.md); the service maps them to modes. */
enum r4_exit {
    R4_EXIT_OK = 0,
    R4_EXIT_USAGE = 2,       /* unknown flag or bad number */
    R4_EXIT_SELFTEST = 3,    /* a power-on known-answer test failed */
    R4_EXIT_HEALTH = 4,      /* a continuous health test failed (noise source or output) */
    R4_EXIT_ENTROPY = 5,     /* the kernel entropy source failed */
    R4_EXIT_DRBG = 6,        /* OpenSSL refused to instantiate, reseed or generate */
    R4_EXIT_OUTPUT = 7,      /* stdout failed for a reason other than being closed */
};

struct r4_status {
    enum r4_exit code;
    const char *test;    /* which test or step failed, e.g. "repetition_count" */
    char detail[192];    /* human-readable reason */
};

/* Records a failure; returns false so callers can write `return r4_fail(...)`. */
bool r4_fail(struct r4_status *st, enum r4_exit code, const char *test, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The machine-readable kind of failure an exit code stands for, e.g. "health_test_failure". */
const char *r4_exit_kind(enum r4_exit code);

#endif
