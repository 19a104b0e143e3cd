/*
 * Where the core's input comes from:
 *  - the kernel's getrandom(): the only source credited with entropy (full entropy, per SP 800-90C's
 *    view of a vetted conditioned source);
 *  - RDSEED, where the CPU has it: conditioned hardware entropy, mixed in as additional input;
 *  - CPU timing jitter: a raw noise source sampled here and health-tested (health.h), mixed in as
 *    additional input, credited with nothing.
 */
#ifndef R4_SOURCES_H
#define R4_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "status.h"

/* Fills buf from getrandom(), blocking until the kernel pool is initialised. */
bool r4_kernel_entropy(uint8_t *buf, size_t len, struct r4_status *st);

/* True when the CPU advertises RDSEED. */
bool r4_rdseed_available(void);
/* Fills up to `words` 64-bit RDSEED values; returns how many it got (RDSEED may run dry). */
size_t r4_rdseed(uint64_t *out, size_t words);

/* Samples n raw jitter values into out, running each through the health tests. */
bool r4_noise_collect(struct r4_noise_health *h, uint8_t *out, size_t n, struct r4_status *st);
/* Releases the noise source's memory. */
void r4_sources_close(void);

#ifdef R4_DIAGNOSTICS
/*
 * Diagnostic builds only (never the release): n raw jitter samples, one byte each (the low 8 bits of a
 * timing delta), not health-tested, so SP 800-90B's assessment sees the source as it is.
 */
bool r4_noise_raw(uint8_t *out, size_t n, struct r4_status *st);
#endif

#ifdef R4_TEST_HOOKS
/* Test builds only: faults injected by the R4_TEST_FAULT environment variable (see sources.c). */
void r4_test_hooks_init(void);
bool r4_test_fault(const char *name, unsigned long long *arg);
#endif

#endif
