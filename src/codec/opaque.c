/*
 * opaque.c - application/octet-stream (content format 42): the raw bytes
 * of one Opaque resource value (firmware images, application blobs).
 *
 * LwM2M uses this format only for Opaque resources.  Decoding it for a
 * resource the registry defines with another type is CS_E_TYPE (4.00, as
 * Leshan and Anjay answer); encoding a value that is not Opaque, or for a
 * known resource that is not Opaque, is CS_E_NOT_ACCEPTABLE (4.06).
 * Resources the registry does not know take the bytes as Opaque.  Like
 * text, an object or instance target is CS_E_NESTING on decode.
 */
#include "codec_internal.h"

cs_err cs_opaque_decode(const cs_path *target, const uint8_t *data,
                        size_t len, const cs_registry *reg, cs_records *out)
{
    if (target->len < CS_LEVEL_RESOURCE)
        return CS_E_NESTING;
    const cs_resource_def *def = cs_codec_resource(reg, target);
    if (def != NULL && def->type != CS_TYPE_OPAQUE)
        return CS_E_TYPE;
    cs_value v = cs_value_opaque(data, len);
    return cs_records_add(out, target, &v);
}

cs_err cs_opaque_encode(const cs_path *target, const cs_records *in,
                        const cs_registry *reg, cs_buf *out)
{
    const cs_record *rec;
    cs_err err = cs_codec_single_record(target, in, &rec);
    if (err != CS_OK)
        return err;
    const cs_resource_def *def = cs_codec_resource(reg, target);
    if (rec->value.type != CS_TYPE_OPAQUE ||
        (def != NULL && def->type != CS_TYPE_OPAQUE))
        return CS_E_NOT_ACCEPTABLE;
    return cs_buf_append(out, rec->value.v.bytes.data, rec->value.v.bytes.len);
}
