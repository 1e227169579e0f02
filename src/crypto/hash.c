/*
 * hash.c - SHA-256, MD5, HMAC-SHA-256 and single-block AES-128 from
 * mbedTLS, with the calling conventions the rest of the project wants
 * (fixed-size outputs, no error paths for valid arguments).
 */
#include <mbedtls/aes.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>

#include "crypto.h"

void cs_sha256(const void *data, size_t len, uint8_t out[CS_SHA256_LEN])
{
    mbedtls_sha256_ret(data, len, out, 0);
}

void cs_md5(const void *data, size_t len, uint8_t out[CS_MD5_LEN])
{
    mbedtls_md5_ret(data, len, out);
}

void cs_hmac_sha256(const void *key, size_t key_len, const void *data,
                    size_t len, uint8_t out[CS_SHA256_LEN])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_hmac(md, key, key_len, data, len, out);
}

void cs_aes128_encrypt_block(const uint8_t key[16], const uint8_t in[16],
                             uint8_t out[16])
{
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    mbedtls_aes_setkey_enc(&aes, key, 128);
    mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, in, out);
    mbedtls_aes_free(&aes);
}
