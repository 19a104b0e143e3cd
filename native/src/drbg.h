/*
 * The core's DRBG: NIST SP 800-90A CTR_DRBG with AES-256 and the derivation function, implemented by
 * OpenSSL 3's EVP_RAND "CTR-DRBG", seeded by the R4-SEED provider (getrandom), with r4's reseed policy
 * and the continuous output test applied to every byte it returns.
 *
 * Reseed policy (SP 800-90A Table 3 allows 2^48 requests between reseeds for CTR_DRBG; we stay far
 * inside it): fresh kernel entropy plus new additional input (RDSEED, health-tested jitter) after
 * 2^16 generate calls, 1 GiB of output or 60 seconds, whichever comes first. OpenSSL's own counters
 * are set to a backstop just past ours, so the policy is decided here and nowhere by default.
 */
#ifndef R4_DRBG_H
#define R4_DRBG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

#include "health.h"
#include "status.h"

/* SP 800-90A 10.2.1: at most 2^19 bits (64 KiB) per CTR_DRBG request. */
#define R4_MAX_REQUEST (64u * 1024u)
#define R4_RESEED_MAX_CALLS (1ull << 16)
#define R4_RESEED_MAX_BYTES (1ull << 30)
#define R4_RESEED_MAX_SECONDS 60
#define R4_DRBG_STRENGTH 256

struct r4_crypto {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *default_provider;
    OSSL_PROVIDER *seed_provider;
};

struct r4_drbg_stats {
    unsigned long long reseeds;        /* explicit and prediction-resistance reseeds */
    unsigned long long generate_calls;
    unsigned long long bytes;
    unsigned long long noise_samples;
    unsigned long long rdseed_words;
    bool rdseed;
};

struct r4_drbg {
    EVP_RAND_CTX *seed;
    EVP_RAND_CTX *ctr;
    bool prediction_resistance;
    unsigned long long calls_since_reseed;
    unsigned long long bytes_since_reseed;
    struct timespec last_reseed;
    struct r4_noise_health noise;
    struct r4_output_health output;
    struct r4_drbg_stats stats;
};

/* OpenSSL without configuration files, a secure heap, and a library context with our providers. */
bool r4_crypto_open(struct r4_crypto *c, struct r4_status *st);
void r4_crypto_close(struct r4_crypto *c);

/* Instantiates the DRBG; the start-up noise samples (>= 1024) become the personalization string. */
bool r4_drbg_open(struct r4_drbg *d, const struct r4_crypto *c, bool prediction_resistance,
                  struct r4_status *st);
/* Fills out (len <= R4_MAX_REQUEST, a multiple of R4_OUTPUT_BLOCK) with tested output. */
bool r4_drbg_generate(struct r4_drbg *d, uint8_t *out, size_t len, struct r4_status *st);
/* Uninstantiates (OpenSSL zeroizes the state) and frees. */
void r4_drbg_close(struct r4_drbg *d);

#endif
