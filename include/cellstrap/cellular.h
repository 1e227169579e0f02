/*
 * cellular.h - what a vanilla device knows from its SIM and its modem, and
 * what it derives from that: the Endpoint Client Name and the address of
 * its home operator's bootstrap server.
 *
 * A modem is opened from a spec string.  Today there is one back end,
 * "emulated:PATH": a JSON file that cellstrap-netsim writes for each
 * subscriber (its SIM and its current data session), re-read on every
 * cs_modem_read so that an attach, a detach or a new address is seen.  A
 * real AT-command modem is another back end behind the same calls.
 *
 * The emulated SIM may also hold a USIM application (member "usim_file":
 * the path of a second, secret file with K, OPc and the card's sequence
 * number state), so that the device can run 3GPP AKA for GBA.
 */
#ifndef CELLSTRAP_CELLULAR_H
#define CELLSTRAP_CELLULAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"
#include "cellstrap/usim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The subscription, as the SIM and the modem tell it.  Strings are
 * NUL-terminated digit strings; an unknown one is empty. */
typedef struct cs_subscription {
    char imsi[16];          /* 6..15 digits (required) */
    uint8_t mnc_length;     /* 2 or 3 (SIM file EF_AD); 0 = unknown */
    char iccid[21];         /* 18..20 digits */
    char imei[16];          /* 15 digits, Luhn check digit */
    char imeisv[17];        /* 16 digits */
    char msisdn[16];        /* up to 15 digits */
} cs_subscription;

/* The packet data session the network gave the device. */
typedef struct cs_data_session {
    bool attached;
    cs_addr address;        /* the device's address (port 0) */
    char apn[101];
    /* A bootstrap-server URI the network provided (e.g. in its session
     * configuration), or empty. */
    char bootstrap_uri[256];
    /* The GBA BSF the network names (http://...), or empty. */
    char bsf_uri[256];
    /* The attach's primary authentication (5G AKA) challenge, when the
     * network runs AKMA: the USIM answers it and the AKMA keys follow. */
    bool has_aka;
    uint8_t aka_rand[16], aka_autn[16];
    uint64_t attach_id;     /* differs for every attach */
} cs_data_session;

/* True when `s` is 6..15 decimal digits. */
bool cs_imsi_valid(const char *s);

/* True when `s` is 15 decimal digits whose last is the Luhn check digit. */
bool cs_imei_valid(const char *s);

/* The IMEI of an IMEISV (16 digits): its first 14 digits (TAC and serial
 * number) and the Luhn check digit.  False for anything but 16 digits. */
bool cs_imei_from_imeisv(const char *imeisv, char imei[16]);

/*
 * Split an IMSI into MCC (3 digits) and MNC (2 or 3), NUL-terminated.
 * mnc_length 0 means "unknown": 3 for the MCCs that use three-digit MNCs
 * (North America and a few others, see docs/zero-touch.md), else 2.
 * CS_E_SYNTAX for an invalid IMSI, CS_E_RANGE for mnc_length not 0, 2, 3.
 */
cs_err cs_imsi_home_network(const char *imsi, uint8_t mnc_length,
                            char mcc[4], char mnc[4]);

/* The default pattern of cs_endpoint_name_from_subscription. */
#define CS_ENDPOINT_PATTERN_DEFAULT "urn:imei-imsi:{imei}-{imsi}"

/*
 * The Endpoint Client Name from `pattern`, whose placeholders {imsi},
 * {imei}, {imeisv}, {iccid} and {msisdn} take the subscription's values;
 * NULL pattern = CS_ENDPOINT_PATTERN_DEFAULT.  CS_E_NOT_FOUND when a
 * placeholder's value is unknown, CS_E_SYNTAX for an unknown or unclosed
 * placeholder, CS_E_TOO_LARGE when `cap` is too small.
 */
cs_err cs_endpoint_name_from_subscription(const char *pattern,
                                          const cs_subscription *sub,
                                          char *out, size_t cap);

/* The default pattern of cs_bootstrap_host_from_imsi (3GPP TS 23.003 style:
 * the MNC always written with three digits). */
#define CS_BS_HOST_PATTERN_DEFAULT "lwm2m-bs.mnc{mnc}.mcc{mcc}.pub.3gppnetwork.org"

/*
 * The bootstrap server's host name for the IMSI's home network from
 * `pattern` ({mcc}; {mnc} three digits, zero-padded; NULL = the default).
 * Errors as cs_imsi_home_network and cs_endpoint_name_from_subscription.
 */
cs_err cs_bootstrap_host_from_imsi(const char *pattern, const char *imsi,
                                   uint8_t mnc_length, char *out, size_t cap);

typedef struct cs_modem cs_modem;

/*
 * Open a modem: "emulated:PATH".  *out is the caller's: cs_modem_close.
 * CS_E_INVALID_ARG for an unknown back end.  The file need not exist yet
 * (an emulated device may be powered before netsim provisions it).
 */
cs_err cs_modem_open(const char *spec, cs_modem **out);

/*
 * Read the SIM and the data session now.  CS_E_NOT_FOUND while there is no
 * SIM (no file yet); CS_E_SYNTAX (and an error log naming the member) for
 * a file that is not what netsim writes.  `session` may be NULL.
 */
cs_err cs_modem_read(cs_modem *m, cs_subscription *sub,
                     cs_data_session *session);

/*
 * The USIM's AUTHENTICATE (3G context) with `rand` and `autn` from the
 * network, as a real modem runs it with AT+CSIM.  Fills *out (the caller
 * wipes it: cs_aka_result_wipe) and returns CS_OK whatever out->status
 * says: CS_AKA_SUCCESS (res, ck, ik), CS_AKA_MAC_FAILURE (the challenge
 * is not from our home network) or CS_AKA_SYNC_FAILURE (auts).  The card's
 * freshness state is persisted before a success is reported.
 *
 * Emulated back end: the modem file's member "usim_file" names the SIM's
 * secret file (a relative path is relative to the modem file's directory):
 *     {"k": "<32 hex>", "opc": "<32 hex>", "seq_ms": [32 integers]}
 * (seq_ms optional, all 0 when absent; one highest SEQ per IND, see
 * usim.h).  After a success the file is replaced atomically (mode 0600)
 * with the new seq_ms.  Errors: CS_E_NOT_FOUND when there is no modem
 * file, no "usim_file" member or no such file; CS_E_SYNTAX (error log
 * naming the member, never a key) for a file that is not of this form;
 * CS_E_TOO_LARGE for an oversized file; CS_E_INTERNAL when the new state
 * cannot be written (then *out is wiped: a card that cannot remember
 * must not hand out keys); CS_E_INVALID_ARG for NULL arguments.
 */
cs_err cs_modem_authenticate(cs_modem *m, const uint8_t rand[16],
                             const uint8_t autn[16], cs_aka_result *out);

void cs_modem_close(cs_modem *m);

#ifdef __cplusplus
}
#endif

#endif
