/* dtls.c - PLACEHOLDER */
#include "cellstrap/dtls.h"
