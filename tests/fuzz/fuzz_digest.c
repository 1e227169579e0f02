/*
 * fuzz_digest.c - libFuzzer target for the network-facing parsers of the
 * GBA/AKMA layer: the Digest header-value parser above all, and the values
 * taken from it (AKA nonce, auts, qop lists), plus the DTLS-PSK identity
 * and A-KID parsers on the same bytes.
 *
 * Beyond "no crash, no leak": a header that parses has names in lower
 * case, no duplicates and bounded values; written back and parsed again it
 * gives the same parameters (names, values, quoting); a failed parse
 * leaves the result empty; a parsed PSK identity formats back to the
 * input.
 */
#include <stdlib.h>
#include <string.h>

#include "cellstrap/digest.h"
#include "cellstrap/gba.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool same_params(const cs_digest_params *a, const cs_digest_params *b)
{
    if (cs_digest_count(a) != cs_digest_count(b))
        return false;
    for (size_t i = 0; i < cs_digest_count(a); i++)
        if (strcmp(cs_digest_name(a, i), cs_digest_name(b, i)) != 0 ||
            strcmp(cs_digest_value(a, i), cs_digest_value(b, i)) != 0 ||
            cs_digest_quoted(a, i) != cs_digest_quoted(b, i))
            return false;
    return true;
}

static void check_params(const cs_digest_params *p)
{
    check(cs_digest_count(p) >= 1 && cs_digest_count(p) <= CS_DIGEST_MAX_PARAMS);
    for (size_t i = 0; i < cs_digest_count(p); i++) {
        const char *name = cs_digest_name(p, i);
        check(strlen(name) >= 1 && strlen(name) <= CS_DIGEST_MAX_NAME);
        check(strlen(cs_digest_value(p, i)) <= CS_DIGEST_MAX_VALUE);
        for (const char *c = name; *c; c++)
            check(!(*c >= 'A' && *c <= 'Z'));
        /* Lookup finds this very entry: names are unique. */
        check(cs_digest_get(p, name) == cs_digest_value(p, i));
    }
}

/* What a BSF or a device would do with the values. */
static void use_values(const cs_digest_params *p)
{
    uint8_t rand[16] = { 0 }, autn[16], sd[CS_AKA_NONCE_MAX_SERVER_DATA], auts[14];
    size_t sd_len = 0;
    cs_digest_qop qop;
    const char *nonce = cs_digest_get(p, "nonce");
    if (nonce != NULL &&
        cs_digest_aka_nonce_decode(nonce, rand, autn, sd, sizeof sd, &sd_len) == CS_OK) {
        char again[CS_AKA_NONCE_MAX];
        check(cs_digest_aka_nonce_encode(rand, autn, sd, sd_len, again, sizeof again) ==
              CS_OK);
        check(strcmp(again, nonce) == 0);
    }
    const char *auts_b64 = cs_digest_get(p, "auts");
    if (auts_b64 != NULL && cs_digest_auts_decode(auts_b64, auts) == CS_OK) {
        char again[CS_AKA_AUTS_B64_MAX];
        cs_digest_auts_encode(auts, again);
        check(strcmp(again, auts_b64) == 0);
    }
    const char *q = cs_digest_get(p, "qop");
    if (q != NULL) {
        (void)cs_digest_qop_offered(q, CS_DIGEST_QOP_AUTH_INT);
        if (cs_digest_qop_parse(q, &qop) == CS_OK)
            check(cs_digest_qop_offered(q, qop));
    }
    const char *user = cs_digest_get(p, "username"), *realm = cs_digest_get(p, "realm");
    if (user != NULL && realm != NULL) {
        char ha1[33];
        check(cs_digest_ha1(user, realm, rand, 8, ha1) == CS_OK);
        check(strlen(ha1) == CS_DIGEST_HEX_LEN);
        const char *resp = cs_digest_get(p, "response");
        if (resp != NULL)
            (void)cs_digest_response_equal(ha1, resp);
    }
}

static void header(const uint8_t *data, size_t size)
{
    cs_digest_params *p = malloc(sizeof *p), *q = malloc(sizeof *q);
    char *out = malloc(CS_DIGEST_MAX_HEADER + 1);
    check(p != NULL && q != NULL && out != NULL);
    cs_err err = cs_digest_parse((const char *)data, size, p);
    if (err != CS_OK) {
        check(cs_digest_count(p) == 0);
    } else {
        check(size <= CS_DIGEST_MAX_HEADER);
        check_params(p);
        use_values(p);
        size_t len = 0;
        err = cs_digest_write(p, out, CS_DIGEST_MAX_HEADER + 1, &len);
        if (err == CS_OK) {
            check(len == strlen(out) && len <= CS_DIGEST_MAX_HEADER);
            check(cs_digest_parse(out, len, q) == CS_OK);
            check(same_params(p, q));
        } else {
            /* Only ", " separators and "Digest " can grow the text. */
            check(err == CS_E_TOO_LARGE);
            check(size + 1 + 2 * CS_DIGEST_MAX_PARAMS > CS_DIGEST_MAX_HEADER);
        }
    }
    free(p);
    free(q);
    free(out);
}

static void identities(const uint8_t *data, size_t size)
{
    char key_id[CS_GBA_BTID_MAX + 1], again[CS_PSK_IDENTITY_MAX + 16];
    cs_psk_identity_kind kind;
    if (cs_psk_identity_parse(data, size, &kind, key_id, sizeof key_id) == CS_OK) {
        check(cs_psk_identity_format(kind, key_id, again, sizeof again) == CS_OK);
        check(strlen(again) == size && memcmp(again, data, size) == 0);
        if (kind == CS_PSK_IDENTITY_AKMA) {
            char rid[CS_AKMA_RID_MAX + 1], realm[CS_AKMA_AKID_MAX + 1];
            char akid[CS_AKMA_AKID_MAX + 1];
            uint8_t a_tid[CS_AKMA_ATID_LEN];
            if (cs_akma_akid_parse(key_id, rid, a_tid, realm, sizeof realm) == CS_OK) {
                check(cs_akma_akid(rid, a_tid, realm, akid, sizeof akid) == CS_OK);
                check(strcmp(akid, key_id) == 0);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    header(data, size);
    identities(data, size);
    return 0;
}
