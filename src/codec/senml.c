/* senml.c - PLACEHOLDER */
#include "codec_internal.h"
