#include "sources.h"

#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include <x86intrin.h>
#endif

#ifdef R4_TEST_HOOKS
#include <stdio.h>
#include <stdlib.h>
#endif

bool r4_kernel_entropy(uint8_t *buf, size_t len, struct r4_status *st)
{
#ifdef R4_TEST_HOOKS
    if (r4_test_fault("getrandom-fail", NULL))
        return r4_fail(st, R4_EXIT_ENTROPY, "getrandom",
                       "getrandom failed: injected fault");
#endif
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return r4_fail(st, R4_EXIT_ENTROPY, "getrandom",
                           "getrandom failed: %s", strerror(errno));
        }
        done += (size_t)n;
    }
    return true;
}

bool r4_rdseed_available(void)
{
#if defined(__x86_64__)
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
        return false;
    return (ebx & bit_RDSEED) != 0;
#else
    return false;
#endif
}

#if defined(__x86_64__)
__attribute__((target("rdseed")))
static size_t rdseed_words(uint64_t *out, size_t words)
{
    /* Intel's guidance: RDSEED may fail transiently under contention; retry a bounded number of times. */
    enum { RETRIES = 128 };
    size_t got = 0;
    for (size_t i = 0; i < words; i++) {
        unsigned long long v;
        int ok = 0;
        for (int r = 0; r < RETRIES && !ok; r++) {
            ok = _rdseed64_step(&v);
            if (!ok)
                _mm_pause();
        }
        if (!ok)
            break;
        out[got++] = v;
    }
    return got;
}
#endif

size_t r4_rdseed(uint64_t *out, size_t words)
{
#if defined(__x86_64__)
    if (!r4_rdseed_available())
        return 0;
    return rdseed_words(out, words);
#else
    (void)out;
    (void)words;
    return 0;
#endif
}

static uint64_t cycle_counter(void)
{
#if defined(__x86_64__)
    return __rdtsc();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/*
 * One raw sample: the low 8 bits of the time a short walk over a 16 MiB table takes. The table is far
 * larger than what the TLB covers and is kept off huge pages, so most steps miss the TLB and often the
 * caches; page walks and memory latency make the duration vary. (A walk over a small, cache-resident
 * table proved nearly deterministic on virtual machines whose TSC advances in coarse steps: one value
 * repeated over 50 times in a row.)
 *
 * Every sample must see the same kind of walk, wherever it falls after a start, or SP 800-90B's restart
 * test finds columns where most restarts give one value (it did: 761 of 1,000 at one sample index):
 *  - the addresses come from the top bits of a 64-bit LCG, whose periods are long (the low bits of a
 *    32-bit LCG repeat within a few dozen steps, so some walks hit only lines just cached), started
 *    where the counter stands when the table is mapped: a walk that began at the same place after every
 *    start would meet the same TLB hits at the same sample index (up to 234 of 1,000 restarts gave
 *    one value at one index, against 57 expected). No entropy is credited to that starting point;
 *  - the table is populated when it is mapped, so no walk takes a first-touch page fault;
 *  - the first samples after the table is mapped are discarded, and the first delta is taken from a
 *    reading made there, not from zero.
 * Measured here: most common value about 9% of samples, about 0.2 us per sample; across 1,000 restarts
 * no sample index gave one value more than 102 times (SP 800-90B's cutoff: 769).
 */
#define JITTER_TABLE (16u << 20)
#define JITTER_STEPS 16
#define JITTER_WARMUP 64

static volatile uint8_t *jitter_table;
static uint64_t jitter_previous; /* the counter at the end of the last sample */
static uint64_t jitter_index;    /* the walk's position */

static uint8_t jitter_sample(void)
{
    for (int i = 0; i < JITTER_STEPS; i++) {
        /* walk order only, no randomness is claimed: Knuth's MMIX LCG, top bits */
        jitter_index = jitter_index * 6364136223846793005u + 1442695040888963407u;
        jitter_table[(jitter_index >> 40) & (JITTER_TABLE - 1)]++;
    }
    uint64_t now = cycle_counter();
    uint8_t sample = (uint8_t)(now - jitter_previous);
    jitter_previous = now;
    return sample;
}

static bool jitter_open(struct r4_status *st)
{
    if (jitter_table != NULL)
        return true;
    void *p = mmap(NULL, JITTER_TABLE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return r4_fail(st, R4_EXIT_ENTROPY, "noise_source", "could not map the %u MiB jitter table: %s",
                       JITTER_TABLE >> 20, strerror(errno));
    madvise(p, JITTER_TABLE, MADV_NOHUGEPAGE);
    jitter_table = p;
    for (size_t i = 0; i < JITTER_TABLE; i += 4096)
        jitter_table[i] = 0;
    jitter_previous = cycle_counter();
    jitter_index = jitter_previous;
    for (int i = 0; i < JITTER_WARMUP; i++)
        (void)jitter_sample();
    return true;
}

void r4_sources_close(void)
{
    if (jitter_table != NULL)
        munmap((void *)jitter_table, JITTER_TABLE);
    jitter_table = NULL;
}

#ifdef R4_DIAGNOSTICS
/* Diagnostic builds only: the raw samples exactly as the health tests see them, for SP 800-90B's tools. */
bool r4_noise_raw(uint8_t *out, size_t n, struct r4_status *st)
{
    if (!jitter_open(st))
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = jitter_sample();
    return true;
}
#endif

#ifdef R4_TEST_HOOKS
/*
 * R4_TEST_FAULT=name[:N] selects one fault for the test build:
 *   noise-stuck            every noise sample is 0x5a (trips the repetition count test)
 *   noise-biased           15 of every 16 samples are 0x5a (trips the adaptive proportion test)
 *   noise-stuck-after:N    the noise source sticks after N good samples
 *   output-repeat-after:N  the DRBG output repeats a block once N bytes were produced
 *   kat-corrupt            one expected known-answer bit is flipped
 *   getrandom-fail         the kernel source reports an error
 */
static char fault_name[64];
static unsigned long long fault_arg;

void r4_test_hooks_init(void)
{
    const char *spec = getenv("R4_TEST_FAULT");
    if (spec == NULL)
        return;
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n >= sizeof(fault_name))
        n = sizeof(fault_name) - 1;
    memcpy(fault_name, spec, n);
    fault_name[n] = '\0';
    fault_arg = colon ? strtoull(colon + 1, NULL, 10) : 0;
}

bool r4_test_fault(const char *name, unsigned long long *arg)
{
    if (strcmp(fault_name, name) != 0)
        return false;
    if (arg != NULL)
        *arg = fault_arg;
    return true;
}

static uint8_t injected_sample(uint64_t index)
{
    static uint32_t lcg = 1;
    unsigned long long after;
    if (r4_test_fault("noise-stuck", NULL))
        return 0x5a;
    if (r4_test_fault("noise-stuck-after", &after) && index >= after)
        return 0x5a;
    if (r4_test_fault("noise-biased", NULL)) {
        /* 15 of 16 samples are one value, but never 61 in a row: only the proportion test can see it. */
        lcg = lcg * 1103515245u + 12345u;
        return index % 16 != 15 ? 0x5a : (uint8_t)(0x5b + (lcg >> 24) % 128);
    }
    return jitter_sample();
}
#endif

bool r4_noise_collect(struct r4_noise_health *h, uint8_t *out, size_t n, struct r4_status *st)
{
    if (!jitter_open(st))
        return false;
    for (size_t i = 0; i < n; i++) {
#ifdef R4_TEST_HOOKS
        out[i] = injected_sample(h->samples);
#else
        out[i] = jitter_sample();
#endif
        if (!r4_noise_health_feed(h, out[i], st))
            return false;
    }
    return true;
}
