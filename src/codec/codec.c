/*
 * codec.c - cs_decode and cs_encode: pick the format's codec, check the
 * decoded list as a whole, and leave the caller's list or buffer untouched
 * on any error.
 */
#include <string.h>

#include "codec_internal.h"

struct format_entry {
    uint16_t format;
    const char *name;
    cs_decode_fn decode;
    cs_encode_fn encode;
};

static const struct format_entry formats[] = {
    { CS_FORMAT_TEXT, "text/plain", cs_text_decode, cs_text_encode },
    { CS_FORMAT_LINK, "application/link-format", NULL, NULL },
    { CS_FORMAT_OPAQUE, "application/octet-stream", cs_opaque_decode,
      cs_opaque_encode },
    { CS_FORMAT_CBOR, "application/cbor", cs_cbor_value_decode,
      cs_cbor_value_encode },
    { CS_FORMAT_SENML_JSON, "application/senml+json", cs_senml_json_decode,
      cs_senml_json_encode },
    { CS_FORMAT_SENML_CBOR, "application/senml+cbor", cs_senml_cbor_decode,
      cs_senml_cbor_encode },
    { CS_FORMAT_TLV, "application/vnd.oma.lwm2m+tlv", cs_tlv_decode,
      cs_tlv_encode },
    { CS_FORMAT_OMA_JSON, "application/vnd.oma.lwm2m+json",
      cs_oma_json_decode, cs_oma_json_encode },
    { CS_FORMAT_LWM2M_CBOR, "application/vnd.oma.lwm2m+cbor",
      cs_lwm2m_cbor_decode, cs_lwm2m_cbor_encode },
};

static const struct format_entry *find_format(uint16_t format)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].format == format)
            return &formats[i];
    return NULL;
}

const char *cs_format_name(uint16_t format)
{
    const struct format_entry *f = find_format(format);
    return f ? f->name : NULL;
}

const cs_resource_def *cs_codec_resource(const cs_registry *reg,
                                         const cs_path *path)
{
    return reg ? cs_registry_resource(reg, path) : NULL;
}

cs_err cs_codec_single_record(const cs_path *target, const cs_records *in,
                              const cs_record **out)
{
    if (target->len < CS_LEVEL_RESOURCE || in->count != 1 ||
        cs_path_compare(&in->items[0].path, target) != 0 ||
        in->items[0].value.type == CS_TYPE_NONE)
        return CS_E_NOT_ACCEPTABLE;
    *out = &in->items[0];
    return CS_OK;
}

/* Move every record of `from` to the end of `to`. */
static cs_err append_records(cs_records *to, cs_records *from)
{
    if (to->count == 0 && to->arena == NULL) {
        size_t max_rec = to->max_records, max_b = to->max_bytes;
        cs_records_free(to);
        *to = *from;
        to->max_records = max_rec;
        to->max_bytes = max_b;
        cs_records_init(from);
        return CS_OK;
    }
    size_t keep = to->count;
    for (size_t i = 0; i < from->count; i++) {
        const cs_record *r = &from->items[i];
        cs_err err = r->has_time
                         ? cs_records_add_timed(to, &r->path, &r->value, r->time)
                         : cs_records_add(to, &r->path, &r->value);
        if (err != CS_OK) {
            to->count = keep;
            return err;
        }
    }
    return CS_OK;
}

cs_err cs_decode(uint16_t format, const cs_path *target, const uint8_t *data,
                 size_t len, const cs_registry *reg, cs_records *out)
{
    if (target == NULL || out == NULL || (data == NULL && len > 0))
        return CS_E_INVALID_ARG;
    if (!cs_path_is_valid(target))
        return CS_E_PATH;
    const struct format_entry *f = find_format(format);
    if (f == NULL || f->decode == NULL)
        return CS_E_UNSUPPORTED_FORMAT;

    static const uint8_t empty[1];
    cs_records tmp;
    cs_records_init(&tmp);
    tmp.max_records = out->max_records;
    tmp.max_bytes = out->max_bytes;
    cs_err err = f->decode(target, data ? data : empty, len, reg, &tmp);
    if (err == CS_OK)
        err = cs_records_validate(&tmp, target, reg);
    if (err == CS_OK)
        err = append_records(out, &tmp);
    cs_records_free(&tmp);
    return err;
}

cs_err cs_encode(uint16_t format, const cs_path *target, const cs_records *in,
                 const cs_registry *reg, cs_buf *out)
{
    if (target == NULL || in == NULL || out == NULL)
        return CS_E_INVALID_ARG;
    if (!cs_path_is_valid(target))
        return CS_E_PATH;
    const struct format_entry *f = find_format(format);
    if (f == NULL || f->encode == NULL)
        return CS_E_UNSUPPORTED_FORMAT;
    size_t keep = out->len;
    cs_err err = f->encode(target, in, reg, out);
    if (err != CS_OK)
        out->len = keep;
    return err;
}
