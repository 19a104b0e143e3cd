#include "seed_provider.h"

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "sources.h"

/* Matches the CTR_DRBG's AES-256 strength, so the DRBG accepts this parent (strength >= child's). */
#define SEED_STRENGTH 256
/* A request limit is required by the RAND interface; seed requests are never larger than this. */
#define SEED_MAX_REQUEST 128

struct seed_ctx {
    int state;
};

static struct r4_status seed_failure;
static unsigned long long seed_requests;

const struct r4_status *r4_seed_provider_failure(void)
{
    return &seed_failure;
}

unsigned long long r4_seed_provider_requests(void)
{
    return seed_requests;
}

static void *seed_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_calls)
{
    (void)provctx;
    (void)parent_calls;
    if (parent != NULL) /* a seed source is a root: nothing seeds it but the kernel */
        return NULL;
    struct seed_ctx *ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx != NULL)
        ctx->state = EVP_RAND_STATE_UNINITIALISED;
    return ctx;
}

static void seed_freectx(void *vctx)
{
    OPENSSL_free(vctx);
}

static int seed_instantiate(void *vctx, unsigned int strength, int prediction_resistance,
                            const unsigned char *pstr, size_t pstr_len, const OSSL_PARAM params[])
{
    (void)prediction_resistance;
    (void)pstr;
    (void)pstr_len;
    (void)params;
    struct seed_ctx *ctx = vctx;
    if (strength > SEED_STRENGTH)
        return 0;
    ctx->state = EVP_RAND_STATE_READY;
    return 1;
}

static int seed_uninstantiate(void *vctx)
{
    struct seed_ctx *ctx = vctx;
    ctx->state = EVP_RAND_STATE_UNINITIALISED;
    return 1;
}

static int seed_generate(void *vctx, unsigned char *out, size_t outlen, unsigned int strength,
                         int prediction_resistance, const unsigned char *adin, size_t adin_len)
{
    (void)prediction_resistance;
    (void)adin;
    (void)adin_len;
    struct seed_ctx *ctx = vctx;
    if (ctx->state != EVP_RAND_STATE_READY || strength > SEED_STRENGTH)
        return 0;
    if (!r4_kernel_entropy(out, outlen, &seed_failure)) {
        ctx->state = EVP_RAND_STATE_ERROR;
        return 0;
    }
    return 1;
}

static size_t seed_get_seed(void *vctx, unsigned char **buffer, int entropy, size_t min_len,
                            size_t max_len, int prediction_resistance, const unsigned char *adin,
                            size_t adin_len)
{
    (void)prediction_resistance;
    (void)adin;
    (void)adin_len;
    struct seed_ctx *ctx = vctx;
    size_t len = R4_SEED_ENTROPY_BYTES;
    if ((size_t)(entropy + 7) / 8 > len || min_len > len || max_len < len)
        return 0;
    /* The secure heap keeps seed material out of swap and core dumps. */
    unsigned char *seed = OPENSSL_secure_malloc(len);
    if (seed == NULL)
        return 0;
    if (!seed_generate(ctx, seed, len, SEED_STRENGTH, 0, NULL, 0)) {
        OPENSSL_secure_clear_free(seed, len);
        return 0;
    }
    seed_requests++;
    *buffer = seed;
    return len;
}

static void seed_clear_seed(void *vctx, unsigned char *buffer, size_t b_len)
{
    (void)vctx;
    OPENSSL_secure_clear_free(buffer, b_len);
}

static size_t seed_nonce(void *vctx, unsigned char *out, unsigned int strength, size_t min_noncelen,
                         size_t max_noncelen)
{
    (void)strength;
    size_t len = R4_SEED_NONCE_BYTES;
    if (min_noncelen > len)
        len = min_noncelen;
    if (len > max_noncelen)
        return 0;
    /* OpenSSL asks for the length first (out == NULL), then for the bytes. */
    if (out == NULL)
        return len;
    return seed_generate(vctx, out, len, 0, 0, NULL, 0) ? len : 0;
}

static int seed_enable_locking(void *vctx)
{
    (void)vctx;
    return 1;
}

/* The core is single-threaded; the RAND interface still wants lock hooks that succeed. */
static int seed_lock(void *vctx)
{
    (void)vctx;
    return 1;
}

static void seed_unlock(void *vctx)
{
    (void)vctx;
}

static const OSSL_PARAM *seed_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    static const OSSL_PARAM known[] = {
        OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
        OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
        OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
        OSSL_PARAM_END,
    };
    return known;
}

static int seed_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct seed_ctx *ctx = vctx;
    OSSL_PARAM *p;
    if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE)) != NULL && !OSSL_PARAM_set_int(p, ctx->state))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH)) != NULL
        && !OSSL_PARAM_set_uint(p, SEED_STRENGTH))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST)) != NULL
        && !OSSL_PARAM_set_size_t(p, SEED_MAX_REQUEST))
        return 0;
    return 1;
}

static int seed_verify_zeroization(void *vctx)
{
    (void)vctx;
    return 1; /* holds no secret state: seeds are handed over and cleared by seed_clear_seed */
}

typedef void (*dispatch_fn)(void);

static const OSSL_DISPATCH seed_functions[] = {
    { OSSL_FUNC_RAND_NEWCTX, (dispatch_fn)seed_newctx },
    { OSSL_FUNC_RAND_FREECTX, (dispatch_fn)seed_freectx },
    { OSSL_FUNC_RAND_INSTANTIATE, (dispatch_fn)seed_instantiate },
    { OSSL_FUNC_RAND_UNINSTANTIATE, (dispatch_fn)seed_uninstantiate },
    { OSSL_FUNC_RAND_GENERATE, (dispatch_fn)seed_generate },
    { OSSL_FUNC_RAND_GET_SEED, (dispatch_fn)seed_get_seed },
    { OSSL_FUNC_RAND_CLEAR_SEED, (dispatch_fn)seed_clear_seed },
    { OSSL_FUNC_RAND_NONCE, (dispatch_fn)seed_nonce },
    { OSSL_FUNC_RAND_ENABLE_LOCKING, (dispatch_fn)seed_enable_locking },
    { OSSL_FUNC_RAND_LOCK, (dispatch_fn)seed_lock },
    { OSSL_FUNC_RAND_UNLOCK, (dispatch_fn)seed_unlock },
    { OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (dispatch_fn)seed_gettable_ctx_params },
    { OSSL_FUNC_RAND_GET_CTX_PARAMS, (dispatch_fn)seed_get_ctx_params },
    { OSSL_FUNC_RAND_VERIFY_ZEROIZATION, (dispatch_fn)seed_verify_zeroization },
    { 0, NULL },
};

static const OSSL_ALGORITHM seed_algorithms[] = {
    { R4_SEED_ALGORITHM, R4_SEED_PROPERTIES, seed_functions, "getrandom() seed source of r4's core" },
    { NULL, NULL, NULL, NULL },
};

static const OSSL_ALGORITHM *seed_query(void *provctx, int operation_id, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return operation_id == OSSL_OP_RAND ? seed_algorithms : NULL;
}

static const OSSL_DISPATCH provider_functions[] = {
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (dispatch_fn)seed_query },
    { 0, NULL },
};

static int seed_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                              const OSSL_DISPATCH **out, void **provctx)
{
    (void)in;
    *out = provider_functions;
    *provctx = (void *)handle;
    return 1;
}

OSSL_PROVIDER *r4_seed_provider_load(OSSL_LIB_CTX *libctx)
{
    if (!OSSL_PROVIDER_add_builtin(libctx, R4_SEED_PROVIDER_NAME, seed_provider_init))
        return NULL;
    return OSSL_PROVIDER_load(libctx, R4_SEED_PROVIDER_NAME);
}
