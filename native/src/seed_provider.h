/*
 * An OpenSSL provider with one RAND algorithm, "R4-SEED": the kernel's getrandom() presented as the
 * parent (seed source) of the CTR_DRBG, the way OpenSSL's own SEED-SRC is. Owning the parent lets the
 * core state exactly what seeds the DRBG: 384 bits of full-entropy input per (re)seed and a 128-bit
 * random nonce, where SEED-SRC would hand over only the DRBG's 256-bit strength.
 */
#ifndef R4_SEED_PROVIDER_H
#define R4_SEED_PROVIDER_H

#include <openssl/types.h>

#include "status.h"

#define R4_SEED_PROVIDER_NAME "r4-seed"
#define R4_SEED_ALGORITHM "R4-SEED"
#define R4_SEED_PROPERTIES "provider=r4-seed"

/* Bytes of kernel entropy per instantiate or reseed: 384 bits = 1.5 x the 256-bit strength. */
#define R4_SEED_ENTROPY_BYTES 48
#define R4_SEED_NONCE_BYTES 16

/* Registers and loads the provider into libctx; NULL on failure. */
OSSL_PROVIDER *r4_seed_provider_load(OSSL_LIB_CTX *libctx);

/* Why the last seed request failed, if it did (OpenSSL only sees "no entropy"). */
const struct r4_status *r4_seed_provider_failure(void);

/* How many seed requests the DRBG made (instantiate + reseeds). */
unsigned long long r4_seed_provider_requests(void);

#endif
