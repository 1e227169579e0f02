/*
 * fuzz_bsf_xml.c - libFuzzer target for the BSF's BootstrappingInfo
 * parser (cs_gba_parse_bootstrapping_info), the one XML document the
 * device takes from the network.
 *
 * Beyond "no crash, no leak, no read past the input": a document that
 * parses gives a B-TID of 1..255 printable characters without '<' or '&'
 * and a lifetime within years 1970..9999; the canonical document written
 * from those values parses back to the same; a smaller B-TID buffer gives
 * the same answer or CS_E_TOO_LARGE; a failed parse leaves both outputs
 * empty.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/gba.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIFETIME_MAX INT64_C(253402300799)   /* 9999-12-31T23:59:59Z */

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_btid(const char *btid)
{
    size_t len = strlen(btid);
    check(len >= 1 && len <= CS_GBA_BTID_MAX);
    for (size_t i = 0; i < len; i++)
        check(btid[i] > 0x20 && btid[i] < 0x7f && btid[i] != '<' && btid[i] != '&');
}

/* Write the values back as the simplest document and parse that. */
static void check_round_trip(const char *btid, int64_t lifetime)
{
    time_t t = (time_t)lifetime;
    struct tm tm;
    char when[32], doc[512], again[CS_GBA_BTID_MAX + 1];
    int64_t lifetime_again;
    check(gmtime_r(&t, &tm) != NULL);
    check(strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20);
    int n = snprintf(doc, sizeof doc, "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">"
                     "<btid>%s</btid><lifetime>%s</lifetime></BootstrappingInfo>",
                     btid, when);
    check(n > 0 && (size_t)n < sizeof doc);
    check(cs_gba_parse_bootstrapping_info(doc, (size_t)n, again, sizeof again,
                                          &lifetime_again) == CS_OK);
    check(strcmp(again, btid) == 0 && lifetime_again == lifetime);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char btid[CS_GBA_BTID_MAX + 1], small[9];
    int64_t lifetime = -1, lifetime_small = -1;
    cs_err err = cs_gba_parse_bootstrapping_info((const char *)data, size, btid,
                                                 sizeof btid, &lifetime);
    cs_err err_small = cs_gba_parse_bootstrapping_info((const char *)data, size,
                                                       small, sizeof small,
                                                       &lifetime_small);
    if (err != CS_OK) {
        check(err == CS_E_SYNTAX || err == CS_E_TRAILING || err == CS_E_TOO_LARGE);
        check(btid[0] == '\0' && lifetime == 0);
        check(err_small == err);
        return 0;
    }
    check_btid(btid);
    check(lifetime >= 0 && lifetime <= LIFETIME_MAX);
    if (strlen(btid) < sizeof small) {
        check(err_small == CS_OK && strcmp(small, btid) == 0 &&
              lifetime_small == lifetime);
    } else {
        check(err_small == CS_E_TOO_LARGE && small[0] == '\0' && lifetime_small == 0);
    }
    check_round_trip(btid, lifetime);
    return 0;
}
