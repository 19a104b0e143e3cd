/* re4_dump: command-line parsing and the output loop. Everything that decides randomness lives elsewhere. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "drbg.h"
#include "report.h"
#include "selftest.h"
#include "sources.h"
#include "status.h"

/* 16 DRBG requests per write keeps syscalls rare; 1 MiB stays far below the 8 MiB default RLIMIT_MEMLOCK. */
#define OUTPUT_BUFFER (16u * R4_MAX_REQUEST)
#define STATUS_MIN_INTERVAL_S 1

static const char USAGE[] =
    "usage: re4_dump [-n BYTES] [--hex] [--prediction-resistance] [--status-fd FD]\n"
    "       re4_dump --selftest | --version | --help\n"
    "Streams NIST SP 800-90A CTR_DRBG (AES-256) output to stdout until stdout closes.\n"
    "  -n BYTES                 write exactly BYTES random bytes, then exit\n"
    "  --hex                    write lowercase hex, two digits per byte (a newline ends -n output)\n"
    "  --prediction-resistance  reseed from the kernel before every 64 KiB request\n"
    "  --status-fd FD           write JSON status lines (reseeds, counters) to descriptor FD\n"
    "  --selftest               run the power-on self-tests, print one JSON line, exit 0 only on pass\n"
    "  --version                print one JSON line describing this build\n"
    "Exit codes: 0 ok, 2 usage, 3 self-test failed, 4 health test failed, 5 entropy source failed,\n"
    "            6 DRBG failed, 7 output failed. On 3-7 one JSON line on stderr says why.\n";

#ifdef R4_DIAGNOSTICS
static const char DIAGNOSTIC_USAGE[] =
    "Diagnostic build (never the release):\n"
    "  --raw-jitter N           write N raw jitter samples, one byte each (the low 8 bits of a timing\n"
    "                           delta), not health-tested, for SP 800-90B's ea_non_iid and ea_restart\n";
#endif

enum mode {
    MODE_STREAM,
    MODE_SELFTEST,
    MODE_VERSION,
    MODE_HELP,
#ifdef R4_DIAGNOSTICS
    MODE_RAW_JITTER,
#endif
};

struct options {
    enum mode mode;
    bool limited;
    unsigned long long bytes;
    bool hex;
    bool prediction_resistance;
    int status_fd;
#ifdef R4_DIAGNOSTICS
    unsigned long long raw_samples;
#endif
};

static int usage_error(const char *why, const char *arg)
{
    fprintf(stderr, "re4_dump: %s '%s'\n%s", why, arg, USAGE);
    return R4_EXIT_USAGE;
}

/* Decimal digits only: no sign, no spaces, no suffixes, no overflow. */
static bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
    if (*s == '\0')
        return false;
    unsigned long long v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned digit = (unsigned)(*p - '0');
        if (v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->status_fd = -1;
    bool mode_set = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        enum mode m = MODE_STREAM;
        if (strcmp(a, "-n") == 0) {
            if (i + 1 >= argc)
                return usage_error("a byte count must follow", a);
            if (!parse_count(argv[++i], (unsigned long long)LLONG_MAX, &o->bytes))
                return usage_error("not a byte count (decimal digits only):", argv[i]);
            o->limited = true;
            continue;
        } else if (strcmp(a, "--status-fd") == 0) {
            unsigned long long fd;
            if (i + 1 >= argc)
                return usage_error("a file descriptor must follow", a);
            if (!parse_count(argv[++i], INT_MAX, &fd) || fd < 3)
                return usage_error("not a file descriptor above 2:", argv[i]);
            o->status_fd = (int)fd;
            continue;
        } else if (strcmp(a, "--hex") == 0) {
            o->hex = true;
            continue;
        } else if (strcmp(a, "--prediction-resistance") == 0) {
            o->prediction_resistance = true;
            continue;
        } else if (strcmp(a, "--selftest") == 0) {
            m = MODE_SELFTEST;
        } else if (strcmp(a, "--version") == 0) {
            m = MODE_VERSION;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            m = MODE_HELP;
#ifdef R4_DIAGNOSTICS
        } else if (strcmp(a, "--raw-jitter") == 0) {
            if (i + 1 >= argc)
                return usage_error("a sample count must follow", a);
            if (!parse_count(argv[++i], (unsigned long long)LLONG_MAX, &o->raw_samples))
                return usage_error("not a sample count (decimal digits only):", argv[i]);
            m = MODE_RAW_JITTER;
#endif
        } else {
            return usage_error("unknown argument", a);
        }
        if (mode_set)
            return usage_error("only one of --selftest, --version, --help may be given; extra:", a);
        mode_set = true;
        o->mode = m;
    }
    if (o->mode != MODE_STREAM && (o->limited || o->hex || o->prediction_resistance || o->status_fd >= 0))
        return usage_error("-n, --hex, --prediction-resistance and --status-fd go only with streaming, not with", argv[0]);
    return R4_EXIT_OK;
}

/* No core dumps of key material; a closed stdout is reported by write(), not by a signal. */
static void harden_process(void)
{
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
}

/* Writes all of buf; false with st set on failure, or with *closed set when the reader went away. */
static bool write_all(const uint8_t *buf, size_t len, bool *closed, struct r4_status *st)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE) {
                *closed = true;
                return false;
            }
            return r4_fail(st, R4_EXIT_OUTPUT, "write", "writing to stdout failed: %s",
                           strerror(errno));
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static void to_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

/* Output memory: kept out of core dumps and, where the memlock limit allows, out of swap. */
static uint8_t *map_buffer(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, len, MADV_DONTDUMP);
    mlock(p, len);
    return p;
}

static void unmap_buffer(void *p, size_t len)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, len);
    munlock(p, len);
    munmap(p, len);
}

static void maybe_status(const struct options *o, const struct r4_drbg *d, unsigned long long *reported_reseeds,
                         time_t *last)
{
    if (o->status_fd < 0 || d->stats.reseeds == *reported_reseeds)
        return;
    time_t t = time(NULL);
    if (t - *last < STATUS_MIN_INTERVAL_S)
        return;
    *reported_reseeds = d->stats.reseeds;
    *last = t;
    r4_report_status(o->status_fd, "reseed", d);
}

/* Generates and writes until the count is reached or stdout closes. Only tested bytes are written. */
static bool stream(const struct options *o, struct r4_drbg *d, struct r4_status *st)
{
    bool ok = true, closed = false;
    uint8_t *raw = map_buffer(OUTPUT_BUFFER);
    char *hex = o->hex ? (char *)map_buffer(2 * OUTPUT_BUFFER) : NULL;
    if (raw == NULL || (o->hex && hex == NULL)) {
        unmap_buffer(raw, OUTPUT_BUFFER);
        return r4_fail(st, R4_EXIT_OUTPUT, "buffer", "could not map the output buffer");
    }
    unsigned long long remaining = o->bytes, reported = d->stats.reseeds;
    time_t last_status = 0;
    if (o->status_fd >= 0)
        r4_report_status(o->status_fd, "ready", d);

    while (ok && (!o->limited || remaining > 0)) {
        size_t want = OUTPUT_BUFFER;
        if (o->limited && remaining < want)
            want = (size_t)remaining;
        size_t filled = 0;
        while (ok && filled < want) {
            size_t chunk = want - filled < R4_MAX_REQUEST ? want - filled : R4_MAX_REQUEST;
            size_t request = (chunk + R4_OUTPUT_BLOCK - 1) / R4_OUTPUT_BLOCK * R4_OUTPUT_BLOCK;
            ok = r4_drbg_generate(d, raw + filled, request, st);
            filled += chunk;
        }
        if (!ok)
            break; /* nothing of this buffer was written: no output after a failure */
        ok = o->hex ? (to_hex(raw, want, hex), write_all((uint8_t *)hex, 2 * want, &closed, st))
                    : write_all(raw, want, &closed, st);
        remaining -= o->limited ? want : 0;
        maybe_status(o, d, &reported, &last_status);
    }
    if (ok && o->hex && o->limited)
        ok = write_all((const uint8_t *)"\n", 1, &closed, st);
    unmap_buffer(raw, OUTPUT_BUFFER);
    if (hex != NULL)
        unmap_buffer(hex, 2 * OUTPUT_BUFFER);
    return ok || closed;
}

#ifdef R4_DIAGNOSTICS
/* Writes o->raw_samples raw noise samples; the source is sampled as fast as in the release's reseeds. */
static bool stream_raw_jitter(const struct options *o, struct r4_status *st)
{
    uint8_t buf[65536];
    bool closed = false;
    unsigned long long remaining = o->raw_samples;
    while (remaining > 0) {
        size_t want = remaining < sizeof(buf) ? (size_t)remaining : sizeof(buf);
        if (!r4_noise_raw(buf, want, st))
            return false;
        if (!write_all(buf, want, &closed, st))
            return closed;
        remaining -= want;
    }
    return true;
}
#endif

int main(int argc, char **argv)
{
    harden_process();
#ifdef R4_TEST_HOOKS
    r4_test_hooks_init();
#endif
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != R4_EXIT_OK)
        return rc;
    if (o.mode == MODE_HELP) {
        fputs(USAGE, stdout);
#ifdef R4_DIAGNOSTICS
        fputs(DIAGNOSTIC_USAGE, stdout);
#endif
        return R4_EXIT_OK;
    }
    if (o.mode == MODE_VERSION) {
        r4_report_version(stdout);
        return R4_EXIT_OK;
    }

    struct r4_status st = { 0 };
#ifdef R4_DIAGNOSTICS
    if (o.mode == MODE_RAW_JITTER) {
        bool raw_ok = stream_raw_jitter(&o, &st);
        r4_sources_close();
        if (!raw_ok) {
            r4_report_error(stderr, &st);
            return st.code;
        }
        return R4_EXIT_OK;
    }
#endif
    struct r4_crypto crypto;
    struct r4_selftest_report report;
    struct r4_drbg drbg;
    memset(&drbg, 0, sizeof(drbg));
    bool ok = r4_crypto_open(&crypto, &st);
    if (ok) {
        /* Power-on self-tests always run before the first output byte. */
        ok = r4_selftest_run(&crypto, &report, &st);
        if (o.mode == MODE_SELFTEST)
            r4_report_selftest(stdout, &report);
    }
    if (ok && o.mode == MODE_STREAM)
        ok = r4_drbg_open(&drbg, &crypto, o.prediction_resistance, &st) && stream(&o, &drbg, &st);

    r4_drbg_close(&drbg);
    r4_crypto_close(&crypto);
    r4_sources_close();
    if (fflush(stdout) != 0 && errno != EPIPE && ok)
        ok = r4_fail(&st, R4_EXIT_OUTPUT, "flush", "flushing stdout failed: %s", strerror(errno));
    if (!ok && st.code != R4_EXIT_OK) {
        r4_report_error(stderr, &st);
        return st.code;
    }
    return R4_EXIT_OK;
}
