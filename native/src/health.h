/*
 * SP 800-90B section 4.4 health tests for the raw noise source the core samples itself (CPU timing
 * jitter), and the continuous output test on the DRBG's output. Pure state machines: no I/O.
 *
 * Parameters (SP 800-90B 4.4.1 and 4.4.2), derivation:
 *   stated min-entropy per 8-bit sample H = 0.5 bit (the most-common-value estimate measured on these
 *   machines is 3.4-4.5 bits, see sources.c; half a bit leaves a wide margin and is what we claim),
 *   false-alarm probability alpha = 2^-30 per test window.
 *   Repetition count test cutoff  C = 1 + ceil(-log2(alpha) / H) = 1 + ceil(30 / 0.5) = 61.
 *   Adaptive proportion test, non-binary window W = 512,
 *   cutoff C = 1 + CRITBINOM(W, 2^-H, 1 - alpha) = 1 + CRITBINOM(512, 0.7071, 1 - 2^-30) = 422
 *   (exact binomial sum; recomputed by test/native/health-parameters.test.ts).
 * The noise is only additional input to the DRBG and is credited with no entropy; the tests exist so
 * that a broken source is noticed, never silently mixed in.
 */
#ifndef R4_HEALTH_H
#define R4_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define R4_NOISE_MIN_ENTROPY_MILLIBITS 500
#define R4_HEALTH_ALPHA_LOG2 30
#define R4_RCT_CUTOFF 61
#define R4_APT_WINDOW 512
#define R4_APT_CUTOFF 422
/* SP 800-90B 4.3 (item 4): start-up testing covers at least 1024 consecutive samples. */
#define R4_STARTUP_SAMPLES 1024

/* The continuous output test compares consecutive blocks of the AES block size. */
#define R4_OUTPUT_BLOCK 16

struct r4_noise_health {
    uint8_t rct_last;
    uint32_t rct_run;
    uint8_t apt_first;
    uint32_t apt_count;
    uint32_t apt_seen;
    uint64_t samples;
    bool started;
};

struct r4_output_health {
    uint8_t last[R4_OUTPUT_BLOCK];
    bool have_last;
    uint64_t blocks;
};

void r4_noise_health_init(struct r4_noise_health *h);
/* Feeds one raw sample through both tests; false (with st filled in) on the first failure. */
bool r4_noise_health_feed(struct r4_noise_health *h, uint8_t sample, struct r4_status *st);

void r4_output_health_init(struct r4_output_health *h);
/* Checks a buffer whose length is a multiple of R4_OUTPUT_BLOCK against the previous block. */
bool r4_output_health_check(struct r4_output_health *h, const uint8_t *buf, size_t len,
                            struct r4_status *st);

#endif
