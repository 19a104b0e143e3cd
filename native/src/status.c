#include "status.h"

#include <stdarg.h>
#include <stdio.h>

bool r4_fail(struct r4_status *st, enum r4_exit code, const char *test, const char *fmt, ...)
{
    /* The first failure is the cause; later ones are consequences and must not hide it. */
    if (st->code != R4_EXIT_OK)
        return false;
    st->code = code;
    st->test = test;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->detail, sizeof(st->detail), fmt, ap);
    va_end(ap);
    return false;
}

const char *r4_exit_kind(enum r4_exit code)
{
    switch (code) {
    case R4_EXIT_OK:
        return "none";
    case R4_EXIT_USAGE:
        return "usage";
    case R4_EXIT_SELFTEST:
        return "selftest_failure";
    case R4_EXIT_HEALTH:
        return "health_test_failure";
    case R4_EXIT_ENTROPY:
        return "entropy_source_failure";
    case R4_EXIT_DRBG:
        return "drbg_failure";
    case R4_EXIT_OUTPUT:
        return "output_failure";
    }
    return "unknown";
}
