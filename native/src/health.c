#include "health.h"

#include <string.h>

void r4_noise_health_init(struct r4_noise_health *h)
{
    memset(h, 0, sizeof(*h));
}

bool r4_noise_health_feed(struct r4_noise_health *h, uint8_t sample, struct r4_status *st)
{
    h->samples++;
    if (!h->started) {
        h->started = true;
        h->rct_last = sample;
        h->rct_run = 1;
        h->apt_first = sample;
        h->apt_count = 1;
        h->apt_seen = 1;
        return true;
    }

    /* Repetition count test: a run of C identical samples means the source is stuck. */
    if (sample == h->rct_last) {
        if (++h->rct_run >= R4_RCT_CUTOFF)
            return r4_fail(st, R4_EXIT_HEALTH, "repetition_count",
                           "noise source repeated one value %u times (cutoff %d)",
                           (unsigned)h->rct_run, R4_RCT_CUTOFF);
    } else {
        h->rct_last = sample;
        h->rct_run = 1;
    }

    /* Adaptive proportion test: the window's first value may occur fewer than C times in W. */
    if (h->apt_seen == R4_APT_WINDOW) {
        h->apt_first = sample;
        h->apt_count = 1;
        h->apt_seen = 1;
        return true;
    }
    h->apt_seen++;
    if (sample == h->apt_first && ++h->apt_count >= R4_APT_CUTOFF)
        return r4_fail(st, R4_EXIT_HEALTH, "adaptive_proportion",
                       "one noise value filled %u of %d samples in a window (cutoff %d)",
                       (unsigned)h->apt_count, R4_APT_WINDOW, R4_APT_CUTOFF);
    return true;
}

void r4_output_health_init(struct r4_output_health *h)
{
    memset(h, 0, sizeof(*h));
}

bool r4_output_health_check(struct r4_output_health *h, const uint8_t *buf, size_t len,
                            struct r4_status *st)
{
    const uint8_t *prev = h->have_last ? h->last : NULL;
    for (size_t off = 0; off < len; off += R4_OUTPUT_BLOCK) {
        const uint8_t *block = buf + off;
        if (prev != NULL && memcmp(prev, block, R4_OUTPUT_BLOCK) == 0)
            return r4_fail(st, R4_EXIT_HEALTH, "continuous_output",
                           "two consecutive %d-byte output blocks were equal (block %llu)",
                           R4_OUTPUT_BLOCK, (unsigned long long)(h->blocks + off / R4_OUTPUT_BLOCK));
        prev = block;
    }
    if (len > 0) {
        memcpy(h->last, buf + len - R4_OUTPUT_BLOCK, R4_OUTPUT_BLOCK);
        h->have_last = true;
        h->blocks += len / R4_OUTPUT_BLOCK;
    }
    return true;
}
