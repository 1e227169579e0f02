/*
 * senml_cbor.c - STUB, to be written.
 */
#include "codec_internal.h"

cs_err cs_senml_cbor_decode(const cs_path *target, const uint8_t *data, size_t len,
                      const cs_registry *reg, cs_records *out)
{
    (void)target; (void)data; (void)len; (void)reg; (void)out;
    return CS_E_UNSUPPORTED_FORMAT;
}

cs_err cs_senml_cbor_encode(const cs_path *target, const cs_records *in,
                      const cs_registry *reg, cs_buf *out)
{
    (void)target; (void)in; (void)reg; (void)out;
    return CS_E_UNSUPPORTED_FORMAT;
}
