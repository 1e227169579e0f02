/*
 * fuzz_decode.c - libFuzzer target for one content-format decoder, chosen
 * at build time with -DFUZZ_FORMAT=<CoAP content format number>.
 *
 * Input: one byte that picks the request target, then the payload.
 * byte % 5 is the path depth, byte / 5 % 4 the object (3 Device, 0
 * Security, 1 Server, or 65000 which no registry defines).
 *
 * Beyond "no crash, no leak, no overread", every payload that decodes must
 * survive a round trip: encoding the records in the same format and
 * decoding that again gives the same records.  A format that cannot
 * express some record (CS_E_NOT_ACCEPTABLE) is exempt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/codec.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=<content format>"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cs_path pick_target(uint8_t selector)
{
    static const uint16_t objects[4] = { 3, 0, 1, 65000 };
    static const uint16_t multiple_resource[4] = { 11, 16, 24, 0 };
    unsigned depth = selector % 5u;
    unsigned which = selector / 5u % 4u;
    cs_path p = cs_path_root();
    if (depth >= 1)
        p = cs_path_object(objects[which]);
    if (depth >= 2)
        p = cs_path_instance(objects[which], 0);
    if (depth == 3)
        p = cs_path_resource(objects[which], 0, which == 2 ? 1 : 0);
    if (depth == 4)
        p = cs_path_resource_instance(objects[which], 0,
                                      multiple_resource[which], 0);
    return p;
}

static void check_round_trip(const cs_path *target, cs_records *first)
{
    cs_buf out;
    cs_buf_init(&out, 1u << 22);
    cs_err err = cs_encode(FUZZ_FORMAT, target, first, cs_registry_standard(),
                           &out);
    if (err == CS_E_NOT_ACCEPTABLE || err == CS_E_TOO_LARGE) {
        cs_buf_free(&out);
        return;
    }
    if (err != CS_OK) {
        fprintf(stderr, "encode of decoded records failed: %s\n",
                cs_strerror(err));
        abort();
    }
    cs_records second;
    cs_records_init(&second);
    err = cs_decode(FUZZ_FORMAT, target, out.data, out.len,
                    cs_registry_standard(), &second);
    if (err != CS_OK) {
        fprintf(stderr, "re-decode failed: %s\n", cs_strerror(err));
        abort();
    }
    cs_records_sort(first);
    cs_records_sort(&second);
    if (second.count != first->count) {
        fprintf(stderr, "round trip changed the record count\n");
        abort();
    }
    for (size_t i = 0; i < first->count; i++) {
        if (cs_path_compare(&first->items[i].path, &second.items[i].path) ||
            !cs_value_equal(&first->items[i].value, &second.items[i].value)) {
            fprintf(stderr, "round trip changed record %zu\n", i);
            abort();
        }
    }
    cs_records_free(&second);
    cs_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    cs_path target = pick_target(data[0]);
    cs_records rs;
    cs_records_init(&rs);
    cs_err err = cs_decode(FUZZ_FORMAT, &target, data + 1, size - 1,
                           cs_registry_standard(), &rs);
    if (err == CS_OK)
        check_round_trip(&target, &rs);
    else if (rs.count != 0)
        abort();                  /* a failed decode must add nothing */
    cs_records_free(&rs);
    return 0;
}
