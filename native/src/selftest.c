#include "selftest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sources.h"

extern const char r4_cavp_vectors[];

#define FIELD_MAX 64

struct field {
    uint8_t bytes[FIELD_MAX];
    size_t len;
};

/* One DRBGVS record; which steps run depends on which fields it has. */
struct kat {
    bool prediction_resistance;
    unsigned count;
    struct field entropy, nonce, pers, entropy_reseed, addin_reseed, addin[2], entropy_pr[2], expected;
    int addins, entropy_prs;
    bool has_reseed;
};

static struct r4_selftest_result *add_result(struct r4_selftest_report *r, const char *name)
{
    if (r->count == R4_SELFTEST_MAX)
        return NULL;
    struct r4_selftest_result *res = &r->tests[r->count++];
    memset(res, 0, sizeof(*res));
    snprintf(res->name, sizeof(res->name), "%s", name);
    res->pass = true;
    return res;
}

static void fail_result(struct r4_selftest_result *res, enum r4_exit code, const char *why)
{
    res->pass = false;
    res->code = code;
    snprintf(res->detail, sizeof(res->detail), "%s", why);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_hex(const char *s, size_t n, struct field *f)
{
    f->len = 0;
    if (n % 2 != 0 || n / 2 > FIELD_MAX)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        f->bytes[f->len++] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static bool set_test_entropy(EVP_RAND_CTX *test, const struct field *entropy, const struct field *nonce)
{
    OSSL_PARAM params[3];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_ENTROPY, (void *)entropy->bytes, entropy->len);
    if (nonce != NULL)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_RAND_PARAM_TEST_NONCE, (void *)nonce->bytes, nonce->len);
    params[n] = OSSL_PARAM_construct_end();
    return EVP_RAND_CTX_set_params(test, params);
}

/* Runs one record through CTR-DRBG with TEST-RAND as its parent; returns a reason on failure. */
static const char *run_kat(const struct r4_crypto *c, const struct kat *k)
{
    const char *why = NULL;
    EVP_RAND *test_alg = EVP_RAND_fetch(c->libctx, "TEST-RAND", "provider=default");
    EVP_RAND *ctr_alg = EVP_RAND_fetch(c->libctx, "CTR-DRBG", "provider=default");
    EVP_RAND_CTX *test = test_alg ? EVP_RAND_CTX_new(test_alg, NULL) : NULL;
    EVP_RAND_CTX *drbg = NULL;
    uint8_t out[FIELD_MAX];

    unsigned int strength = R4_DRBG_STRENGTH;
    OSSL_PARAM strength_params[] = { OSSL_PARAM_construct_uint(OSSL_RAND_PARAM_STRENGTH, &strength),
                                     OSSL_PARAM_construct_end() };
    if (test == NULL || !EVP_RAND_CTX_set_params(test, strength_params) || !set_test_entropy(test, &k->entropy, &k->nonce)
        || !EVP_RAND_instantiate(test, strength, 0, NULL, 0, NULL)) {
        why = "TEST-RAND parent could not be set up";
        goto done;
    }
    drbg = ctr_alg ? EVP_RAND_CTX_new(ctr_alg, test) : NULL;
    char cipher[] = "AES-256-CTR";
    int use_df = 1;
    OSSL_PARAM drbg_params[] = { OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, cipher, 0),
                                 OSSL_PARAM_construct_int(OSSL_DRBG_PARAM_USE_DF, &use_df),
                                 OSSL_PARAM_construct_end() };
    if (drbg == NULL || !EVP_RAND_CTX_set_params(drbg, drbg_params)) {
        why = "CTR-DRBG could not be created";
        goto done;
    }
    /* A NULL personalization string makes OpenSSL substitute its own; the vectors need an empty one. */
    if (!EVP_RAND_instantiate(drbg, strength, k->prediction_resistance, k->pers.bytes, k->pers.len, NULL)) {
        why = "instantiate failed";
        goto done;
    }
    if (k->has_reseed
        && (!set_test_entropy(test, &k->entropy_reseed, NULL)
            || !EVP_RAND_reseed(drbg, 0, NULL, 0, k->addin_reseed.bytes, k->addin_reseed.len))) {
        why = "reseed failed";
        goto done;
    }
    for (int i = 0; i < 2; i++) {
        if (k->prediction_resistance && !set_test_entropy(test, &k->entropy_pr[i], NULL)) {
            why = "prediction-resistance entropy could not be set";
            goto done;
        }
        if (!EVP_RAND_generate(drbg, out, k->expected.len, strength, k->prediction_resistance,
                               k->addin[i].bytes, k->addin[i].len)) {
            why = "generate failed";
            goto done;
        }
    }
    if (CRYPTO_memcmp(out, k->expected.bytes, k->expected.len) != 0)
        why = "output differs from the known answer";
done:
    OPENSSL_cleanse(out, sizeof(out));
    EVP_RAND_CTX_free(drbg);
    EVP_RAND_CTX_free(test);
    EVP_RAND_free(ctr_alg);
    EVP_RAND_free(test_alg);
    return why;
}

static void record_kat(const struct r4_crypto *c, struct kat *k, struct r4_selftest_report *r)
{
    char name[80];
    snprintf(name, sizeof(name), "ctr_drbg_aes256_df/%s/pers%zu/addin%zu/count%u",
             k->prediction_resistance ? "pr_true" : k->has_reseed ? "pr_false_reseed" : "no_reseed",
             k->pers.len * 8, k->addin[0].len * 8, k->count);
    struct r4_selftest_result *res = add_result(r, name);
    if (res == NULL)
        return;
#ifdef R4_TEST_HOOKS
    if (r4_test_fault("kat-corrupt", NULL))
        k->expected.bytes[0] ^= 1;
#endif
    const char *why = NULL;
    if (k->expected.len == 0 || k->entropy.len == 0 || k->addins != 2
        || (k->prediction_resistance && k->entropy_prs != 2))
        why = "incomplete vector record";
    else
        why = run_kat(c, k);
    if (why != NULL)
        fail_result(res, R4_EXIT_SELFTEST, why);
    r->vectors++;
}

static struct field *field_for(struct kat *k, const char *key, size_t key_len)
{
#define KEY_IS(s) (key_len == sizeof(s) - 1 && memcmp(key, s, key_len) == 0)
    if (KEY_IS("EntropyInput"))
        return &k->entropy;
    if (KEY_IS("Nonce"))
        return &k->nonce;
    if (KEY_IS("PersonalizationString"))
        return &k->pers;
    if (KEY_IS("EntropyInputReseed")) {
        k->has_reseed = true;
        return &k->entropy_reseed;
    }
    if (KEY_IS("AdditionalInputReseed"))
        return &k->addin_reseed;
    if (KEY_IS("AdditionalInput"))
        return k->addins < 2 ? &k->addin[k->addins++] : NULL;
    if (KEY_IS("EntropyInputPR"))
        return k->entropy_prs < 2 ? &k->entropy_pr[k->entropy_prs++] : NULL;
    if (KEY_IS("ReturnedBits"))
        return &k->expected;
    return NULL;
#undef KEY_IS
}

/* Walks the embedded .rsp text: section headers set the mode, "COUNT" starts a record, "ReturnedBits" ends it. */
static void run_vectors(const struct r4_crypto *c, struct r4_selftest_report *r)
{
    bool prediction_resistance = false;
    struct kat k;
    memset(&k, 0, sizeof(k));
    bool in_record = false;
    for (const char *line = r4_cavp_vectors; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *eq = memchr(line, '=', len);
        if (len > 0 && line[0] == '[') {
            if (len >= 24 && memcmp(line, "[PredictionResistance = ", 24) == 0)
                prediction_resistance = memcmp(line + 24, "True", 4) == 0;
        } else if (len > 0 && line[0] != '#' && eq != NULL) {
            size_t key_len = (size_t)(eq - line);
            while (key_len > 0 && line[key_len - 1] == ' ')
                key_len--;
            const char *value = eq + 1;
            while (value < line + len && *value == ' ')
                value++;
            size_t value_len = (size_t)(line + len - value);
            while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\r'))
                value_len--;
            if (key_len == 5 && memcmp(line, "COUNT", 5) == 0) {
                memset(&k, 0, sizeof(k));
                k.prediction_resistance = prediction_resistance;
                k.count = (unsigned)strtoul(value, NULL, 10);
                in_record = true;
            } else if (in_record) {
                struct field *f = field_for(&k, line, key_len);
                bool is_result = f == &k.expected;
                if (f == NULL || !parse_hex(value, value_len, f)) {
                    k.expected.len = 0; /* malformed: record_kat reports it as incomplete */
                    is_result = true;
                }
                if (is_result) {
                    record_kat(c, &k, r);
                    in_record = false;
                }
            }
        }
        line += len + (end ? 1 : 0);
    }
    OPENSSL_cleanse(&k, sizeof(k));
}

static void run_noise_startup(struct r4_selftest_report *r)
{
    struct r4_selftest_result *res = add_result(r, "noise_startup_health");
    if (res == NULL)
        return;
    struct r4_noise_health h;
    struct r4_status st = { 0 };
    uint8_t samples[R4_STARTUP_SAMPLES];
    r4_noise_health_init(&h);
    if (!r4_noise_collect(&h, samples, sizeof(samples), &st))
        fail_result(res, st.code, st.detail);
    OPENSSL_cleanse(samples, sizeof(samples));
}

static void run_drbg_start(const struct r4_crypto *c, struct r4_selftest_report *r)
{
    struct r4_selftest_result *res = add_result(r, "drbg_instantiate_generate");
    if (res == NULL)
        return;
    struct r4_drbg d;
    struct r4_status st = { 0 };
    uint8_t out[64];
    if (!r4_drbg_open(&d, c, false, &st) || !r4_drbg_generate(&d, out, sizeof(out), &st))
        fail_result(res, st.code, st.detail);
    OPENSSL_cleanse(out, sizeof(out));
    r4_drbg_close(&d);
}

bool r4_selftest_run(const struct r4_crypto *c, struct r4_selftest_report *report, struct r4_status *st)
{
    memset(report, 0, sizeof(*report));
    run_vectors(c, report);
    run_noise_startup(report);
    run_drbg_start(c, report);
    report->pass = report->vectors > 0;
    for (size_t i = 0; i < report->count; i++)
        report->pass = report->pass && report->tests[i].pass;
    if (report->pass)
        return true;
    for (size_t i = 0; i < report->count; i++) {
        const struct r4_selftest_result *t = &report->tests[i];
        if (!t->pass)
            return r4_fail(st, t->code, t->name, "power-on self-test %s failed: %s", t->name, t->detail);
    }
    return r4_fail(st, R4_EXIT_SELFTEST, "vectors", "no known-answer vectors were found");
}
