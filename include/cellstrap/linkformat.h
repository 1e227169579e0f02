/*
 * cellstrap/linkformat.h - CoRE link format (RFC 6690). PLACEHOLDER.
 */
#ifndef CELLSTRAP_LINKFORMAT_H
#define CELLSTRAP_LINKFORMAT_H
#include "cellstrap/codec.h"
#endif
