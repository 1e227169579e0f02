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
 */
#ifndef CELLSTRAP_CELLULAR_H
#define CELLSTRAP_CELLULAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cellstrap/addr.h"
#include "cellstrap/error.h"

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
    uint64_t attach_id;     /* differs for every attach */
} cs_data_session;

/* True when `s` is 6..15 decimal digits. */
bool cs_imsi_valid(const char *s);

/* True when `s` is 15 decimal digits whose last is the Luhn check digit. */
bool cs_imei_valid(const char *s);

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

void cs_modem_close(cs_modem *m);

#ifdef __cplusplus
}
#endif

#endif
