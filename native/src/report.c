#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#ifndef R4_VERSION
#define R4_VERSION "0.0.0"
#endif
#ifndef R4_BUILD_FLAGS
#define R4_BUILD_FLAGS ""
#endif
#ifndef R4_SANITIZERS
#define R4_SANITIZERS "none"
#endif

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_field(FILE *out, const char *key, const char *value, bool comma)
{
    json_string(out, key);
    fputc(':', out);
    json_string(out, value);
    if (comma)
        fputc(',', out);
}

void r4_report_version(FILE *out)
{
#ifdef R4_TEST_HOOKS
    const char *hooks = "true";
#else
    const char *hooks = "false";
#endif
    fputc('{', out);
    json_field(out, "name", "re4_dump", true);
    json_field(out, "version", R4_VERSION, true);
    /* No git revision: the core's bytes are its identity and must not change with a commit that leaves its
     * sources alone. The revision is in the manifest (build/manifest.json, "git"). */
    json_field(out, "openssl", OpenSSL_version(OPENSSL_VERSION), true);
    json_field(out, "drbg", "NIST SP 800-90A CTR_DRBG AES-256 with derivation function", true);
    fprintf(out, "\"reseed_policy\":{\"max_generate_calls\":%llu,\"max_bytes\":%llu,\"max_seconds\":%d},",
            R4_RESEED_MAX_CALLS, R4_RESEED_MAX_BYTES, R4_RESEED_MAX_SECONDS);
    fprintf(out, "\"max_request_bytes\":%u,", R4_MAX_REQUEST);
    fputs("\"build\":{", out);
    json_field(out, "compiler", "gcc " __VERSION__, true);
    json_field(out, "flags", R4_BUILD_FLAGS, true);
    json_field(out, "libcrypto", "static", true);
    json_field(out, "sanitizers", R4_SANITIZERS, false);
    fprintf(out, ",\"test_hooks\":%s}}\n", hooks);
}

void r4_report_selftest(FILE *out, const struct r4_selftest_report *report)
{
    fprintf(out, "{\"selftest\":\"%s\",\"vectors\":%zu,\"tests\":[", report->pass ? "pass" : "fail", report->vectors);
    for (size_t i = 0; i < report->count; i++) {
        const struct r4_selftest_result *t = &report->tests[i];
        fputc('{', out);
        json_field(out, "name", t->name, true);
        json_field(out, "result", t->pass ? "pass" : "fail", !t->pass);
        if (!t->pass)
            json_field(out, "detail", t->detail, false);
        fputc('}', out);
        if (i + 1 < report->count)
            fputc(',', out);
    }
    fputs("],", out);
    json_field(out, "openssl", OpenSSL_version(OPENSSL_VERSION), false);
    fputs("}\n", out);
}

void r4_report_error(FILE *out, const struct r4_status *st)
{
    fputc('{', out);
    json_field(out, "error", r4_exit_kind(st->code), true);
    json_field(out, "test", st->test ? st->test : "unknown", true);
    json_field(out, "detail", st->detail, true);
    fprintf(out, "\"exit_code\":%d}\n", (int)st->code);
    fflush(out);
}

bool r4_report_status(int fd, const char *event, const struct r4_drbg *d)
{
    char line[512];
    const struct r4_drbg_stats *s = &d->stats;
    int n = snprintf(line, sizeof(line),
                     "{\"event\":\"%s\",\"reseeds\":%llu,\"generate_calls\":%llu,\"bytes\":%llu,"
                     "\"noise_samples\":%llu,\"rdseed\":%s,\"rdseed_words\":%llu,\"prediction_resistance\":%s}\n",
                     event, s->reseeds, s->generate_calls, s->bytes, s->noise_samples, s->rdseed ? "true" : "false",
                     s->rdseed_words, d->prediction_resistance ? "true" : "false");
    if (n < 0 || (size_t)n >= sizeof(line))
        return true;
    ssize_t w;
    do {
        w = write(fd, line, (size_t)n);
    } while (w < 0 && errno == EINTR);
    return w == n;
}
