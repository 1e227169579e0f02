/*
 * codec_bench.c - how fast each content format encodes and decodes, and how
 * many bytes it takes, for two payloads: the Device object instance /3/0
 * (a typical Read) and an instance of 100 resources of mixed types.
 *
 * Prints a Markdown table (ns per operation, bytes).  Not a test: nothing
 * is asserted beyond "the codec works"; results go to bench/RESULTS.md.
 * Usage: cellstrap-bench-codec [milliseconds per measurement, default 300]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cellstrap/codec.h"

/* A made-up object with 100 resources cycling through the data types. */
#define WIDE_OBJECT 30000
#define WIDE_COUNT 100
static cs_resource_def wide_resources[WIDE_COUNT];
static cs_object_def wide_object;

static const cs_type wide_types[] = {
    CS_TYPE_INTEGER, CS_TYPE_FLOAT, CS_TYPE_STRING, CS_TYPE_BOOLEAN,
    CS_TYPE_TIME, CS_TYPE_UNSIGNED, CS_TYPE_OPAQUE, CS_TYPE_OBJLNK,
};
#define WIDE_TYPE_COUNT (sizeof wide_types / sizeof wide_types[0])

static char wide_names[WIDE_COUNT][16];

static void define_wide_object(void)
{
    for (unsigned i = 0; i < WIDE_COUNT; i++) {
        snprintf(wide_names[i], sizeof wide_names[i], "Resource %u", i);
        wide_resources[i] = (cs_resource_def){
            .id = (uint16_t)i, .name = wide_names[i],
            .type = wide_types[i % WIDE_TYPE_COUNT],
            .operations = CS_OP_RW, .multiple = false, .mandatory = false,
        };
    }
    wide_object = (cs_object_def){
        .id = WIDE_OBJECT, .name = "Wide", .version = "1.0",
        .multiple = true, .mandatory = false, .resources = wide_resources,
        .resource_count = WIDE_COUNT,
    };
}

static void add(cs_records *rs, cs_path p, cs_value v)
{
    if (cs_records_add(rs, &p, &v) != CS_OK) {
        fprintf(stderr, "cannot build records\n");
        exit(1);
    }
}

static void add_string(cs_records *rs, cs_path p, const char *s)
{
    add(rs, p, cs_value_string(s, strlen(s)));
}

/* The Device object instance of the LwM2M TS's TLV example. */
static void build_device(cs_records *rs)
{
    add_string(rs, cs_path_resource(3, 0, 0), "Open Mobile Alliance");
    add_string(rs, cs_path_resource(3, 0, 1), "Lightweight M2M Client");
    add_string(rs, cs_path_resource(3, 0, 2), "345000123");
    add_string(rs, cs_path_resource(3, 0, 3), "1.0");
    add(rs, cs_path_resource_instance(3, 0, 6, 0), cs_value_integer(1));
    add(rs, cs_path_resource_instance(3, 0, 6, 1), cs_value_integer(5));
    add(rs, cs_path_resource_instance(3, 0, 7, 0), cs_value_integer(3800));
    add(rs, cs_path_resource_instance(3, 0, 7, 1), cs_value_integer(5000));
    add(rs, cs_path_resource_instance(3, 0, 8, 0), cs_value_integer(125));
    add(rs, cs_path_resource_instance(3, 0, 8, 1), cs_value_integer(900));
    add(rs, cs_path_resource(3, 0, 9), cs_value_integer(100));
    add(rs, cs_path_resource(3, 0, 10), cs_value_integer(15));
    add(rs, cs_path_resource_instance(3, 0, 11, 0), cs_value_integer(0));
    add(rs, cs_path_resource(3, 0, 13), cs_value_time(1367491215));
    add_string(rs, cs_path_resource(3, 0, 14), "+02:00");
    add_string(rs, cs_path_resource(3, 0, 16), "U");
}

static void build_wide(cs_records *rs)
{
    static const uint8_t blob[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    for (unsigned i = 0; i < WIDE_COUNT; i++) {
        cs_path p = cs_path_resource(WIDE_OBJECT, 0, (uint16_t)i);
        switch (wide_types[i % WIDE_TYPE_COUNT]) {
        case CS_TYPE_INTEGER: add(rs, p, cs_value_integer(-1000 * (int)i)); break;
        case CS_TYPE_FLOAT: add(rs, p, cs_value_float(i * 1.25)); break;
        case CS_TYPE_STRING: add_string(rs, p, "a short string value"); break;
        case CS_TYPE_BOOLEAN: add(rs, p, cs_value_boolean(i % 2)); break;
        case CS_TYPE_TIME: add(rs, p, cs_value_time(1700000000 + i)); break;
        case CS_TYPE_UNSIGNED: add(rs, p, cs_value_unsigned(70000u * i)); break;
        case CS_TYPE_OPAQUE: add(rs, p, cs_value_opaque(blob, sizeof blob)); break;
        case CS_TYPE_OBJLNK: add(rs, p, cs_value_objlnk(3, (uint16_t)i)); break;
        default: break;
        }
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct result {
    double encode_ns;
    double decode_ns;
    size_t bytes;
    cs_err err;
};

/* Repeat encode, then decode, each for about `budget_ms`; report ns/op. */
static struct result measure(uint16_t format, const cs_path *target,
                             const cs_records *rs, const cs_registry *reg,
                             double budget_ms)
{
    struct result r = { 0, 0, 0, CS_OK };
    cs_buf buf;
    cs_buf_init(&buf, 1u << 20);
    r.err = cs_encode(format, target, rs, reg, &buf);
    if (r.err != CS_OK)
        goto out;
    r.bytes = buf.len;

    long n = 0;
    double start = now_ns(), end;
    do {
        for (int k = 0; k < 64; k++, n++) {
            cs_buf_reset(&buf);
            cs_encode(format, target, rs, reg, &buf);
        }
        end = now_ns();
    } while (end - start < budget_ms * 1e6);
    r.encode_ns = (end - start) / (double)n;

    cs_records out;
    cs_records_init(&out);
    r.err = cs_decode(format, target, buf.data, buf.len, reg, &out);
    cs_records_free(&out);
    if (r.err != CS_OK)
        goto out;
    n = 0;
    start = now_ns();
    do {
        for (int k = 0; k < 64; k++, n++) {
            cs_records_init(&out);
            cs_decode(format, target, buf.data, buf.len, reg, &out);
            cs_records_free(&out);
        }
        end = now_ns();
    } while (end - start < budget_ms * 1e6);
    r.decode_ns = (end - start) / (double)n;
out:
    cs_buf_free(&buf);
    return r;
}

static const struct {
    uint16_t format;
    const char *label;
} formats[] = {
    { CS_FORMAT_TLV, "TLV (11542)" },
    { CS_FORMAT_SENML_JSON, "SenML JSON (110)" },
    { CS_FORMAT_SENML_CBOR, "SenML CBOR (112)" },
    { CS_FORMAT_LWM2M_CBOR, "LwM2M CBOR (11544)" },
    { CS_FORMAT_OMA_JSON, "OMA JSON (11543)" },
};

static void report(const char *payload, const cs_path *target,
                   const cs_records *rs, const cs_registry *reg, double ms)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct result r = measure(formats[i].format, target, rs, reg, ms);
        if (r.err != CS_OK)
            printf("| %s | %s | error: %s | | |\n", payload, formats[i].label,
                   cs_strerror(r.err));
        else
            printf("| %s | %s | %zu | %.0f | %.0f |\n", payload,
                   formats[i].label, r.bytes, r.encode_ns, r.decode_ns);
    }
}

/* Single-value formats on one resource: /3/0/13 (a Time), /0/0/5 (Opaque). */
static void report_single(const cs_registry *reg, double ms)
{
    static const struct { uint16_t format; const char *label; } single[] = {
        { CS_FORMAT_TEXT, "text (0)" },
        { CS_FORMAT_CBOR, "CBOR (60)" },
        { CS_FORMAT_TLV, "TLV (11542)" },
    };
    cs_records rs;
    cs_records_init(&rs);
    cs_path p = cs_path_resource(3, 0, 13);
    add(&rs, p, cs_value_time(1367491215));
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
        struct result r = measure(single[i].format, &p, &rs, reg, ms);
        if (r.err != CS_OK)
            printf("| /3/0/13 | %s | error: %s | | |\n", single[i].label,
                   cs_strerror(r.err));
        else
            printf("| /3/0/13 | %s | %zu | %.0f | %.0f |\n", single[i].label,
                   r.bytes, r.encode_ns, r.decode_ns);
    }
    cs_records_free(&rs);

    /* A 16-byte Opaque value (/0/0/5 Secret Key) in every format that can
     * carry a single resource, octet-stream included. */
    static const struct { uint16_t format; const char *label; } opaque[] = {
        { CS_FORMAT_OPAQUE, "octet-stream (42)" },
        { CS_FORMAT_TEXT, "text (0)" },
        { CS_FORMAT_CBOR, "CBOR (60)" },
        { CS_FORMAT_TLV, "TLV (11542)" },
    };
    static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
    cs_records_init(&rs);
    p = cs_path_resource(0, 0, 5);
    add(&rs, p, cs_value_opaque(key, sizeof key));
    for (size_t i = 0; i < sizeof opaque / sizeof opaque[0]; i++) {
        struct result r = measure(opaque[i].format, &p, &rs, reg, ms);
        if (r.err != CS_OK)
            printf("| /0/0/5 | %s | error: %s | | |\n", opaque[i].label,
                   cs_strerror(r.err));
        else
            printf("| /0/0/5 | %s | %zu | %.0f | %.0f |\n", opaque[i].label,
                   r.bytes, r.encode_ns, r.decode_ns);
    }
    cs_records_free(&rs);
}

int main(int argc, char **argv)
{
    double ms = argc > 1 ? atof(argv[1]) : 300;
    if (ms <= 0)
        ms = 300;
    define_wide_object();
    cs_registry *reg = cs_registry_new();
    if (reg == NULL)
        return 1;
    for (size_t i = 0; i < cs_standard_object_count; i++)
        cs_registry_add(reg, cs_standard_objects[i]);
    cs_registry_add(reg, &wide_object);

    cs_records device, wide;
    cs_records_init(&device);
    cs_records_init(&wide);
    build_device(&device);
    build_wide(&wide);
    cs_path device_target = cs_path_instance(3, 0);
    cs_path wide_target = cs_path_instance(WIDE_OBJECT, 0);

    printf("| payload | format | bytes | encode ns/op | decode ns/op |\n");
    printf("|---|---|---:|---:|---:|\n");
    report("/3/0 (Device, 16 values)", &device_target, &device, reg, ms);
    report("100 resources", &wide_target, &wide, reg, ms);
    report_single(reg, ms);

    cs_records_free(&device);
    cs_records_free(&wide);
    cs_registry_free(reg);
    return 0;
}
