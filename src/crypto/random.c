/*
 * random.c - random bytes for tokens, message IDs, PSK identities and keys:
 * mbedTLS's CTR-DRBG, seeded from the system entropy source, or from a
 * fixed seed for tests and simulations that must repeat.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "crypto.h"

struct cs_rng {
    mbedtls_ctr_drbg_context drbg;
    mbedtls_entropy_context entropy;
    uint8_t seed[16];        /* deterministic mode: the fixed "entropy" */
    size_t seed_used;
};

static cs_rng *rng_alloc(void)
{
    cs_rng *rng = calloc(1, sizeof *rng);
    if (rng == NULL)
        return NULL;
    mbedtls_ctr_drbg_init(&rng->drbg);
    mbedtls_entropy_init(&rng->entropy);
    return rng;
}

cs_rng *cs_rng_new(const char *personalization)
{
    cs_rng *rng = rng_alloc();
    if (rng == NULL)
        return NULL;
    const char *pers = personalization ? personalization : "cellstrap";
    if (mbedtls_ctr_drbg_seed(&rng->drbg, mbedtls_entropy_func, &rng->entropy,
                              (const unsigned char *)pers, strlen(pers)) != 0) {
        cs_rng_free(rng);
        return NULL;
    }
    return rng;
}

/* Entropy callback of the deterministic mode: repeats the seed bytes. */
static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    cs_rng *rng = ctx;
    for (size_t i = 0; i < len; i++)
        out[i] = rng->seed[rng->seed_used++ % sizeof rng->seed];
    return 0;
}

cs_rng *cs_rng_new_deterministic(uint64_t seed)
{
    cs_rng *rng = rng_alloc();
    if (rng == NULL)
        return NULL;
    for (int i = 0; i < 8; i++)
        rng->seed[i] = rng->seed[i + 8] = (uint8_t)(seed >> (8 * i));
    if (mbedtls_ctr_drbg_seed(&rng->drbg, fixed_entropy, rng,
                              (const unsigned char *)"cellstrap-test", 14) != 0) {
        cs_rng_free(rng);
        return NULL;
    }
    /* No reseeding from the fixed source behind the caller's back. */
    mbedtls_ctr_drbg_set_reseed_interval(&rng->drbg, 1 << 30);
    return rng;
}

cs_err cs_rng_bytes(cs_rng *rng, void *out, size_t len)
{
    uint8_t *p = out;
    while (len > 0) {
        size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len
                                                       : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        if (mbedtls_ctr_drbg_random(&rng->drbg, p, n) != 0)
            return CS_E_INTERNAL;
        p += n;
        len -= n;
    }
    return CS_OK;
}

void cs_rng_free(cs_rng *rng)
{
    if (rng == NULL)
        return;
    mbedtls_ctr_drbg_free(&rng->drbg);
    mbedtls_entropy_free(&rng->entropy);
    cs_secure_zero(rng, sizeof *rng);
    free(rng);
}
