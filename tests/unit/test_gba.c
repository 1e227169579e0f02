/*
 * test_gba.c - GBA and AKMA arithmetic and formats: the Ub Digest AKA
 * vector of REFERENCE.md §3.3 (nonce, HA1, HA2, response), the B-TID of
 * §3.4, the KDF input S and Ks_NAF of §3.5, IMPI and BSF host, the
 * DTLS-PSK identities, AKMA keys and A-KID, the Digest header parser
 * (good and bad values) and writer, and one whole Ub exchange between the
 * functions a BSF and a device would call (with a resynchronisation).
 */
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/cellular.h"
#include "cellstrap/digest.h"
#include "cellstrap/gba.h"
#include "cellstrap/usim.h"

#define IMSI "001010123456789"
#define IMPI "001010123456789@ims.mnc001.mcc001.3gppnetwork.org"
#define BSF_HOST "bsf.mnc001.mcc001.pub.3gppnetwork.org"
#define SET1_RAND "23553cbe9637a89d218ae64dae47bf35"
#define SET1_AUTN "55f328b43577b9b94a9ffac354dfafb3"
#define SET1_RES "a54211d5e3ba50bf"
#define SET1_CK "b40ba9a3c58b2a05bbf0d987b21bf8cb"
#define SET1_IK "f769bcd751044604127672711c6d3441"

static void assert_octets(const uint8_t *got, const char *hex)
{
    uint8_t want[256];
    size_t n = test_hex(hex, want, sizeof want);
    assert_memory_equal(got, want, n);
}

/* ---- Identities ---------------------------------------------------------- */

static void impi_and_bsf_host(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(cs_gba_impi_from_imsi(IMSI, 0, out, sizeof out), CS_OK);
    assert_string_equal(out, IMPI);
    assert_int_equal(cs_gba_bsf_host_from_imsi(IMSI, 0, out, sizeof out), CS_OK);
    assert_string_equal(out, BSF_HOST);
    /* Three-digit MNC: no padding; MNC length from the SIM wins. */
    assert_int_equal(cs_gba_impi_from_imsi("310410123456789", 0, out, sizeof out), CS_OK);
    assert_string_equal(out, "310410123456789@ims.mnc410.mcc310.3gppnetwork.org");
    assert_int_equal(cs_gba_bsf_host_from_imsi("262011234567890", 3, out, sizeof out),
                     CS_OK);
    assert_string_equal(out, "bsf.mnc011.mcc262.pub.3gppnetwork.org");
    assert_int_equal(cs_gba_impi_from_imsi("26201x", 0, out, sizeof out), CS_E_SYNTAX);
    assert_string_equal(out, "");
    assert_int_equal(cs_gba_impi_from_imsi(IMSI, 4, out, sizeof out), CS_E_RANGE);
    assert_int_equal(cs_gba_impi_from_imsi(IMSI, 0, out, 20), CS_E_TOO_LARGE);
    assert_string_equal(out, "");
    assert_int_equal(cs_gba_impi_from_imsi(IMSI, 0, out, strlen(IMPI) + 1), CS_OK);
    assert_int_equal(cs_gba_bsf_host_from_imsi(IMSI, 0, out, strlen(BSF_HOST)),
                     CS_E_TOO_LARGE);
}

static void btid(void **state)
{
    (void)state;
    uint8_t rand[16];
    char out[CS_GBA_BTID_MAX + 1];
    test_hex(SET1_RAND, rand, 16);
    assert_int_equal(cs_gba_btid(rand, BSF_HOST, out, sizeof out), CS_OK);
    assert_string_equal(out, "I1U8vpY3qJ0hiuZNrke/NQ==@" BSF_HOST);
    assert_int_equal(cs_gba_btid(rand, "", out, sizeof out), CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_btid(rand, "bsf example", out, sizeof out), CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_btid(rand, BSF_HOST, out, 30), CS_E_TOO_LARGE);
    char domain[240];
    memset(domain, 'a', sizeof domain - 1);
    domain[sizeof domain - 1] = '\0';
    assert_int_equal(cs_gba_btid(rand, domain, out, sizeof out), CS_E_TOO_LARGE);
}

/* ---- KDF and Ks_NAF ------------------------------------------------------ */

static const char set1_s[] =
    "016762612d6d65000623553cbe9637a89d218ae64dae47bf35001030303130313031"
    "323334353637383940696d732e6d6e633030312e6d63633030312e336770706e6574"
    "776f726b2e6f7267003162732e6578616d706c652e636f6d010001c0a80013";

static void kdf_input_and_ks_naf(void **state)
{
    (void)state;
    uint8_t rand[16], ck[16], ik[16], ks[32], ks_naf[32];
    test_hex(SET1_RAND, rand, 16);
    test_hex(SET1_CK, ck, 16);
    test_hex(SET1_IK, ik, 16);
    cs_gba_ks(ck, ik, ks);
    assert_memory_equal(ks, ck, 16);
    assert_memory_equal(ks + 16, ik, 16);

    /* S exactly as REFERENCE §3.5 spells it. */
    uint8_t naf_id[CS_GBA_NAF_ID_MAX], s[512], want[512];
    size_t naf_id_len, s_len;
    assert_int_equal(cs_gba_naf_id("bs.example.com", cs_ua_id_lwm2m_dtls_psk, naf_id,
                                   sizeof naf_id, &naf_id_len), CS_OK);
    assert_int_equal(naf_id_len, 19);
    const cs_kdf_param p[4] = {
        { "gba-me", 6 }, { rand, 16 }, { IMPI, strlen(IMPI) }, { naf_id, naf_id_len },
    };
    assert_int_equal(cs_kdf_input(0x01, p, 4, s, sizeof s, &s_len), CS_OK);
    size_t want_len = test_hex(set1_s, want, sizeof want);
    assert_int_equal(s_len, want_len);
    assert_memory_equal(s, want, want_len);

    assert_int_equal(cs_gba_ks_naf(ks, rand, IMPI, "bs.example.com",
                                   cs_ua_id_lwm2m_dtls_psk, ks_naf), CS_OK);
    assert_octets(ks_naf, "3661035b38b4361921e1df8897112b15256746c6e9fd73d279b15b0f6f337a7e");

    /* The macro and the constant are the same identifier. */
    const uint8_t ua[CS_UA_ID_LEN] = CS_UA_ID_TLS_PSK_AES_128_CCM_8;
    assert_memory_equal(ua, cs_ua_id_lwm2m_dtls_psk, CS_UA_ID_LEN);
    assert_octets(ua, "010001c0a8");

    /* Every input matters. */
    uint8_t other[32];
    const uint8_t ua_digest[CS_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x02 };
    assert_int_equal(cs_gba_ks_naf(ks, rand, IMPI, "bs.example.com", ua_digest, other),
                     CS_OK);
    assert_memory_not_equal(other, ks_naf, 32);
    assert_int_equal(cs_gba_ks_naf(ks, rand, IMPI, "BS.example.com",
                                   cs_ua_id_lwm2m_dtls_psk, other), CS_OK);
    assert_memory_not_equal(other, ks_naf, 32);

    /* Bounds and arguments. */
    assert_int_equal(cs_gba_ks_naf(ks, rand, "", "bs.example.com",
                                   cs_ua_id_lwm2m_dtls_psk, other), CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_ks_naf(ks, rand, IMPI, "", cs_ua_id_lwm2m_dtls_psk, other),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_gba_naf_id("bs.example.com", cs_ua_id_lwm2m_dtls_psk, naf_id,
                                   18, &naf_id_len), CS_E_TOO_LARGE);
    assert_int_equal(cs_kdf_input(0x01, p, 4, s, 20, &s_len), CS_E_TOO_LARGE);
    cs_kdf_param big = { s, 65536 };
    assert_int_equal(cs_kdf_input(0x01, &big, 1, s, sizeof s, &s_len), CS_E_RANGE);
    assert_int_equal(cs_kdf_input(0x01, p, CS_KDF_MAX_PARAMS + 1, s, sizeof s, &s_len),
                     CS_E_INVALID_ARG);
    /* An empty parameter still carries its length 00 00. */
    cs_kdf_param empty = { NULL, 0 };
    assert_int_equal(cs_kdf_input(0x42, &empty, 1, s, sizeof s, &s_len), CS_OK);
    assert_int_equal(s_len, 3);
    assert_octets(s, "420000");
}

/* ---- PSK identities -------------------------------------------------------- */

static void psk_identities(void **state)
{
    (void)state;
    const char *btid = "I1U8vpY3qJ0hiuZNrke/NQ==@" BSF_HOST;
    char id[CS_PSK_IDENTITY_MAX + 16], key_id[CS_GBA_BTID_MAX + 1];
    cs_psk_identity_kind kind = 0;

    assert_int_equal(cs_psk_identity_format(CS_PSK_IDENTITY_GBA, btid, id, sizeof id),
                     CS_OK);
    assert_string_equal(id, "3GPP-bootstrapping.I1U8vpY3qJ0hiuZNrke/NQ==@" BSF_HOST);
    assert_int_equal(cs_psk_identity_parse((const uint8_t *)id, strlen(id), &kind,
                                           key_id, sizeof key_id), CS_OK);
    assert_int_equal(kind, CS_PSK_IDENTITY_GBA);
    assert_string_equal(key_id, btid);

    const char *akid = "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw@5gc.mnc001.mcc001.3gppnetwork.org";
    assert_int_equal(cs_psk_identity_format(CS_PSK_IDENTITY_AKMA, akid, id, sizeof id),
                     CS_OK);
    assert_string_equal(id, "3GPP-AKMA.0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw"
                            "@5gc.mnc001.mcc001.3gppnetwork.org");
    assert_int_equal(cs_psk_identity_parse((const uint8_t *)id, strlen(id), &kind,
                                           key_id, sizeof key_id), CS_OK);
    assert_int_equal(kind, CS_PSK_IDENTITY_AKMA);
    assert_string_equal(key_id, akid);

    /* Not ours: ordinary identities, other GBA flavours, wrong case. */
    static const char *const foreign[] = {
        "urn:imei:490154203237518", "3GPP-bootstrapping", "3GPP-bootstrapping-uicc.x@y",
        "3GPP-bootstrapping-digest.x@y", "3gpp-bootstrapping.x@y", "3GPP-AKMA", "",
    };
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        assert_int_equal(cs_psk_identity_parse((const uint8_t *)foreign[i],
                                               strlen(foreign[i]), &kind, key_id,
                                               sizeof key_id), CS_E_NOT_FOUND);
    /* Ours but broken: empty, control or space or NUL inside, too long. */
    static const char *const broken[] = {
        "3GPP-bootstrapping.", "3GPP-AKMA.", "3GPP-bootstrapping.a b@c",
        "3GPP-bootstrapping.a\n@c", "3GPP-AKMA.\xc3\xa9",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
        assert_int_equal(cs_psk_identity_parse((const uint8_t *)broken[i],
                                               strlen(broken[i]), &kind, key_id,
                                               sizeof key_id), CS_E_SYNTAX);
    const uint8_t with_nul[] = "3GPP-bootstrapping.a\0b";
    assert_int_equal(cs_psk_identity_parse(with_nul, sizeof with_nul - 1, &kind, key_id,
                                           sizeof key_id), CS_E_SYNTAX);
    char long_id[400] = "3GPP-bootstrapping.";
    memset(long_id + strlen(long_id), 'x', 256);
    long_id[19 + 256] = '\0';
    assert_int_equal(cs_psk_identity_parse((const uint8_t *)long_id, strlen(long_id),
                                           &kind, key_id, sizeof key_id), CS_E_SYNTAX);
    /* The longest key id fits CS_PSK_IDENTITY_MAX exactly. */
    char longest[CS_PSK_IDENTITY_MAX];
    long_id[19 + 255] = '\0';
    assert_int_equal(cs_psk_identity_format(CS_PSK_IDENTITY_GBA, long_id + 19, longest,
                                            sizeof longest), CS_OK);
    assert_string_equal(longest, long_id);
    assert_int_equal(cs_psk_identity_parse((const uint8_t *)longest, strlen(longest),
                                           &kind, key_id, sizeof key_id), CS_OK);
    assert_int_equal(strlen(key_id), 255);
    assert_int_equal(cs_psk_identity_parse((const uint8_t *)id, strlen(id), &kind,
                                           key_id, 10), CS_E_TOO_LARGE);
    assert_int_equal(cs_psk_identity_format(CS_PSK_IDENTITY_GBA, "", id, sizeof id),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_psk_identity_format(3, btid, id, sizeof id), CS_E_INVALID_ARG);
    assert_int_equal(cs_psk_identity_format(CS_PSK_IDENTITY_GBA, btid, id, 20),
                     CS_E_TOO_LARGE);
    assert_string_equal(id, "");
}

/* ---- AKMA ------------------------------------------------------------------ */

/*
 * No published AKMA test vector was available to us.  The expected values
 * below were computed independently with Python's hmac/hashlib from the
 * TS 33.220 Annex B.2 definition (S = FC || P0 || L0 || ...), inputs:
 * K_AUSF = 00 01 02 .. 1f, SUPI "001010123456789", AF "bs.example.com" with
 * Ua id 01 00 01 C0 A8; K_AUSF(5G AKA) from the set-1 CK, IK, AUTN.
 */
static void akma_keys(void **state)
{
    (void)state;
    uint8_t k_ausf[32], k_akma[32], a_tid[32], k_af[32], again[32];
    for (int i = 0; i < 32; i++)
        k_ausf[i] = (uint8_t)i;
    assert_int_equal(cs_akma_k_akma(k_ausf, IMSI, k_akma), CS_OK);
    assert_octets(k_akma, "3dd5f8b66d40a12d31b8d4856eb5b2c14f9b013bcfccde61dfbbd9185a7fcb3c");
    assert_int_equal(cs_akma_a_tid(k_ausf, IMSI, a_tid), CS_OK);
    assert_octets(a_tid, "bd7d28460fa2c761ce7b49d6b56613f2cf8332d9efbedb7c727a3362109eab2c");
    assert_int_equal(cs_akma_k_af(k_akma, "bs.example.com", cs_ua_id_lwm2m_dtls_psk, k_af),
                     CS_OK);
    assert_octets(k_af, "1a73ade75316e737f3d85781a9077b7ff948a83576e1dbb939553621c1f4220a");

    /* Self-consistency: K_AKMA and A-TID are the generic KDF with their FC
     * and label; different labels give different outputs. */
    const cs_kdf_param p[2] = { { "AKMA", 4 }, { IMSI, strlen(IMSI) } };
    assert_int_equal(cs_kdf(k_ausf, 32, 0x80, p, 2, again), CS_OK);
    assert_memory_equal(again, k_akma, 32);
    assert_memory_not_equal(a_tid, k_akma, 32);
    assert_int_equal(cs_akma_k_akma(k_ausf, "", again), CS_E_INVALID_ARG);
    assert_int_equal(cs_akma_k_af(k_akma, "", cs_ua_id_lwm2m_dtls_psk, again),
                     CS_E_INVALID_ARG);

    char snn[64];
    uint8_t ck[16], ik[16], autn[16];
    test_hex(SET1_CK, ck, 16);
    test_hex(SET1_IK, ik, 16);
    test_hex(SET1_AUTN, autn, 16);
    assert_int_equal(cs_akma_serving_network_name(IMSI, 0, snn, sizeof snn), CS_OK);
    assert_string_equal(snn, "5G:mnc001.mcc001.3gppnetwork.org");
    assert_int_equal(cs_akma_k_ausf_5g_aka(ck, ik, snn, autn, again), CS_OK);
    assert_octets(again, "474698caf02cc715db2ec0726510cfee6caa5bb1a649cb01224f2e23af94de1b");
}

static void akma_akid(void **state)
{
    (void)state;
    uint8_t k_ausf[32], a_tid[32], parsed[32];
    char realm[64], akid[CS_AKMA_AKID_MAX + 1], rid[CS_AKMA_RID_MAX + 1];
    for (int i = 0; i < 32; i++)
        k_ausf[i] = (uint8_t)i;
    assert_int_equal(cs_akma_a_tid(k_ausf, IMSI, a_tid), CS_OK);
    assert_int_equal(cs_akma_realm_from_imsi(IMSI, 0, realm, sizeof realm), CS_OK);
    assert_string_equal(realm, "5gc.mnc001.mcc001.3gppnetwork.org");
    assert_int_equal(cs_akma_akid("0", a_tid, realm, akid, sizeof akid), CS_OK);
    assert_string_equal(akid, "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw"
                              "@5gc.mnc001.mcc001.3gppnetwork.org");

    char got_realm[64];
    assert_int_equal(cs_akma_akid_parse(akid, rid, parsed, got_realm, sizeof got_realm),
                     CS_OK);
    assert_string_equal(rid, "0");
    assert_memory_equal(parsed, a_tid, 32);
    assert_string_equal(got_realm, realm);
    assert_int_equal(cs_akma_akid("1234", a_tid, "example.net", akid, sizeof akid), CS_OK);
    assert_int_equal(cs_akma_akid_parse(akid, rid, parsed, NULL, 0), CS_OK);
    assert_string_equal(rid, "1234");

    assert_int_equal(cs_akma_akid("12345", a_tid, realm, akid, sizeof akid),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_akma_akid("", a_tid, realm, akid, sizeof akid), CS_E_INVALID_ARG);
    assert_int_equal(cs_akma_akid("0x", a_tid, realm, akid, sizeof akid), CS_E_INVALID_ARG);
    assert_int_equal(cs_akma_akid("0", a_tid, "a@b", akid, sizeof akid), CS_E_INVALID_ARG);
    assert_int_equal(cs_akma_akid("0", a_tid, realm, akid, 40), CS_E_TOO_LARGE);

    static const char *const bad[] = {
        "vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw@x",          /* no RID */
        "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw",           /* no realm */
        "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw@",          /* empty realm */
        "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqy@x",          /* 42 chars */
        "0.vX0oRg+ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw@x",         /* not url-safe */
        "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyx@x",         /* padding bits */
        "0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw@x@y",
        "a.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw@x",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cs_akma_akid_parse(bad[i], rid, parsed, got_realm,
                                            sizeof got_realm), CS_E_SYNTAX);
    assert_int_equal(cs_akma_akid_parse("0.vX0oRg-ix2HOe0nWtWYT8s-DMtnvvtt8cnozYhCeqyw"
                                        "@5gc.mnc001.mcc001.3gppnetwork.org",
                                        rid, parsed, got_realm, 10), CS_E_TOO_LARGE);
}

/* ---- Digest arithmetic ----------------------------------------------------- */

#define SET1_NONCE "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="

static void digest_vector(void **state)
{
    (void)state;
    uint8_t rand[16], autn[16], res[8], r2[16], a2[16], sd[8];
    size_t sd_len = 99;
    char nonce[CS_AKA_NONCE_MAX], ha1[33], ha2[33], resp[33];
    test_hex(SET1_RAND, rand, 16);
    test_hex(SET1_AUTN, autn, 16);
    test_hex(SET1_RES, res, 8);

    assert_int_equal(cs_digest_aka_nonce_encode(rand, autn, NULL, 0, nonce, sizeof nonce),
                     CS_OK);
    assert_string_equal(nonce, SET1_NONCE);
    assert_int_equal(cs_digest_aka_nonce_decode(nonce, r2, a2, sd, sizeof sd, &sd_len),
                     CS_OK);
    assert_memory_equal(r2, rand, 16);
    assert_memory_equal(a2, autn, 16);
    assert_int_equal(sd_len, 0);

    assert_int_equal(cs_digest_ha1(IMPI, BSF_HOST, res, 8, ha1), CS_OK);
    assert_string_equal(ha1, "18125006e2e00ff42c55d3caf6cff47a");
    assert_int_equal(cs_digest_ha2("GET", "/", CS_DIGEST_QOP_AUTH_INT, NULL, 0, ha2), CS_OK);
    assert_string_equal(ha2, "15df3e1aa09254633226c3d41891b148");
    assert_int_equal(cs_digest_response(ha1, nonce, "00000001", "0a4f113b",
                                        CS_DIGEST_QOP_AUTH_INT, ha2, resp), CS_OK);
    assert_string_equal(resp, "26d91881d4f34c67c3c171426686ad62");
    assert_true(cs_digest_response_equal(resp, "26d91881d4f34c67c3c171426686ad62"));
    assert_false(cs_digest_response_equal(resp, "26D91881D4F34C67C3C171426686AD62"));
    assert_false(cs_digest_response_equal(resp, "26d91881d4f34c67c3c171426686ad6"));
    assert_false(cs_digest_response_equal(resp, "26d91881d4f34c67c3c171426686ad620"));
    assert_false(cs_digest_response_equal(resp, "36d91881d4f34c67c3c171426686ad62"));
    assert_false(cs_digest_response_equal(resp, NULL));

    /* Python hashlib (independent): qop=auth HA2, and HA1 of a resync
     * request (empty password). */
    assert_int_equal(cs_digest_ha2("GET", "/", CS_DIGEST_QOP_AUTH, NULL, 0, ha2), CS_OK);
    assert_string_equal(ha2, "71998c64aea37ae77020c49c00f73fa8");
    assert_int_equal(cs_digest_ha1(IMPI, BSF_HOST, NULL, 0, ha1), CS_OK);
    assert_string_equal(ha1, "3a19e266b8988a54aa5e0020a5555b2d");
    /* auth-int hashes the body: a body changes HA2. */
    assert_int_equal(cs_digest_ha2("GET", "/", CS_DIGEST_QOP_AUTH_INT,
                                   (const uint8_t *)"x", 1, resp), CS_OK);
    assert_string_not_equal(resp, "15df3e1aa09254633226c3d41891b148");
    assert_int_equal(cs_digest_ha2("GET", "/", (cs_digest_qop)7, NULL, 0, ha2),
                     CS_E_INVALID_ARG);
    char long_uri[CS_DIGEST_MAX_VALUE + 2];
    memset(long_uri, '/', sizeof long_uri - 1);
    long_uri[sizeof long_uri - 1] = '\0';
    assert_int_equal(cs_digest_ha2("GET", long_uri, CS_DIGEST_QOP_AUTH, NULL, 0, ha2),
                     CS_E_TOO_LARGE);

    /* Server data rides along; bad nonces are refused. */
    const uint8_t data[5] = { 1, 2, 3, 4, 5 };
    assert_int_equal(cs_digest_aka_nonce_encode(rand, autn, data, 5, nonce, sizeof nonce),
                     CS_OK);
    assert_int_equal(cs_digest_aka_nonce_decode(nonce, r2, a2, sd, sizeof sd, &sd_len),
                     CS_OK);
    assert_int_equal(sd_len, 5);
    assert_memory_equal(sd, data, 5);
    assert_int_equal(cs_digest_aka_nonce_decode(nonce, r2, a2, sd, 4, &sd_len),
                     CS_E_TOO_LARGE);
    assert_int_equal(cs_digest_aka_nonce_decode(nonce, r2, a2, NULL, 0, NULL), CS_OK);
    assert_int_equal(cs_digest_aka_nonce_decode("I1U8vpY3qJ0hiuZNrke/NQ==", r2, a2,
                                                NULL, 0, NULL), CS_E_BAD_LENGTH);
    assert_int_equal(cs_digest_aka_nonce_decode("I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1"
                                                "Tfr7M", r2, a2, NULL, 0, NULL),
                     CS_E_ENCODING);
    assert_int_equal(cs_digest_aka_nonce_decode("", r2, a2, NULL, 0, NULL),
                     CS_E_BAD_LENGTH);
    uint8_t too_much[CS_AKA_NONCE_MAX_SERVER_DATA + 1] = { 0 };
    assert_int_equal(cs_digest_aka_nonce_encode(rand, autn, too_much, sizeof too_much,
                                                nonce, sizeof nonce), CS_E_INVALID_ARG);
    assert_int_equal(cs_digest_aka_nonce_encode(rand, autn, NULL, 0, nonce, 44),
                     CS_E_TOO_LARGE);

    uint8_t auts[14], auts2[14];
    char auts_b64[CS_AKA_AUTS_B64_MAX];
    for (int i = 0; i < 14; i++)
        auts[i] = (uint8_t)(0xf0 + i);
    cs_digest_auts_encode(auts, auts_b64);
    assert_string_equal(auts_b64, "8PHy8/T19vf4+fr7/P0=");
    assert_int_equal(cs_digest_auts_decode(auts_b64, auts2), CS_OK);
    assert_memory_equal(auts, auts2, 14);
    assert_int_equal(cs_digest_auts_decode("8PHy8/T19vf4+fr7/A==", auts2), CS_E_BAD_LENGTH);
    assert_int_equal(cs_digest_auts_decode("8PHy8/T19vf4+fr7/P0", auts2), CS_E_ENCODING);
    assert_int_equal(cs_digest_auts_decode("8PHy8/T19vf4+fr7/P0=AAAA", auts2),
                     CS_E_BAD_LENGTH);
}

static void qop_values(void **state)
{
    (void)state;
    cs_digest_qop q = CS_DIGEST_QOP_NONE;
    assert_int_equal(cs_digest_qop_parse("auth-int", &q), CS_OK);
    assert_int_equal(q, CS_DIGEST_QOP_AUTH_INT);
    assert_int_equal(cs_digest_qop_parse("auth", &q), CS_OK);
    assert_int_equal(q, CS_DIGEST_QOP_AUTH);
    assert_int_equal(cs_digest_qop_parse("auth,auth-int", &q), CS_E_SYNTAX);
    assert_int_equal(cs_digest_qop_parse("", &q), CS_E_SYNTAX);
    assert_true(cs_digest_qop_offered("auth-int", CS_DIGEST_QOP_AUTH_INT));
    assert_false(cs_digest_qop_offered("auth-int", CS_DIGEST_QOP_AUTH));
    assert_true(cs_digest_qop_offered("auth, auth-int", CS_DIGEST_QOP_AUTH));
    assert_true(cs_digest_qop_offered("auth,\tauth-int", CS_DIGEST_QOP_AUTH_INT));
    assert_false(cs_digest_qop_offered("auth-intx,xauth", CS_DIGEST_QOP_AUTH_INT));
    assert_false(cs_digest_qop_offered("", CS_DIGEST_QOP_AUTH));
    assert_false(cs_digest_qop_offered("auth", CS_DIGEST_QOP_NONE));
}

/* ---- Digest header parser and writer --------------------------------------- */

static cs_err parse(const char *text, cs_digest_params *p)
{
    return cs_digest_parse(text, strlen(text), p);
}

static void parser_good(void **state)
{
    (void)state;
    cs_digest_params p;
    const char *challenge =
        "Digest realm=\"" BSF_HOST "\", nonce=\"" SET1_NONCE "\", "
        "algorithm=AKAv1-MD5, qop=\"auth-int\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    assert_int_equal(parse(challenge, &p), CS_OK);
    assert_int_equal(cs_digest_count(&p), 5);
    assert_string_equal(cs_digest_get(&p, "realm"), BSF_HOST);
    assert_string_equal(cs_digest_get(&p, "NONCE"), SET1_NONCE);
    assert_string_equal(cs_digest_get(&p, "algorithm"), "AKAv1-MD5");
    assert_false(cs_digest_quoted(&p, 2));
    assert_true(cs_digest_quoted(&p, 3));
    assert_string_equal(cs_digest_name(&p, 4), "opaque");
    assert_null(cs_digest_get(&p, "stale"));
    assert_null(cs_digest_name(&p, 5));

    /* The initial request of Ub: empty quoted values. */
    assert_int_equal(parse("Digest username=\"" IMPI "\", realm=\"" BSF_HOST "\", "
                           "nonce=\"\", uri=\"/\", response=\"\"", &p), CS_OK);
    assert_string_equal(cs_digest_get(&p, "nonce"), "");
    assert_string_equal(cs_digest_get(&p, "username"), IMPI);

    /* Case-insensitive scheme and names, OWS, BWS, empty list elements,
     * escapes, tabs inside quotes. */
    assert_int_equal(parse("\t dIgEsT  , Realm = \"a\\\"b\\\\c\\d\" ,, NC=00000001 ,"
                           "x=\"tab\there\"\t", &p), CS_OK);
    assert_int_equal(cs_digest_count(&p), 3);
    assert_string_equal(cs_digest_name(&p, 0), "realm");
    assert_string_equal(cs_digest_value(&p, 0), "a\"b\\cd");
    assert_string_equal(cs_digest_get(&p, "nc"), "00000001");
    assert_string_equal(cs_digest_get(&p, "x"), "tab\there");

    /* Exactly at the bounds. */
    char big[CS_DIGEST_MAX_HEADER + 64];
    int n = snprintf(big, sizeof big, "Digest v=\"");
    memset(big + n, 'v', CS_DIGEST_MAX_VALUE);
    snprintf(big + n + CS_DIGEST_MAX_VALUE, sizeof big - (size_t)n - CS_DIGEST_MAX_VALUE,
             "\"");
    assert_int_equal(parse(big, &p), CS_OK);
    assert_int_equal(strlen(cs_digest_value(&p, 0)), CS_DIGEST_MAX_VALUE);
    size_t used = (size_t)snprintf(big, sizeof big, "Digest a0=0");
    for (int i = 1; i < CS_DIGEST_MAX_PARAMS; i++)
        used += (size_t)snprintf(big + used, sizeof big - used, ",a%d=%d", i, i);
    assert_int_equal(parse(big, &p), CS_OK);
    assert_int_equal(cs_digest_count(&p), CS_DIGEST_MAX_PARAMS);
    assert_string_equal(cs_digest_get(&p, "a15"), "15");
}

static void parser_bad(void **state)
{
    (void)state;
    cs_digest_params p;
    static const struct {
        const char *text;
        cs_err err;
    } cases[] = {
        { "", CS_E_SYNTAX },
        { "   ", CS_E_SYNTAX },
        { "Digest", CS_E_SYNTAX },
        { "Digest ", CS_E_SYNTAX },
        { "Digest ,,", CS_E_SYNTAX },
        { "Digest\trealm=\"a\"", CS_E_SYNTAX },          /* 1*SP after scheme */
        { "Basic realm=\"a\"", CS_E_NOT_FOUND },
        { "Digestx realm=\"a\"", CS_E_NOT_FOUND },
        { "Digest realm", CS_E_SYNTAX },
        { "Digest realm=", CS_E_SYNTAX },
        { "Digest =a", CS_E_SYNTAX },
        { "Digest realm=\"a", CS_E_SYNTAX },             /* unterminated */
        { "Digest realm=\"a\\", CS_E_SYNTAX },           /* escape at the end */
        { "Digest realm=\"a\" nonce=\"b\"", CS_E_SYNTAX }, /* missing comma */
        { "Digest realm=a b", CS_E_SYNTAX },
        { "Digest realm=\"a\"b", CS_E_SYNTAX },
        { "Digest realm=\"a\nb\"", CS_E_SYNTAX },        /* control character */
        { "Digest realm=\"a\\\nb\"", CS_E_SYNTAX },      /* escaped control */
        { "Digest realm=\"\xc3\xa9\"", CS_E_SYNTAX },    /* obs-text */
        { "Digest realm=\"a\"\r\n", CS_E_SYNTAX },
        { "Digest abc==", CS_E_SYNTAX },                 /* token68 */
        { "Digest realm=\"a\", Basic realm=\"b\"", CS_E_SYNTAX },
        { "Digest r@alm=x", CS_E_SYNTAX },
        { "Digest realm=\"a\", realm=\"b\"", CS_E_DUPLICATE },
        { "Digest realm=\"a\", REALM=a", CS_E_DUPLICATE },
        { "Digest aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1", CS_E_TOO_LARGE }, /* 33 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_err err = parse(cases[i].text, &p);
        if (err != cases[i].err)
            fail_msg("case %zu \"%s\": %d, want %d", i, cases[i].text, err, cases[i].err);
        assert_int_equal(cs_digest_count(&p), 0);
    }
    /* NUL inside the value (length-delimited input). */
    const char nul[] = "Digest realm=\"a\0b\"";
    assert_int_equal(cs_digest_parse(nul, sizeof nul - 1, &p), CS_E_SYNTAX);

    /* Bounds: value, parameter count, whole header. */
    char big[CS_DIGEST_MAX_HEADER + 64];
    int n = snprintf(big, sizeof big, "Digest v=");
    memset(big + n, 'v', CS_DIGEST_MAX_VALUE + 1);
    big[n + CS_DIGEST_MAX_VALUE + 1] = '\0';
    assert_int_equal(parse(big, &p), CS_E_TOO_LARGE);
    big[n] = '"';
    big[n + CS_DIGEST_MAX_VALUE + 1] = 'v';
    big[n + CS_DIGEST_MAX_VALUE + 2] = '"';
    big[n + CS_DIGEST_MAX_VALUE + 3] = '\0';
    assert_int_equal(parse(big, &p), CS_E_TOO_LARGE);
    size_t used = (size_t)snprintf(big, sizeof big, "Digest a0=0");
    for (int i = 1; i <= CS_DIGEST_MAX_PARAMS; i++)
        used += (size_t)snprintf(big + used, sizeof big - used, ",a%d=%d", i, i);
    assert_int_equal(parse(big, &p), CS_E_TOO_LARGE);
    memset(big, ' ', CS_DIGEST_MAX_HEADER + 1);
    memcpy(big, "Digest a=1", 10);
    assert_int_equal(cs_digest_parse(big, CS_DIGEST_MAX_HEADER + 1, &p), CS_E_TOO_LARGE);
    assert_int_equal(cs_digest_parse(big, CS_DIGEST_MAX_HEADER, &p), CS_OK);
}

static void writer(void **state)
{
    (void)state;
    cs_digest_params p, q;
    char out[CS_DIGEST_MAX_HEADER + 1];
    size_t len = 0;
    cs_digest_init(&p);
    assert_int_equal(cs_digest_write(&p, out, sizeof out, &len), CS_E_INVALID_ARG);
    assert_int_equal(cs_digest_add(&p, "realm", BSF_HOST, true), CS_OK);
    assert_int_equal(cs_digest_add(&p, "nonce", SET1_NONCE, false), CS_OK); /* not a token */
    assert_int_equal(cs_digest_add(&p, "algorithm", "AKAv1-MD5", false), CS_OK);
    assert_int_equal(cs_digest_add(&p, "qop", "auth-int", true), CS_OK);
    assert_int_equal(cs_digest_add(&p, "opaque", "say \"hi\" \\o/", true), CS_OK);
    assert_int_equal(cs_digest_add(&p, "Realm", "x", true), CS_E_DUPLICATE);
    assert_int_equal(cs_digest_add(&p, "bad name", "x", true), CS_E_INVALID_ARG);
    assert_int_equal(cs_digest_add(&p, "", "x", true), CS_E_INVALID_ARG);
    assert_int_equal(cs_digest_add(&p, "x", "line\nbreak", true), CS_E_INVALID_ARG);
    assert_int_equal(cs_digest_write(&p, out, sizeof out, &len), CS_OK);
    assert_string_equal(out, "Digest realm=\"" BSF_HOST "\", nonce=\"" SET1_NONCE "\", "
                             "algorithm=AKAv1-MD5, qop=\"auth-int\", "
                             "opaque=\"say \\\"hi\\\" \\\\o/\"");
    assert_int_equal(len, strlen(out));
    assert_int_equal(cs_digest_parse(out, len, &q), CS_OK);
    assert_int_equal(cs_digest_count(&q), 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(cs_digest_name(&q, i), cs_digest_name(&p, i));
        assert_string_equal(cs_digest_value(&q, i), cs_digest_value(&p, i));
        assert_int_equal(cs_digest_quoted(&q, i), cs_digest_quoted(&p, i));
    }
    assert_int_equal(cs_digest_write(&p, out, len, &len), CS_E_TOO_LARGE);
    assert_string_equal(out, "");

    /* Full lists and values refuse more. */
    cs_digest_init(&p);
    for (int i = 0; i < CS_DIGEST_MAX_PARAMS; i++) {
        char name[8];
        snprintf(name, sizeof name, "p%d", i);
        assert_int_equal(cs_digest_add(&p, name, "v", false), CS_OK);
    }
    assert_int_equal(cs_digest_add(&p, "more", "v", false), CS_E_TOO_LARGE);
    char value[CS_DIGEST_MAX_VALUE + 2];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    cs_digest_init(&p);
    assert_int_equal(cs_digest_add(&p, "v", value, false), CS_E_TOO_LARGE);
}

/* ---- One Ub exchange ------------------------------------------------------- */

/* The BSF's view: the subscriber's K/OPc, its HSS counter, the challenge
 * it sent. */
typedef struct bsf {
    uint8_t k[16], opc[16];
    uint64_t sqn_he;
    cs_aka_vector av;
    char nonce[CS_AKA_NONCE_MAX];
} bsf;

/* 401: a fresh vector and its WWW-Authenticate value. */
static void bsf_challenge(bsf *b, uint8_t rand_byte, char *out, size_t cap)
{
    uint8_t rand[16], sqn[6], amf[2] = { 0, 0 };
    cs_digest_params p;
    memset(rand, rand_byte, sizeof rand);
    b->sqn_he = cs_aka_sqn_next(b->sqn_he, 0);
    cs_aka_sqn_from_u64(b->sqn_he, sqn);
    cs_aka_vector_make(b->k, b->opc, rand, sqn, amf, &b->av);
    assert_int_equal(cs_digest_aka_nonce_encode(rand, b->av.autn, NULL, 0, b->nonce,
                                                sizeof b->nonce), CS_OK);
    cs_digest_init(&p);
    assert_int_equal(cs_digest_add(&p, "realm", BSF_HOST, true), CS_OK);
    assert_int_equal(cs_digest_add(&p, "nonce", b->nonce, true), CS_OK);
    assert_int_equal(cs_digest_add(&p, "algorithm", "AKAv1-MD5", false), CS_OK);
    assert_int_equal(cs_digest_add(&p, "qop", "auth-int", true), CS_OK);
    assert_int_equal(cs_digest_write(&p, out, cap, NULL), CS_OK);
}

/* The device answers a challenge: Authorization value, or a resync
 * request (auts, empty password) when the card says so. */
static cs_aka_status device_answer(cs_usim *card, const char *challenge, char *out,
                                   size_t cap, cs_aka_result *r)
{
    cs_digest_params c, a;
    uint8_t rand[16], autn[16];
    char ha1[33], ha2[33], resp[33];
    assert_int_equal(parse(challenge, &c), CS_OK);
    assert_true(cs_digest_qop_offered(cs_digest_get(&c, "qop"), CS_DIGEST_QOP_AUTH_INT));
    const char *nonce = cs_digest_get(&c, "nonce");
    assert_int_equal(cs_digest_aka_nonce_decode(nonce, rand, autn, NULL, 0, NULL), CS_OK);
    cs_aka_status st = cs_usim_authenticate(card, rand, autn, r);
    assert_int_not_equal(st, CS_AKA_MAC_FAILURE);
    if (st == CS_AKA_SUCCESS)
        assert_int_equal(cs_digest_ha1(IMPI, BSF_HOST, r->res, 8, ha1), CS_OK);
    else
        assert_int_equal(cs_digest_ha1(IMPI, BSF_HOST, NULL, 0, ha1), CS_OK);
    assert_int_equal(cs_digest_ha2("GET", "/", CS_DIGEST_QOP_AUTH_INT, NULL, 0, ha2), CS_OK);
    assert_int_equal(cs_digest_response(ha1, nonce, "00000001", "0a4f113b",
                                        CS_DIGEST_QOP_AUTH_INT, ha2, resp), CS_OK);
    memset(ha1, 0, sizeof ha1);         /* HA1 stands for RES */
    cs_digest_init(&a);
    assert_int_equal(cs_digest_add(&a, "username", IMPI, true), CS_OK);
    assert_int_equal(cs_digest_add(&a, "realm", BSF_HOST, true), CS_OK);
    assert_int_equal(cs_digest_add(&a, "nonce", nonce, true), CS_OK);
    assert_int_equal(cs_digest_add(&a, "uri", "/", true), CS_OK);
    assert_int_equal(cs_digest_add(&a, "qop", "auth-int", false), CS_OK);
    assert_int_equal(cs_digest_add(&a, "nc", "00000001", false), CS_OK);
    assert_int_equal(cs_digest_add(&a, "cnonce", "0a4f113b", true), CS_OK);
    assert_int_equal(cs_digest_add(&a, "response", resp, true), CS_OK);
    assert_int_equal(cs_digest_add(&a, "algorithm", "AKAv1-MD5", false), CS_OK);
    if (st == CS_AKA_SYNC_FAILURE) {
        char auts[CS_AKA_AUTS_B64_MAX];
        cs_digest_auts_encode(r->auts, auts);
        assert_int_equal(cs_digest_add(&a, "auts", auts, true), CS_OK);
    }
    assert_int_equal(cs_digest_write(&a, out, cap, NULL), CS_OK);
    return st;
}

/* The BSF checks an Authorization value against its vector: the response
 * with XRES (or the empty password and a valid AUTS). */
static bool bsf_verify(bsf *b, const char *authorization, bool *resynced)
{
    cs_digest_params a;
    cs_digest_qop qop;
    char ha1[33], ha2[33], want[33];
    assert_int_equal(parse(authorization, &a), CS_OK);
    assert_string_equal(cs_digest_get(&a, "nonce"), b->nonce);
    assert_int_equal(cs_digest_qop_parse(cs_digest_get(&a, "qop"), &qop), CS_OK);
    const char *auts_b64 = cs_digest_get(&a, "auts");
    *resynced = false;
    if (auts_b64 != NULL) {
        uint8_t auts[14], sqn_ms[6];
        assert_int_equal(cs_digest_ha1(cs_digest_get(&a, "username"),
                                       cs_digest_get(&a, "realm"), NULL, 0, ha1), CS_OK);
        assert_int_equal(cs_digest_auts_decode(auts_b64, auts), CS_OK);
        if (!cs_aka_auts_recover(b->k, b->opc, b->av.rand, auts, sqn_ms))
            return false;
        b->sqn_he = cs_aka_sqn_to_u64(sqn_ms);
        *resynced = true;
    } else {
        assert_int_equal(cs_digest_ha1(cs_digest_get(&a, "username"),
                                       cs_digest_get(&a, "realm"), b->av.xres, 8, ha1),
                         CS_OK);
    }
    assert_int_equal(cs_digest_ha2("GET", cs_digest_get(&a, "uri"), qop, NULL, 0, ha2),
                     CS_OK);
    assert_int_equal(cs_digest_response(ha1, b->nonce, cs_digest_get(&a, "nc"),
                                        cs_digest_get(&a, "cnonce"), qop, ha2, want),
                     CS_OK);
    return cs_digest_response_equal(want, cs_digest_get(&a, "response"));
}

static void ub_exchange(void **state)
{
    (void)state;
    bsf b;
    cs_usim card;
    cs_aka_result r;
    char challenge[CS_DIGEST_MAX_HEADER + 1], answer[CS_DIGEST_MAX_HEADER + 1];
    bool resynced;
    test_hex("465b5ce8b199b49faa5f0a2ee238a6bc", b.k, 16);
    test_hex("cd63cb71954a9f4e48a5994e37a02baf", b.opc, 16);
    cs_usim_init(&card, b.k, b.opc);
    uint64_t seq_ms[CS_AKA_IND_COUNT] = { 0 };
    seq_ms[0] = 40;                   /* the card is ahead of the HSS */
    assert_int_equal(cs_usim_sqn_state_set(&card, seq_ms), CS_OK);
    b.sqn_he = 0;

    /* First round: sync failure, resync accepted by the BSF. */
    bsf_challenge(&b, 0x11, challenge, sizeof challenge);
    assert_int_equal(device_answer(&card, challenge, answer, sizeof answer, &r),
                     CS_AKA_SYNC_FAILURE);
    assert_true(bsf_verify(&b, answer, &resynced));
    assert_true(resynced);

    /* Second round: success; both ends derive the same Ks_NAF. */
    bsf_challenge(&b, 0x22, challenge, sizeof challenge);
    assert_int_equal(device_answer(&card, challenge, answer, sizeof answer, &r),
                     CS_AKA_SUCCESS);
    assert_true(bsf_verify(&b, answer, &resynced));
    assert_false(resynced);

    char btid[CS_GBA_BTID_MAX + 1];
    uint8_t ks_ue[32], ks_bsf[32], naf_ue[32], naf_bsf[32];
    assert_int_equal(cs_gba_btid(b.av.rand, BSF_HOST, btid, sizeof btid), CS_OK);
    cs_gba_ks(r.ck, r.ik, ks_ue);
    cs_gba_ks(b.av.ck, b.av.ik, ks_bsf);
    assert_int_equal(cs_gba_ks_naf(ks_ue, b.av.rand, IMPI, "bs.example.com",
                                   cs_ua_id_lwm2m_dtls_psk, naf_ue), CS_OK);
    assert_int_equal(cs_gba_ks_naf(ks_bsf, b.av.rand, IMPI, "bs.example.com",
                                   cs_ua_id_lwm2m_dtls_psk, naf_bsf), CS_OK);
    assert_memory_equal(naf_ue, naf_bsf, 32);

    /* A tampered response is refused; a replayed challenge too. */
    char *resp = strstr(answer, "response=\"");
    assert_non_null(resp);
    resp[10] = resp[10] == '0' ? '1' : '0';
    assert_false(bsf_verify(&b, answer, &resynced));
    cs_digest_params c;
    assert_int_equal(parse(challenge, &c), CS_OK);
    uint8_t rand[16], autn[16];
    assert_int_equal(cs_digest_aka_nonce_decode(cs_digest_get(&c, "nonce"), rand, autn,
                                                NULL, 0, NULL), CS_OK);
    assert_int_equal(cs_usim_authenticate(&card, rand, autn, &r), CS_AKA_SYNC_FAILURE);
    cs_aka_result_wipe(&r);
    cs_usim_wipe(&card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(impi_and_bsf_host),
        cmocka_unit_test(btid),
        cmocka_unit_test(kdf_input_and_ks_naf),
        cmocka_unit_test(psk_identities),
        cmocka_unit_test(akma_keys),
        cmocka_unit_test(akma_akid),
        cmocka_unit_test(digest_vector),
        cmocka_unit_test(qop_values),
        cmocka_unit_test(parser_good),
        cmocka_unit_test(parser_bad),
        cmocka_unit_test(writer),
        cmocka_unit_test(ub_exchange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
