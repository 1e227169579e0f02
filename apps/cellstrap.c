/*
 * cellstrap.c - the `cellstrap` command: tools around the library that
 * people use by hand.
 *
 *   cellstrap demo                      show /3/0 in every content format
 *   cellstrap decode -f FMT -p PATH     print the records of a payload
 *   cellstrap convert -f FMT -t FMT -p PATH   re-encode a payload
 *
 * Payloads are read from standard input, raw, or as hex with --hex.
 * Exit status: 0 success, 1 bad input (the error says why), 2 usage.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/codec.h"

#define MAX_INPUT (1u << 20)

static const struct {
    const char *name;
    uint16_t format;
} format_names[] = {
    { "text", CS_FORMAT_TEXT },         { "opaque", CS_FORMAT_OPAQUE },
    { "cbor", CS_FORMAT_CBOR },         { "senml-json", CS_FORMAT_SENML_JSON },
    { "senml-cbor", CS_FORMAT_SENML_CBOR }, { "tlv", CS_FORMAT_TLV },
    { "oma-json", CS_FORMAT_OMA_JSON }, { "lwm2m-cbor", CS_FORMAT_LWM2M_CBOR },
};
#define FORMAT_COUNT (sizeof format_names / sizeof format_names[0])

static void usage(FILE *out)
{
    fprintf(out,
        "usage: cellstrap demo\n"
        "       cellstrap decode -f FORMAT -p PATH [--hex]\n"
        "       cellstrap convert -f FORMAT -t FORMAT -p PATH [--hex]\n"
        "\n"
        "  demo      encode the Device object instance /3/0 in every content\n"
        "            format, decode each back and compare\n"
        "  decode    read a payload on stdin and print one record per line\n"
        "  convert   read a payload on stdin and write it in another format\n"
        "\n"
        "  -f, --from FORMAT   content format of the input\n"
        "  -t, --to FORMAT     content format of the output (convert)\n"
        "  -p, --path PATH     the request's target path, e.g. /3/0\n"
        "  -x, --hex           input (and binary output) as hex text\n"
        "  -h, --help          this text\n"
        "\n"
        "FORMAT is a name or a CoAP content-format number: text (0), opaque\n"
        "(42), cbor (60), senml-json (110), senml-cbor (112), tlv (11542),\n"
        "oma-json (11543), lwm2m-cbor (11544).\n");
}

static int parse_format(const char *s, uint16_t *out)
{
    for (size_t i = 0; i < FORMAT_COUNT; i++) {
        if (strcmp(s, format_names[i].name) == 0) {
            *out = format_names[i].format;
            return 0;
        }
    }
    char *end;
    unsigned long n = strtoul(s, &end, 10);
    if (*s && *end == '\0' && n <= 65535 && cs_format_name((uint16_t)n)) {
        *out = (uint16_t)n;
        return 0;
    }
    fprintf(stderr, "cellstrap: unknown content format '%s'\n", s);
    return -1;
}

static const char *format_label(uint16_t format)
{
    for (size_t i = 0; i < FORMAT_COUNT; i++)
        if (format_names[i].format == format)
            return format_names[i].name;
    return "?";
}

static bool is_text_format(uint16_t format)
{
    return format == CS_FORMAT_TEXT || format == CS_FORMAT_SENML_JSON ||
           format == CS_FORMAT_OMA_JSON;
}

/* Read all of stdin (at most MAX_INPUT bytes); with `hex`, decode it. */
static int read_input(bool hex, cs_buf *in)
{
    cs_buf_init(in, MAX_INPUT);
    uint8_t chunk[4096];
    size_t n;
    int hi = -1;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        for (size_t i = 0; i < n && hex; i++) {
            int c = chunk[i];
            if (isspace(c))
                continue;
            if (!isxdigit(c)) {
                fprintf(stderr, "cellstrap: not a hex digit: '%c'\n", c);
                return -1;
            }
            int d = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
            if (hi < 0) {
                hi = d;
            } else if (cs_buf_append_byte(in, (uint8_t)(hi << 4 | d)) != CS_OK) {
                fprintf(stderr, "cellstrap: input larger than %u bytes\n", MAX_INPUT);
                return -1;
            } else {
                hi = -1;
            }
        }
        if (!hex && cs_buf_append(in, chunk, n) != CS_OK) {
            fprintf(stderr, "cellstrap: input larger than %u bytes\n", MAX_INPUT);
            return -1;
        }
    }
    if (hi >= 0) {
        fprintf(stderr, "cellstrap: odd number of hex digits\n");
        return -1;
    }
    return 0;
}

static void print_hex(FILE *out, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(out, "%02x%s", data[i], i + 1 < len ? " " : "");
    fputc('\n', out);
}

static void print_value(FILE *out, const cs_value *v)
{
    switch (v->type) {
    case CS_TYPE_NONE: fputs("(none)", out); break;
    case CS_TYPE_INTEGER: fprintf(out, "%lld", (long long)v->v.i); break;
    case CS_TYPE_TIME: fprintf(out, "%lld", (long long)v->v.i); break;
    case CS_TYPE_UNSIGNED: fprintf(out, "%llu", (unsigned long long)v->v.u); break;
    case CS_TYPE_FLOAT: fprintf(out, "%.17g", v->v.f); break;
    case CS_TYPE_BOOLEAN: fputs(v->v.b ? "true" : "false", out); break;
    case CS_TYPE_OBJLNK: fprintf(out, "%u:%u", v->v.lnk.oid, v->v.lnk.iid); break;
    case CS_TYPE_OPAQUE:
        for (size_t i = 0; i < v->v.bytes.len; i++)
            fprintf(out, "%02x", v->v.bytes.data[i]);
        break;
    case CS_TYPE_STRING:
    case CS_TYPE_CORELNK:
        fputc('"', out);
        for (size_t i = 0; i < v->v.bytes.len; i++) {
            uint8_t c = v->v.bytes.data[i];
            if (c == '"' || c == '\\')
                fprintf(out, "\\%c", c);
            else if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc(c, out);
        }
        fputc('"', out);
        break;
    }
}

static void print_records(FILE *out, const cs_records *rs)
{
    for (size_t i = 0; i < rs->count; i++) {
        char path[CS_PATH_TEXT_MAX];
        cs_path_format(&rs->items[i].path, path, sizeof path);
        fprintf(out, "%-14s %-16s ", path, cs_type_name(rs->items[i].value.type));
        print_value(out, &rs->items[i].value);
        fputc('\n', out);
    }
}

static int decode_input(uint16_t from, const char *path_text, bool hex,
                        cs_path *target, cs_records *rs)
{
    if (cs_path_parse(path_text, strlen(path_text), target) != CS_OK) {
        fprintf(stderr, "cellstrap: not an LwM2M path: '%s'\n", path_text);
        return 2;
    }
    cs_buf in;
    if (read_input(hex, &in) != 0) {
        cs_buf_free(&in);
        return 1;
    }
    cs_records_init(rs);
    cs_err err = cs_decode(from, target, in.data, in.len,
                           cs_registry_standard(), rs);
    cs_buf_free(&in);
    if (err != CS_OK) {
        unsigned code = cs_err_coap_code(err);
        fprintf(stderr, "cellstrap: cannot decode %s payload: %s (CoAP %u.%02u)\n",
                format_label(from), cs_strerror(err), code >> 5, code & 31);
        return 1;
    }
    return 0;
}

static int run_demo(void)
{
    static const uint16_t demo_formats[] = {
        CS_FORMAT_TLV, CS_FORMAT_SENML_JSON, CS_FORMAT_SENML_CBOR,
        CS_FORMAT_LWM2M_CBOR, CS_FORMAT_OMA_JSON,
    };
    struct { cs_path p; cs_value v; } device[] = {
        { cs_path_resource(3, 0, 0), cs_value_string("Open Mobile Alliance", 20) },
        { cs_path_resource(3, 0, 1), cs_value_string("Lightweight M2M Client", 22) },
        { cs_path_resource(3, 0, 2), cs_value_string("345000123", 9) },
        { cs_path_resource_instance(3, 0, 6, 0), cs_value_integer(1) },
        { cs_path_resource_instance(3, 0, 6, 1), cs_value_integer(5) },
        { cs_path_resource(3, 0, 9), cs_value_integer(100) },
        { cs_path_resource_instance(3, 0, 11, 0), cs_value_integer(0) },
        { cs_path_resource(3, 0, 13), cs_value_time(1367491215) },
        { cs_path_resource(3, 0, 16), cs_value_string("U", 1) },
    };
    cs_records rs;
    cs_records_init(&rs);
    for (size_t i = 0; i < sizeof device / sizeof device[0]; i++)
        cs_records_add(&rs, &device[i].p, &device[i].v);
    cs_path target = cs_path_instance(3, 0);

    printf("The Device object instance /3/0, as the LwM2M server reads it:\n\n");
    print_records(stdout, &rs);
    int failures = 0;
    for (size_t i = 0; i < sizeof demo_formats / sizeof demo_formats[0]; i++) {
        uint16_t f = demo_formats[i];
        cs_buf out;
        cs_buf_init(&out, MAX_INPUT);
        cs_err err = cs_encode(f, &target, &rs, cs_registry_standard(), &out);
        printf("\n%s (content format %u, %s): ", format_label(f), f,
               cs_format_name(f));
        if (err != CS_OK) {
            printf("cannot encode: %s\n", cs_strerror(err));
            failures++;
            cs_buf_free(&out);
            continue;
        }
        printf("%zu bytes\n", out.len);
        if (is_text_format(f))
            printf("%.*s\n", (int)out.len, (const char *)out.data);
        else
            print_hex(stdout, out.data, out.len);
        cs_records back;
        cs_records_init(&back);
        err = cs_decode(f, &target, out.data, out.len, cs_registry_standard(), &back);
        bool same = err == CS_OK && back.count == rs.count;
        for (size_t k = 0; same && k < rs.count; k++)
            same = cs_path_compare(&back.items[k].path, &rs.items[k].path) == 0 &&
                   cs_value_equal(&back.items[k].value, &rs.items[k].value);
        printf("decoded back: %s\n", same ? "the same 9 values" :
               err != CS_OK ? cs_strerror(err) : "DIFFERENT values");
        failures += !same;
        cs_records_free(&back);
        cs_buf_free(&out);
    }
    cs_records_free(&rs);
    printf("\n%s\n", failures ? "demo FAILED" : "demo done: every format round-trips");
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "demo") == 0)
        return run_demo();
    if (strcmp(cmd, "decode") != 0 && strcmp(cmd, "convert") != 0) {
        fprintf(stderr, "cellstrap: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }

    static const struct option options[] = {
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 't' },
        { "path", required_argument, NULL, 'p' },
        { "hex", no_argument, NULL, 'x' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint16_t from = 0, to = 0;
    bool have_from = false, have_to = false, hex = false;
    const char *path_text = NULL;
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "f:t:p:xh", options, NULL)) != -1) {
        switch (opt) {
        case 'f': if (parse_format(optarg, &from)) return 2; have_from = true; break;
        case 't': if (parse_format(optarg, &to)) return 2; have_to = true; break;
        case 'p': path_text = optarg; break;
        case 'x': hex = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    bool convert = strcmp(cmd, "convert") == 0;
    if (!have_from || path_text == NULL || (convert && !have_to)) {
        usage(stderr);
        return 2;
    }
    cs_path target;
    cs_records rs;
    int rc = decode_input(from, path_text, hex, &target, &rs);
    if (rc != 0)
        return rc;
    if (!convert) {
        print_records(stdout, &rs);
        cs_records_free(&rs);
        return 0;
    }
    cs_buf out;
    cs_buf_init(&out, MAX_INPUT);
    cs_err err = cs_encode(to, &target, &rs, cs_registry_standard(), &out);
    cs_records_free(&rs);
    if (err != CS_OK) {
        fprintf(stderr, "cellstrap: cannot encode as %s: %s\n", format_label(to),
                cs_strerror(err));
        cs_buf_free(&out);
        return 1;
    }
    if (hex && !is_text_format(to))
        print_hex(stdout, out.data, out.len);
    else
        fwrite(out.data, 1, out.len, stdout);
    cs_buf_free(&out);
    return 0;
}
