/* dtls.h - PLACEHOLDER */
#ifndef CELLSTRAP_DTLS_H
#define CELLSTRAP_DTLS_H
#include "cellstrap/addr.h"
#endif
