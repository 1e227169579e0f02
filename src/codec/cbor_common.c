/* cbor_common.c - PLACEHOLDER */
#include "codec_internal.h"
