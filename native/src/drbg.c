#include "drbg.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "seed_provider.h"
#include "sources.h"

/* Secure heap for OpenSSL's DRBG state and our seeds: mlock'ed, MADV_DONTDUMP, guard pages. */
#define SECURE_HEAP_BYTES (64 * 1024)
#define SECURE_HEAP_MIN 16

/* Additional input per reseed: one start-up-sized batch of noise plus a few RDSEED words. */
#define ADDIN_NOISE R4_STARTUP_SAMPLES
#define ADDIN_RDSEED_WORDS 4

static bool openssl_failed(struct r4_status *st, const char *step)
{
    const struct r4_status *seed = r4_seed_provider_failure();
    if (seed->code != R4_EXIT_OK) /* the seed source knows the real reason */
        return r4_fail(st, seed->code, seed->test, "%s", seed->detail);
    char reason[128] = "no OpenSSL error recorded";
    unsigned long e = ERR_get_error();
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return r4_fail(st, R4_EXIT_DRBG, step, "OpenSSL %s failed: %s", step, reason);
}

bool r4_crypto_open(struct r4_crypto *c, struct r4_status *st)
{
    memset(c, 0, sizeof(*c));
    /* The core's behaviour must not depend on a host's openssl.cnf or OPENSSL_CONF. */
    if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL))
        return openssl_failed(st, "init");
    if (!CRYPTO_secure_malloc_initialized() && CRYPTO_secure_malloc_init(SECURE_HEAP_BYTES, SECURE_HEAP_MIN) == 0)
        return openssl_failed(st, "secure_heap");
    c->libctx = OSSL_LIB_CTX_new();
    if (c->libctx == NULL)
        return openssl_failed(st, "libctx");
    c->default_provider = OSSL_PROVIDER_load(c->libctx, "default");
    if (c->default_provider == NULL)
        return openssl_failed(st, "default_provider");
    c->seed_provider = r4_seed_provider_load(c->libctx);
    if (c->seed_provider == NULL)
        return openssl_failed(st, "seed_provider");
    return true;
}

void r4_crypto_close(struct r4_crypto *c)
{
    if (c->seed_provider != NULL)
        OSSL_PROVIDER_unload(c->seed_provider);
    if (c->default_provider != NULL)
        OSSL_PROVIDER_unload(c->default_provider);
    OSSL_LIB_CTX_free(c->libctx);
    memset(c, 0, sizeof(*c));
    CRYPTO_secure_malloc_done();
}

static void now(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

/* Gathers additional input into addin; returns its length, 0 on a health-test failure. */
static size_t gather_addin(struct r4_drbg *d, uint8_t *addin, struct r4_status *st)
{
    if (!r4_noise_collect(&d->noise, addin, ADDIN_NOISE, st))
        return 0;
    d->stats.noise_samples += ADDIN_NOISE;
    size_t len = ADDIN_NOISE;
    if (d->stats.rdseed) {
        uint64_t words[ADDIN_RDSEED_WORDS];
        size_t got = r4_rdseed(words, ADDIN_RDSEED_WORDS);
        memcpy(addin + len, words, got * sizeof(uint64_t));
        OPENSSL_cleanse(words, sizeof(words));
        len += got * sizeof(uint64_t);
        d->stats.rdseed_words += got;
    }
    return len;
}

enum { ADDIN_MAX = ADDIN_NOISE + ADDIN_RDSEED_WORDS * sizeof(uint64_t) };

static bool configure(EVP_RAND_CTX *ctr, struct r4_status *st)
{
    char cipher[] = "AES-256-CTR";
    int use_df = 1;
    unsigned int reseed_requests = (unsigned int)R4_RESEED_MAX_CALLS + 2; /* backstop, see drbg.h */
    time_t reseed_seconds = R4_RESEED_MAX_SECONDS + 1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_DRBG_PARAM_CIPHER, cipher, 0),
        OSSL_PARAM_construct_int(OSSL_DRBG_PARAM_USE_DF, &use_df),
        OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_REQUESTS, &reseed_requests),
        OSSL_PARAM_construct_time_t(OSSL_DRBG_PARAM_RESEED_TIME_INTERVAL, &reseed_seconds),
        OSSL_PARAM_construct_end(),
    };
    return EVP_RAND_CTX_set_params(ctr, params) || openssl_failed(st, "configure");
}

bool r4_drbg_open(struct r4_drbg *d, const struct r4_crypto *c, bool prediction_resistance,
                  struct r4_status *st)
{
    memset(d, 0, sizeof(*d));
    d->prediction_resistance = prediction_resistance;
    d->stats.rdseed = r4_rdseed_available();
    r4_noise_health_init(&d->noise);
    r4_output_health_init(&d->output);

    EVP_RAND *seed_alg = EVP_RAND_fetch(c->libctx, R4_SEED_ALGORITHM, R4_SEED_PROPERTIES);
    if (seed_alg == NULL)
        return openssl_failed(st, "fetch_seed");
    d->seed = EVP_RAND_CTX_new(seed_alg, NULL);
    EVP_RAND_free(seed_alg);
    if (d->seed == NULL || !EVP_RAND_instantiate(d->seed, R4_DRBG_STRENGTH, 0, NULL, 0, NULL))
        return openssl_failed(st, "instantiate_seed");

    EVP_RAND *ctr_alg = EVP_RAND_fetch(c->libctx, "CTR-DRBG", "provider=default");
    if (ctr_alg == NULL)
        return openssl_failed(st, "fetch_ctr_drbg");
    d->ctr = EVP_RAND_CTX_new(ctr_alg, d->seed);
    EVP_RAND_free(ctr_alg);
    if (d->ctr == NULL)
        return openssl_failed(st, "new_ctr_drbg");
    if (!configure(d->ctr, st))
        return false;

    /* SP 800-90B 4.3: the start-up health tests run over the first batch before anything is used. */
    uint8_t pers[ADDIN_MAX];
    size_t pers_len = gather_addin(d, pers, st);
    if (pers_len == 0)
        return false;
    int ok = EVP_RAND_instantiate(d->ctr, R4_DRBG_STRENGTH, prediction_resistance, pers, pers_len, NULL);
    OPENSSL_cleanse(pers, sizeof(pers));
    if (!ok)
        return openssl_failed(st, "instantiate");
    now(&d->last_reseed);
    return true;
}

static bool reseed_due(const struct r4_drbg *d)
{
    if (d->calls_since_reseed >= R4_RESEED_MAX_CALLS || d->bytes_since_reseed >= R4_RESEED_MAX_BYTES)
        return true;
    struct timespec t;
    now(&t);
    return t.tv_sec - d->last_reseed.tv_sec >= R4_RESEED_MAX_SECONDS;
}

static void mark_reseeded(struct r4_drbg *d)
{
    d->calls_since_reseed = 0;
    d->bytes_since_reseed = 0;
    d->stats.reseeds++;
    now(&d->last_reseed);
}

#ifdef R4_TEST_HOOKS
static void inject_output_fault(struct r4_drbg *d, uint8_t *out, size_t len)
{
    unsigned long long after;
    if (len >= 2 * R4_OUTPUT_BLOCK && r4_test_fault("output-repeat-after", &after) && d->stats.bytes >= after)
        memcpy(out + R4_OUTPUT_BLOCK, out, R4_OUTPUT_BLOCK);
}
#endif

bool r4_drbg_generate(struct r4_drbg *d, uint8_t *out, size_t len, struct r4_status *st)
{
    if (len > R4_MAX_REQUEST || len % R4_OUTPUT_BLOCK != 0)
        return r4_fail(st, R4_EXIT_DRBG, "generate", "request of %zu bytes is not allowed", len);

    uint8_t addin[ADDIN_MAX];
    size_t addin_len = 0;
    if (d->prediction_resistance || reseed_due(d)) {
        addin_len = gather_addin(d, addin, st);
        if (addin_len == 0)
            return false;
    }
    int ok = 1;
    if (d->prediction_resistance) {
        /* OpenSSL reseeds from R4-SEED inside this call and mixes addin into that reseed. */
        ok = EVP_RAND_generate(d->ctr, out, len, R4_DRBG_STRENGTH, 1, addin, addin_len);
        if (ok)
            mark_reseeded(d);
    } else {
        if (addin_len > 0) {
            ok = EVP_RAND_reseed(d->ctr, 0, NULL, 0, addin, addin_len);
            if (ok)
                mark_reseeded(d);
        }
        ok = ok && EVP_RAND_generate(d->ctr, out, len, R4_DRBG_STRENGTH, 0, NULL, 0);
    }
    OPENSSL_cleanse(addin, addin_len);
    if (!ok)
        return openssl_failed(st, addin_len > 0 && !d->prediction_resistance ? "reseed" : "generate");

#ifdef R4_TEST_HOOKS
    inject_output_fault(d, out, len);
#endif
    d->calls_since_reseed++;
    d->bytes_since_reseed += len;
    d->stats.generate_calls++;
    d->stats.bytes += len;
    if (!r4_output_health_check(&d->output, out, len, st)) {
        OPENSSL_cleanse(out, len);
        return false;
    }
    return true;
}

void r4_drbg_close(struct r4_drbg *d)
{
    if (d->ctr != NULL) {
        EVP_RAND_uninstantiate(d->ctr);
        EVP_RAND_CTX_free(d->ctr);
    }
    if (d->seed != NULL) {
        EVP_RAND_uninstantiate(d->seed);
        EVP_RAND_CTX_free(d->seed);
    }
    OPENSSL_cleanse(d, sizeof(*d));
}
