/* link_format.c - PLACEHOLDER */
#include "cellstrap/linkformat.h"
