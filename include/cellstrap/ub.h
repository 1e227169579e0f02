/*
 * cellstrap/ub.h - the device's GBA client (GBA_ME, TS 33.220 / 24.109):
 * bootstrap over Ub with the BSF (HTTP Digest AKA, the USIM answering the
 * challenge through the modem), then derive Ks_NAF and the DTLS-PSK
 * identity for a NAF such as our LwM2M bootstrap server.  docs/gba.md
 * ("Ub client") describes the exchange as we implement it.
 *
 * Blocking (cs_http_request), for the device's startup path.  Secrets (RES,
 * CK, IK, Ks, Ks_NAF) are never logged; temporaries are wiped; the caller
 * wipes the session (cs_gba_session_wipe) and the keys it derives.
 */
#ifndef CELLSTRAP_UB_H
#define CELLSTRAP_UB_H

#include <stddef.h>
#include <stdint.h>

#include "cellstrap/cellular.h"
#include "cellstrap/error.h"
#include "cellstrap/gba.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_GBA_IMPI_MAX 255      /* characters (an NAI) */

/* A bootstrapped key Ks and what names it.  Plain data (may be copied);
 * ks is a secret. */
typedef struct cs_gba_session {
    char impi[CS_GBA_IMPI_MAX + 1];
    char btid[CS_GBA_BTID_MAX + 1];
    uint8_t rand[16];               /* of the challenge that succeeded */
    uint8_t ks[CS_GBA_KS_LEN];      /* CK || IK */
    int64_t expires;                /* key lifetime from the BSF, Unix seconds */
} cs_gba_session;

/*
 * Run Ub with the BSF at `bsf_url` ("http://host[:port][/path]") as `impi`
 * (cs_gba_impi_from_imsi): the initial request, the 401 challenge, the
 * USIM's AUTHENTICATE on `modem` (cs_modem_authenticate), the answer and
 * the BSF's BootstrappingInfo.  One resynchronisation round is made when
 * the card reports a sync failure; a second one is an error.  `timeout_ms`
 * bounds the whole exchange.  *out is filled on CS_OK only; it expires at
 * out->expires (the caller checks against its clock).
 *
 * Errors: CS_E_SESSION when the BSF refuses us (403 or another status we
 * do not expect) or the card finds the challenge not genuine (MAC failure)
 * or stale twice; CS_E_SYNTAX for a malformed challenge, a 200 of another
 * content type or a BootstrappingInfo that cs_gba_parse_bootstrapping_info
 * refuses; CS_E_TIMEOUT, CS_E_NOT_FOUND (cannot connect), CS_E_TOO_LARGE
 * from HTTP; the modem's errors (CS_E_NOT_FOUND: no USIM); CS_E_INVALID_ARG
 * for a URL that is not http(s):// or an IMPI that is empty, too long or
 * not printable.
 */
cs_err cs_gba_bootstrap(const char *bsf_url, const char *impi, cs_modem *modem,
                        unsigned timeout_ms, cs_gba_session *out);

/*
 * For the NAF `naf_fqdn` (the host name of the server the device talks
 * to, exactly as it uses it): Ks_NAF with the Ua id of cellstrap's LwM2M
 * DTLS-PSK profile (01 00 01 C0 A8, cs_ua_id_lwm2m_dtls_psk), and the PSK
 * identity "3GPP-bootstrapping.<B-TID>" into `identity` (may be NULL when
 * identity_cap is 0).  Errors as cs_gba_ks_naf and cs_psk_identity_format;
 * on error `key` is zeroed.  Does not check expiry.
 */
cs_err cs_gba_naf_key(const cs_gba_session *s, const char *naf_fqdn,
                      uint8_t key[CS_GBA_KEY_LEN], char *identity,
                      size_t identity_cap);

/* Overwrite the session (Ks included). */
void cs_gba_session_wipe(cs_gba_session *s);

#ifdef __cplusplus
}
#endif

#endif
