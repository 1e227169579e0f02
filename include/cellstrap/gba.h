/*
 * cellstrap/gba.h - the key and identity arithmetic of GBA (3GPP TS
 * 33.220, GBA_ME) and AKMA (TS 33.535), and the DTLS-PSK identities that
 * carry their key identifiers (TS 33.222 / 24.109 style).  docs/gba.md
 * describes the profile: what is derived how, and which formats are our
 * own choices.
 *
 * Pure computation over caller-owned buffers: the BSF, the NAF (our
 * bootstrap server), the AAnF and the device all call the same functions.
 * Keys are secrets: never logged here, temporaries wiped; the caller wipes
 * the keys it receives.  Strings out are NUL-terminated; a too-small
 * buffer gives CS_E_TOO_LARGE and an empty string.
 */
#ifndef CELLSTRAP_GBA_H
#define CELLSTRAP_GBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Generic KDF (TS 33.220 Annex B.2) ------------------------------- */

#define CS_KDF_OUT_LEN 32       /* HMAC-SHA-256 */
#define CS_KDF_MAX_PARAMS 8
#define CS_KDF_MAX_INPUT 1024   /* our bound on S; 3GPP inputs are far smaller */

/* One parameter Pi; its 2-octet length Li is derived. */
typedef struct cs_kdf_param {
    const void *data;
    size_t len;
} cs_kdf_param;

/*
 * S = FC || P0 || L0 || ... || Pn || Ln into `out` (*out_len its length).
 * CS_E_INVALID_ARG for more than CS_KDF_MAX_PARAMS parameters, CS_E_RANGE
 * for a parameter over 65535 octets, CS_E_TOO_LARGE when S exceeds `cap`.
 */
cs_err cs_kdf_input(uint8_t fc, const cs_kdf_param *params, size_t count,
                    uint8_t *out, size_t cap, size_t *out_len);

/* HMAC-SHA-256(key, S); errors as cs_kdf_input (cap CS_KDF_MAX_INPUT). */
cs_err cs_kdf(const uint8_t *key, size_t key_len, uint8_t fc,
              const cs_kdf_param *params, size_t count,
              uint8_t out[CS_KDF_OUT_LEN]);

/* ---- Ua security protocol identifiers (TS 33.220 Annex H) ------------ */

#define CS_UA_ID_LEN 5
/* 01 00 01 C0 A8: 3GPP "shared-key TLS" with the cipher suite code of
 * TLS_PSK_WITH_AES_128_CCM_8, the suite LwM2M mandates.  Our profile's
 * choice for DTLS-PSK to an LwM2M bootstrap server: not standardised. */
#define CS_UA_ID_TLS_PSK_AES_128_CCM_8 { 0x01, 0x00, 0x01, 0xC0, 0xA8 }
extern const uint8_t cs_ua_id_lwm2m_dtls_psk[CS_UA_ID_LEN];

/* ---- GBA identities --------------------------------------------------- */

/*
 * IMPI from the IMSI (TS 23.003): "<IMSI>@ims.mnc<MNC>.mcc<MCC>.
 * 3gppnetwork.org", MNC zero-padded to three digits; `mnc_length` as in
 * cs_imsi_home_network (0 = guess).  Errors as cs_imsi_home_network, and
 * CS_E_TOO_LARGE.
 */
cs_err cs_gba_impi_from_imsi(const char *imsi, uint8_t mnc_length, char *out,
                             size_t cap);

/* The BSF's host: "bsf.mnc<MNC>.mcc<MCC>.pub.3gppnetwork.org" (same padding). */
cs_err cs_gba_bsf_host_from_imsi(const char *imsi, uint8_t mnc_length,
                                 char *out, size_t cap);

#define CS_GBA_BTID_MAX 255     /* characters; NAI bound we enforce */

/*
 * B-TID = base64(RAND) "@" bsf_domain (TS 33.220 §4.5.2).  NAFs must treat
 * a B-TID as opaque: other BSFs form it differently.  CS_E_INVALID_ARG for
 * an empty or non-printable domain; CS_E_TOO_LARGE beyond CS_GBA_BTID_MAX
 * or `cap`.
 */
cs_err cs_gba_btid(const uint8_t rand[16], const char *bsf_domain, char *out,
                   size_t cap);

/* ---- Ub: the BSF's answer ------------------------------------------------ */

#define CS_GBA_BOOTSTRAPPING_INFO_MAX 4096   /* octets of the XML document */

/*
 * Parse the body of the BSF's 200 (application/vnd.3gpp.bsf+xml, TS
 * 24.109 Annex C): an optional XML declaration, then one element
 * <BootstrappingInfo xmlns="uri:3gpp-gba"> holding <btid> (1..255
 * printable ASCII characters, no '<' or '&'), <lifetime> (xs:dateTime of
 * the form YYYY-MM-DDTHH:MM:SSZ, UTC only) and optionally <Extension>,
 * skipped when it holds only simple elements (text, no attributes).  This
 * parser faces the network and is strict: DOCTYPE, entity and character
 * references, CDATA, comments, processing instructions, other attributes,
 * namespace prefixes and non-ASCII octets are refused.
 *
 * `btid` gets the B-TID (NUL-terminated), *lifetime_unix the key
 * lifetime in seconds since 1970.  Errors: CS_E_SYNTAX for anything not
 * of this form (impossible dates included); CS_E_TRAILING for anything but
 * whitespace after the element; CS_E_TOO_LARGE for a document over
 * CS_GBA_BOOTSTRAPPING_INFO_MAX or a B-TID that does not fit `btid_cap`;
 * CS_E_INVALID_ARG for NULL arguments.  On error `btid` is empty and
 * *lifetime_unix 0.
 */
cs_err cs_gba_parse_bootstrapping_info(const char *xml, size_t len, char *btid,
                                       size_t btid_cap, int64_t *lifetime_unix);

/* ---- GBA keys --------------------------------------------------------- */

#define CS_GBA_KS_LEN 32
#define CS_GBA_KEY_LEN 32       /* Ks_NAF */
#define CS_GBA_NAF_ID_MAX (255 + CS_UA_ID_LEN)

/* Ks = CK || IK. */
void cs_gba_ks(const uint8_t ck[16], const uint8_t ik[16],
               uint8_t ks[CS_GBA_KS_LEN]);

/*
 * NAF_Id = FQDN || Ua security protocol id, as the NAF-Id of Zn carries it.
 * The FQDN is taken octet for octet, exactly as the device used it (we
 * recommend lower case).  CS_E_INVALID_ARG for an empty FQDN or one over
 * 255 octets, CS_E_TOO_LARGE when `cap` is short.
 */
cs_err cs_gba_naf_id(const char *naf_fqdn, const uint8_t ua_id[CS_UA_ID_LEN],
                     uint8_t *out, size_t cap, size_t *out_len);

/*
 * Ks_NAF (GBA_ME) = KDF(Ks, 0x01, "gba-me", RAND, IMPI, NAF_Id) (TS 33.220
 * Annex B.3).  The device computes it from its own Ks; the BSF from the
 * stored bootstrap session when the NAF asks over Zn.  Errors as
 * cs_gba_naf_id and CS_E_INVALID_ARG for an empty IMPI.
 */
cs_err cs_gba_ks_naf(const uint8_t ks[CS_GBA_KS_LEN], const uint8_t rand[16],
                     const char *impi, const char *naf_fqdn,
                     const uint8_t ua_id[CS_UA_ID_LEN],
                     uint8_t ks_naf[CS_GBA_KEY_LEN]);

/* ---- AKMA (TS 33.535) ------------------------------------------------- */

#define CS_AKMA_KEY_LEN 32      /* K_AUSF, K_AKMA, K_AF */
#define CS_AKMA_ATID_LEN 32

/*
 * K_AKMA = KDF(K_AUSF, 0x80, "AKMA", SUPI); A-TID = KDF(K_AUSF, 0x81,
 * "A-TID", SUPI).  `supi` is the SUPI as the KDF takes it; for an
 * IMSI-based SUPI our profile passes the IMSI digits (no "imsi-" prefix).
 * CS_E_INVALID_ARG for an empty SUPI.
 */
cs_err cs_akma_k_akma(const uint8_t k_ausf[CS_AKMA_KEY_LEN], const char *supi,
                      uint8_t k_akma[CS_AKMA_KEY_LEN]);
cs_err cs_akma_a_tid(const uint8_t k_ausf[CS_AKMA_KEY_LEN], const char *supi,
                     uint8_t a_tid[CS_AKMA_ATID_LEN]);

/* K_AF = KDF(K_AKMA, 0x82, AF_ID), AF_ID = FQDN || Ua* id (as NAF_Id).
 * Errors as cs_gba_naf_id. */
cs_err cs_akma_k_af(const uint8_t k_akma[CS_AKMA_KEY_LEN], const char *af_fqdn,
                    const uint8_t ua_id[CS_UA_ID_LEN],
                    uint8_t k_af[CS_AKMA_KEY_LEN]);

/*
 * K_AUSF after 5G AKA, for an emulated 5G core: KDF(CK || IK, 0x6A,
 * serving network name, SQN xor AK) (TS 33.501 Annex A.2 as we recall it;
 * not in our reference, unconfirmed - see docs/gba.md).  `snn` e.g. from
 * cs_akma_serving_network_name.  CS_E_INVALID_ARG for an empty snn.
 */
cs_err cs_akma_k_ausf_5g_aka(const uint8_t ck[16], const uint8_t ik[16],
                             const char *snn, const uint8_t sqn_xor_ak[6],
                             uint8_t k_ausf[CS_AKMA_KEY_LEN]);

/* "5G:mnc<MNC>.mcc<MCC>.3gppnetwork.org" (MNC three digits).  Errors as
 * cs_gba_impi_from_imsi. */
cs_err cs_akma_serving_network_name(const char *imsi, uint8_t mnc_length,
                                    char *out, size_t cap);

/*
 * A-KID, our format (the exact layout is not confirmed in our reference):
 *     <RID> "." base64url(A-TID) "@" <realm>
 * RID = the routing indicator, 1..4 decimal digits ("0" by default);
 * base64url without padding (43 characters); realm by default from
 * cs_akma_realm_from_imsi: "5gc.mnc<MNC>.mcc<MCC>.3gppnetwork.org".
 */
#define CS_AKMA_AKID_MAX 255
#define CS_AKMA_RID_MAX 4

/* CS_E_INVALID_ARG for a bad RID or a realm that is empty or not
 * printable; CS_E_TOO_LARGE beyond CS_AKMA_AKID_MAX or `cap`. */
cs_err cs_akma_akid(const char *rid, const uint8_t a_tid[CS_AKMA_ATID_LEN],
                    const char *realm, char *out, size_t cap);

cs_err cs_akma_realm_from_imsi(const char *imsi, uint8_t mnc_length,
                               char *out, size_t cap);

/*
 * Split an A-KID of our format.  `rid` gets the routing indicator, `a_tid`
 * the 32 octets, `realm` (may be NULL) the realm.  CS_E_SYNTAX when `akid`
 * is not of our format, CS_E_TOO_LARGE when the realm exceeds realm_cap.
 */
cs_err cs_akma_akid_parse(const char *akid, char rid[CS_AKMA_RID_MAX + 1],
                          uint8_t a_tid[CS_AKMA_ATID_LEN], char *realm,
                          size_t realm_cap);

/* ---- DTLS-PSK identities ---------------------------------------------
 *
 * The server's identity hint names the scheme; the client's identity
 * names the key: "3GPP-bootstrapping." B-TID (GBA_ME; TS 24.109 / 36.508
 * default) or "3GPP-AKMA." A-KID (the dot is our choice, by analogy).
 */
#define CS_GBA_PSK_HINT "3GPP-bootstrapping"
#define CS_AKMA_PSK_HINT "3GPP-AKMA"
/* The longest identity we format or accept, NUL included: hint, dot, key id. */
#define CS_PSK_IDENTITY_MAX (sizeof CS_GBA_PSK_HINT + 1 + CS_GBA_BTID_MAX)

typedef enum cs_psk_identity_kind {
    CS_PSK_IDENTITY_GBA = 1,    /* the key id is a B-TID */
    CS_PSK_IDENTITY_AKMA = 2    /* the key id is an A-KID */
} cs_psk_identity_kind;

/*
 * Write the identity for `key_id` (a B-TID or an A-KID).
 * CS_E_INVALID_ARG for an empty, over-long or non-printable key id;
 * CS_E_TOO_LARGE for `cap`.
 */
cs_err cs_psk_identity_format(cs_psk_identity_kind kind, const char *key_id,
                              char *out, size_t cap);

/*
 * Which kind of identity `identity` (the octets a DTLS client sent; not
 * NUL-terminated) is, with its key id copied to `key_id`.  CS_E_NOT_FOUND
 * when it carries neither prefix (an ordinary PSK identity, or another
 * GBA flavour such as GBA_U that we do not serve); CS_E_SYNTAX when the
 * key id after a prefix is empty, too long or not printable ASCII;
 * CS_E_TOO_LARGE when it does not fit `cap`.
 */
cs_err cs_psk_identity_parse(const uint8_t *identity, size_t len,
                             cs_psk_identity_kind *kind, char *key_id,
                             size_t cap);

#ifdef __cplusplus
}
#endif

#endif
