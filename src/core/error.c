/*
 * error.c - text and CoAP response code for each cs_err.
 */
#include "cellstrap/error.h"

const char *cs_strerror(cs_err err)
{
    switch (err) {
    case CS_OK: return "success";
    case CS_E_TRUNCATED: return "input ends inside an element";
    case CS_E_BAD_LENGTH: return "impossible or inconsistent length";
    case CS_E_NESTING: return "element nested where it may not stand";
    case CS_E_DUPLICATE: return "the same path appears twice";
    case CS_E_TYPE: return "value type does not match the object definition";
    case CS_E_RANGE: return "value out of range";
    case CS_E_TRAILING: return "bytes after the end of the content";
    case CS_E_SYNTAX: return "syntax error";
    case CS_E_PATH: return "malformed path, or a path outside the target";
    case CS_E_ENCODING: return "invalid character or byte encoding";
    case CS_E_BAD_OPTION: return "unrecognized critical option";
    case CS_E_NOT_FOUND: return "not found";
    case CS_E_NOT_ALLOWED: return "operation not allowed on this target";
    case CS_E_NOT_ACCEPTABLE: return "content cannot be expressed in this format";
    case CS_E_TOO_LARGE: return "a size bound would be exceeded";
    case CS_E_UNSUPPORTED_FORMAT: return "unsupported content format";
    case CS_E_NOMEM: return "out of memory";
    case CS_E_INTERNAL: return "internal error";
    case CS_E_INVALID_ARG: return "invalid argument";
    case CS_E_TIMEOUT: return "no answer in time";
    case CS_E_RESET: return "rejected by the peer (reset)";
    case CS_E_BUSY: return "a limit on peers or exchanges was reached";
    case CS_E_SESSION: return "the secure session failed or was closed";
    }
    return "unknown error";
}

/* RFC 7252 code byte: class in the top three bits, detail in the low five. */
#define COAP_CODE(cls, detail) ((unsigned)(((cls) << 5) | (detail)))

unsigned cs_err_coap_code(cs_err err)
{
    if (err == CS_OK)
        return 0;
    if (err <= CS_E_TRUNCATED && err >= CS_E_ENCODING)
        return COAP_CODE(4, 0);
    switch (err) {
    case CS_E_BAD_OPTION: return COAP_CODE(4, 2);
    case CS_E_NOT_FOUND: return COAP_CODE(4, 4);
    case CS_E_NOT_ALLOWED: return COAP_CODE(4, 5);
    case CS_E_NOT_ACCEPTABLE: return COAP_CODE(4, 6);
    case CS_E_TOO_LARGE: return COAP_CODE(4, 13);
    case CS_E_UNSUPPORTED_FORMAT: return COAP_CODE(4, 15);
    case CS_E_TIMEOUT:
    case CS_E_RESET:
    case CS_E_BUSY: return COAP_CODE(5, 3);
    case CS_E_SESSION: return COAP_CODE(5, 3);
    default: return COAP_CODE(5, 0);
    }
}
