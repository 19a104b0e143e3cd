/*
 * Power-on self-tests (FIPS 140-3 style), run before the first output byte and by `--selftest`:
 * the NIST CAVP CTR_DRBG AES-256/df known-answer vectors in native/vectors/ (instantiate, reseed,
 * generate, with and without prediction resistance) fed through OpenSSL's TEST-RAND parent, then
 * the start-up health test of the noise source and a first instantiate/generate of the real DRBG.
 */
#ifndef R4_SELFTEST_H
#define R4_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>

#include "drbg.h"
#include "status.h"

#define R4_SELFTEST_MAX 16

struct r4_selftest_result {
    char name[80];
    bool pass;
    enum r4_exit code; /* what a failure of this test means for the exit code */
    char detail[192];
};

struct r4_selftest_report {
    struct r4_selftest_result tests[R4_SELFTEST_MAX];
    size_t count;
    size_t vectors;
    bool pass;
};

/* Runs every test (it does not stop at the first failure, so the report is complete). */
bool r4_selftest_run(const struct r4_crypto *c, struct r4_selftest_report *report, struct r4_status *st);

#endif
