/*
 * cbor_value.c - the CBOR content format (60, application/cbor) of LwM2M
 * 1.1+: one CBOR data item carrying the value of one resource or resource
 * instance.
 *
 * Value mapping (shared with LwM2M CBOR, see cbor_common.h): Integer as a
 * major type 0/1 integer, Unsigned as major 0, Float as a float (the
 * shortest of half, single, double that holds it exactly), Boolean as
 * true/false, String and Corelnk as text, Opaque as a byte string, Time as
 * tag 1 on an integer (what Leshan and Anjay send; tag 0 RFC 3339 text, as
 * Zephyr sends, and an untagged number are accepted too), Objlnk as text
 * "oid:iid".  Indefinite-length strings are accepted (Anjay streams large
 * values that way).  The decoder gives the value the type the CBOR carries;
 * cs_decode then converts it to the resource's defined type when that loses
 * nothing, and refuses it otherwise.
 */
#include "cbor_common.h"

cs_err cs_cbor_value_decode(const cs_path *target, const uint8_t *data,
                            size_t len, const cs_registry *reg,
                            cs_records *out)
{
    if (target->len < CS_LEVEL_RESOURCE)
        return CS_E_PATH;
    const cs_resource_def *def = cs_codec_resource(reg, target);

    cs_cbor_reader r;
    cs_cbor_reader_init(&r, data, len);
    cs_cbor_token t;
    cs_err err = cs_cbor_next(&r, &t);
    if (err != CS_OK)
        return err;

    cs_cbor_scratch scratch = { 0 };
    cs_value value;
    err = cs_cbor_read_value(&r, &t, def ? def->type : CS_TYPE_NONE,
                             &scratch, &value);
    /* null is no value of any LwM2M type */
    if (err == CS_OK && value.type == CS_TYPE_NONE)
        err = CS_E_TYPE;
    if (err == CS_OK && !cs_cbor_at_end(&r))
        err = CS_E_TRAILING;
    if (err == CS_OK)
        err = cs_records_add(out, target, &value);
    cs_cbor_scratch_free(&scratch);
    return err;
}

cs_err cs_cbor_value_encode(const cs_path *target, const cs_records *in,
                            const cs_registry *reg, cs_buf *out)
{
    const cs_record *rec;
    cs_err err = cs_codec_single_record(target, in, &rec);
    if (err != CS_OK)
        return err;
    cs_value value =
        cs_cbor_as_defined(&rec->value, cs_codec_resource(reg, &rec->path));
    return cs_cbor_put_value(out, &value);
}
