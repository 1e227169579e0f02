/*
 * test_objects.c - object definitions and the registry: the standard
 * object tables against the OMA registry, resource lookup, value checks
 * against a definition, and registries built at run time.
 */
#include <limits.h>
#include <stdlib.h>

#include "test_support.h"

/* ---- Helpers ----------------------------------------------------------- */

static const cs_object_def *std_object(uint16_t oid)
{
    const cs_object_def *obj = cs_registry_object(cs_registry_standard(), oid);
    if (obj == NULL)
        fail_msg("standard object %u missing", (unsigned)oid);
    return obj;
}

static const cs_resource_def *std_resource(uint16_t oid, uint16_t rid)
{
    const cs_resource_def *def = cs_object_resource(std_object(oid), rid);
    if (def == NULL)
        fail_msg("resource /%u/x/%u missing", (unsigned)oid, (unsigned)rid);
    return def;
}

/* What the OMA registry says about one resource. */
struct expect {
    uint16_t oid, rid;
    const char *name;
    cs_type type;
    uint8_t ops;
    bool multiple, mandatory, has_range;
    int64_t min, max;
};

#define R CS_OP_READ
#define W CS_OP_WRITE
#define RW CS_OP_RW
#define E CS_OP_EXECUTE
#define NOOP CS_OP_NONE
#define S false
#define M true
#define MAN true
#define OPT false
#define NORANGE false, 0, 0
#define RANGE(a, b) true, (a), (b)

static void check_expect(const struct expect *e)
{
    const cs_resource_def *d = std_resource(e->oid, e->rid);
    char where[32];
    snprintf(where, sizeof where, "/%u/x/%u", (unsigned)e->oid,
             (unsigned)e->rid);
    if (strcmp(d->name, e->name) != 0)
        fail_msg("%s: name \"%s\", expected \"%s\"", where, d->name, e->name);
    if (d->type != e->type)
        fail_msg("%s: type %s, expected %s", where, cs_type_name(d->type),
                 cs_type_name(e->type));
    if (d->operations != e->ops)
        fail_msg("%s: operations %u, expected %u", where, d->operations,
                 e->ops);
    if (d->multiple != e->multiple)
        fail_msg("%s: multiple %d", where, d->multiple);
    if (d->mandatory != e->mandatory)
        fail_msg("%s: mandatory %d", where, d->mandatory);
    if (d->has_range != e->has_range)
        fail_msg("%s: has_range %d", where, d->has_range);
    if (e->has_range && (d->min != e->min || d->max != e->max))
        fail_msg("%s: range %lld..%lld, expected %lld..%lld", where,
                 (long long)d->min, (long long)d->max, (long long)e->min,
                 (long long)e->max);
}

static void check_expects(const struct expect *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_expect(&list[i]);
}

/* ---- The standard registry -------------------------------------------- */

static const struct {
    uint16_t id;
    const char *name;
    const char *version;
    bool multiple;
    bool mandatory;
    size_t resources;
} standard[] = {
    { 0, "LwM2M Security", "1.2", true, true, 31 },
    { 1, "LwM2M Server", "1.2", true, true, 28 },
    { 2, "LwM2M Access Control", "1.1", true, false, 4 },
    { 3, "Device", "1.2", false, true, 23 },
    { 4, "Connectivity Monitoring", "1.3", false, false, 14 },
    { 5, "Firmware Update", "1.1", false, false, 13 },
    { 10, "LWM2M Cellular Connectivity", "1.1", false, false, 14 },
    { 11, "LWM2M APN Connection Profile", "1.1", true, false, 34 },
};
#define STANDARD_COUNT (sizeof standard / sizeof standard[0])

static void standard_registry_has_every_object(void **state)
{
    (void)state;
    const cs_registry *reg = cs_registry_standard();
    assert_non_null(reg);
    assert_ptr_equal(reg, cs_registry_standard());
    assert_int_equal(cs_standard_object_count, STANDARD_COUNT);
    for (size_t i = 0; i < STANDARD_COUNT; i++) {
        const cs_object_def *obj = cs_registry_object(reg, standard[i].id);
        assert_non_null(obj);
        assert_ptr_equal(obj, cs_standard_objects[i]);
        assert_int_equal(obj->id, standard[i].id);
        assert_string_equal(obj->name, standard[i].name);
        assert_string_equal(obj->version, standard[i].version);
        assert_int_equal(obj->multiple, standard[i].multiple);
        assert_int_equal(obj->mandatory, standard[i].mandatory);
        assert_int_equal(obj->resource_count, standard[i].resources);
    }
    /* IDs between and around the standard ones are not there. */
    static const uint16_t absent[] = { 6, 7, 9, 12, 21, 3303, 65534 };
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        assert_null(cs_registry_object(reg, absent[i]));
}

static bool type_takes_range(cs_type t)
{
    return t == CS_TYPE_INTEGER || t == CS_TYPE_UNSIGNED ||
           t == CS_TYPE_TIME || t == CS_TYPE_STRING || t == CS_TYPE_OPAQUE;
}

static void every_table_is_well_formed(void **state)
{
    (void)state;
    for (size_t i = 0; i < cs_standard_object_count; i++) {
        const cs_object_def *obj = cs_standard_objects[i];
        if (i > 0)
            assert_true(cs_standard_objects[i - 1]->id < obj->id);
        assert_non_null(obj->resources);
        assert_true(obj->resource_count > 0);
        for (size_t j = 0; j < obj->resource_count; j++) {
            const cs_resource_def *d = &obj->resources[j];
            if (j > 0 && obj->resources[j - 1].id >= d->id)
                fail_msg("/%u: resource %u after %u", (unsigned)obj->id,
                         (unsigned)d->id, (unsigned)obj->resources[j - 1].id);
            assert_true(d->id <= CS_ID_MAX);
            assert_non_null(d->name);
            assert_true(strlen(d->name) > 0);
            /* Execute resources, and only they, carry no value. */
            bool exec = (d->operations & CS_OP_EXECUTE) != 0;
            assert_int_equal(exec, d->type == CS_TYPE_NONE);
            if (exec) {
                assert_int_equal(d->operations, CS_OP_EXECUTE);
                assert_false(d->multiple);
                assert_false(d->has_range);
            }
            assert_true((d->operations & ~CS_OP_RW & ~CS_OP_EXECUTE) == 0);
            if (d->has_range) {
                if (d->min > d->max)
                    fail_msg("/%u/x/%u: range %lld..%lld", (unsigned)obj->id,
                             (unsigned)d->id, (long long)d->min,
                             (long long)d->max);
                assert_true(type_takes_range(d->type));
                if (d->type != CS_TYPE_INTEGER && d->type != CS_TYPE_TIME)
                    assert_true(d->min >= 0);
            }
            /* The binary search finds every entry. */
            assert_ptr_equal(cs_object_resource(obj, d->id), d);
        }
        /* A fresh registry accepts every standard table (sorted, unique). */
        cs_registry *reg = cs_registry_new();
        assert_non_null(reg);
        assert_int_equal(cs_registry_add(reg, obj), CS_OK);
        cs_registry_free(reg);
    }
}

/* ---- Spot checks against the OMA registry ------------------------------ */

static void security_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 0, 0, "LwM2M Server URI", CS_TYPE_STRING, NOOP, S, MAN, RANGE(0, 255) },
        { 0, 1, "Bootstrap-Server", CS_TYPE_BOOLEAN, NOOP, S, MAN, NORANGE },
        { 0, 2, "Security Mode", CS_TYPE_INTEGER, NOOP, S, MAN, RANGE(0, 4) },
        { 0, 3, "Public Key or Identity", CS_TYPE_OPAQUE, NOOP, S, MAN, NORANGE },
        { 0, 5, "Secret Key", CS_TYPE_OPAQUE, NOOP, S, MAN, NORANGE },
        { 0, 6, "SMS Security Mode", CS_TYPE_INTEGER, NOOP, S, OPT, RANGE(0, 255) },
        { 0, 7, "SMS Binding Key Parameters", CS_TYPE_OPAQUE, NOOP, S, OPT, RANGE(6, 6) },
        { 0, 10, "Short Server ID", CS_TYPE_INTEGER, NOOP, S, OPT, RANGE(1, 65534) },
        { 0, 12, "Bootstrap-Server Account Timeout", CS_TYPE_INTEGER, NOOP, S, OPT, NORANGE },
        { 0, 13, "Matching Type", CS_TYPE_UNSIGNED, NOOP, S, OPT, RANGE(0, 3) },
        { 0, 16, "DTLS/TLS Ciphersuite", CS_TYPE_UNSIGNED, NOOP, M, OPT, NORANGE },
        { 0, 17, "OSCORE Security Mode", CS_TYPE_OBJLNK, NOOP, S, OPT, NORANGE },
        { 0, 18, "Groups To Use by Client", CS_TYPE_UNSIGNED, NOOP, M, OPT, RANGE(0, 65535) },
        { 0, 22, "TLS 1.3 Features To Use by Client", CS_TYPE_UNSIGNED, NOOP, S, OPT, RANGE(0, 65535) },
        { 0, 25, "Secondary LwM2M Server URI", CS_TYPE_STRING, NOOP, M, OPT, RANGE(0, 255) },
        { 0, 27, "LwM2M COSE Security", CS_TYPE_OBJLNK, NOOP, M, OPT, NORANGE },
        { 0, 29, "RDS Source Port", CS_TYPE_INTEGER, NOOP, S, OPT, RANGE(0, 15) },
        { 0, 30, "RDS Application ID", CS_TYPE_STRING, NOOP, S, OPT, NORANGE },
    };
    check_expects(e, sizeof e / sizeof e[0]);
    /* No Security resource is reachable with a DM operation. */
    const cs_object_def *obj = std_object(0);
    for (size_t i = 0; i < obj->resource_count; i++)
        assert_int_equal(obj->resources[i].operations, CS_OP_NONE);
}

static void server_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 1, 0, "Short Server ID", CS_TYPE_INTEGER, R, S, MAN, RANGE(1, 65534) },
        { 1, 1, "Lifetime", CS_TYPE_INTEGER, RW, S, MAN, NORANGE },
        { 1, 4, "Disable", CS_TYPE_NONE, E, S, OPT, NORANGE },
        { 1, 6, "Notification Storing When Disabled or Offline", CS_TYPE_BOOLEAN, RW, S, MAN, NORANGE },
        { 1, 7, "Binding", CS_TYPE_STRING, RW, S, MAN, NORANGE },
        { 1, 8, "Registration Update Trigger", CS_TYPE_NONE, E, S, MAN, NORANGE },
        { 1, 9, "Bootstrap-Request Trigger", CS_TYPE_NONE, E, S, OPT, NORANGE },
        { 1, 10, "APN Link", CS_TYPE_OBJLNK, RW, S, OPT, NORANGE },
        { 1, 11, "TLS-DTLS Alert Code", CS_TYPE_UNSIGNED, R, S, OPT, RANGE(0, 255) },
        { 1, 12, "Last Bootstrapped", CS_TYPE_TIME, R, S, OPT, NORANGE },
        { 1, 13, "Registration Priority Order", CS_TYPE_UNSIGNED, R, S, OPT, NORANGE },
        { 1, 16, "Bootstrap on Registration Failure", CS_TYPE_BOOLEAN, R, S, OPT, NORANGE },
        { 1, 24, "Alternate APN Links", CS_TYPE_OBJLNK, RW, M, OPT, NORANGE },
        { 1, 25, "Supported Server Versions", CS_TYPE_STRING, RW, M, OPT, NORANGE },
        { 1, 26, "Default Notification Mode", CS_TYPE_INTEGER, RW, S, OPT, RANGE(0, 1) },
        { 1, 27, "Profile ID Hash Algorithm", CS_TYPE_UNSIGNED, RW, S, OPT, RANGE(0, 255) },
    };
    check_expects(e, sizeof e / sizeof e[0]);
}

static void access_control_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 2, 0, "Object ID", CS_TYPE_INTEGER, R, S, MAN, RANGE(1, 65534) },
        { 2, 1, "Object Instance ID", CS_TYPE_INTEGER, R, S, MAN, RANGE(0, 65535) },
        { 2, 2, "ACL", CS_TYPE_INTEGER, RW, M, OPT, RANGE(0, 31) },
        { 2, 3, "Access Control Owner", CS_TYPE_INTEGER, RW, S, MAN, RANGE(0, 65535) },
    };
    check_expects(e, sizeof e / sizeof e[0]);
}

static void device_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 3, 0, "Manufacturer", CS_TYPE_STRING, R, S, OPT, NORANGE },
        { 3, 4, "Reboot", CS_TYPE_NONE, E, S, MAN, NORANGE },
        { 3, 5, "Factory Reset", CS_TYPE_NONE, E, S, OPT, NORANGE },
        { 3, 6, "Available Power Sources", CS_TYPE_INTEGER, R, M, OPT, RANGE(0, 7) },
        { 3, 9, "Battery Level", CS_TYPE_INTEGER, R, S, OPT, RANGE(0, 100) },
        { 3, 11, "Error Code", CS_TYPE_INTEGER, R, M, MAN, RANGE(0, 32) },
        { 3, 13, "Current Time", CS_TYPE_TIME, RW, S, OPT, NORANGE },
        { 3, 16, "Supported Binding and Modes", CS_TYPE_STRING, R, S, MAN, NORANGE },
        { 3, 20, "Battery Status", CS_TYPE_INTEGER, R, S, OPT, RANGE(0, 6) },
        { 3, 22, "ExtDevInfo", CS_TYPE_OBJLNK, R, M, OPT, NORANGE },
    };
    check_expects(e, sizeof e / sizeof e[0]);
}

static void connectivity_monitoring_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 4, 0, "Network Bearer", CS_TYPE_INTEGER, R, S, MAN, RANGE(0, 50) },
        { 4, 1, "Available Network Bearer", CS_TYPE_INTEGER, R, M, MAN, RANGE(0, 50) },
        { 4, 2, "Radio Signal Strength", CS_TYPE_INTEGER, R, S, MAN, NORANGE },
        { 4, 3, "Link Quality", CS_TYPE_INTEGER, R, S, OPT, NORANGE },
        { 4, 4, "IP Addresses", CS_TYPE_STRING, R, M, MAN, NORANGE },
        { 4, 5, "Router IP Addresses", CS_TYPE_STRING, R, M, OPT, NORANGE },
        { 4, 6, "Link Utilization", CS_TYPE_INTEGER, R, S, OPT, RANGE(0, 100) },
        { 4, 7, "APN", CS_TYPE_STRING, R, M, OPT, NORANGE },
        { 4, 8, "Cell ID", CS_TYPE_INTEGER, R, S, OPT, NORANGE },
        { 4, 9, "SMNC", CS_TYPE_INTEGER, R, S, OPT, RANGE(0, 999) },
        { 4, 10, "SMCC", CS_TYPE_INTEGER, R, S, OPT, RANGE(0, 999) },
        { 4, 11, "SignalSNR", CS_TYPE_INTEGER, R, S, OPT, NORANGE },
        { 4, 12, "LAC", CS_TYPE_INTEGER, R, S, OPT, NORANGE },
        { 4, 13, "Coverage Enhancement Level", CS_TYPE_INTEGER, R, S, OPT, RANGE(0, 4) },
    };
    check_expects(e, sizeof e / sizeof e[0]);
}

static void firmware_update_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 5, 0, "Package", CS_TYPE_OPAQUE, W, S, MAN, NORANGE },
        { 5, 1, "Package URI", CS_TYPE_STRING, RW, S, MAN, RANGE(0, 255) },
        { 5, 2, "Update", CS_TYPE_NONE, E, S, MAN, NORANGE },
        { 5, 3, "State", CS_TYPE_INTEGER, R, S, MAN, RANGE(0, 3) },
        { 5, 5, "Update Result", CS_TYPE_INTEGER, R, S, MAN, RANGE(0, 11) },
        { 5, 6, "PkgName", CS_TYPE_STRING, R, S, OPT, RANGE(0, 255) },
        { 5, 7, "PkgVersion", CS_TYPE_STRING, R, S, OPT, RANGE(0, 255) },
        { 5, 8, "Firmware Update Protocol Support", CS_TYPE_INTEGER, R, M, OPT, RANGE(0, 5) },
        { 5, 9, "Firmware Update Delivery Method", CS_TYPE_INTEGER, R, S, MAN, RANGE(0, 2) },
        { 5, 10, "Cancel", CS_TYPE_NONE, E, S, OPT, NORANGE },
        { 5, 11, "Severity", CS_TYPE_INTEGER, RW, S, OPT, RANGE(0, 2) },
        { 5, 12, "Last State Change Time", CS_TYPE_TIME, R, S, OPT, NORANGE },
        { 5, 13, "Maximum Defer Period", CS_TYPE_UNSIGNED, RW, S, OPT, NORANGE },
    };
    check_expects(e, sizeof e / sizeof e[0]);
    /* Resource 4 (Update Supported Objects) was dropped in 1.1. */
    assert_null(cs_object_resource(std_object(5), 4));
}

static void cellular_connectivity_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 10, 0, "SMSC address", CS_TYPE_STRING, RW, S, OPT, NORANGE },
        { 10, 1, "Disable radio period", CS_TYPE_INTEGER, RW, S, OPT, RANGE(0, 65535) },
        { 10, 2, "Module activation code", CS_TYPE_STRING, RW, S, OPT, NORANGE },
        { 10, 3, "Vendor specific extensions", CS_TYPE_OBJLNK, R, S, OPT, NORANGE },
        { 10, 4, "PSM Timer", CS_TYPE_INTEGER, RW, S, OPT, NORANGE },
        { 10, 5, "Active Timer", CS_TYPE_INTEGER, RW, S, OPT, NORANGE },
        { 10, 7, "eDRX parameters for Iu mode", CS_TYPE_OPAQUE, RW, S, OPT, RANGE(0, 255) },
        { 10, 10, "eDRX parameters for A/Gb mode", CS_TYPE_OPAQUE, RW, S, OPT, RANGE(0, 255) },
        { 10, 11, "Activated Profile Names", CS_TYPE_OBJLNK, R, M, MAN, NORANGE },
        { 10, 12, "Supported Power Saving Modes", CS_TYPE_UNSIGNED, R, S, OPT, RANGE(0, 255) },
        { 10, 13, "Active Power Saving Modes", CS_TYPE_UNSIGNED, RW, S, OPT, RANGE(0, 255) },
        { 10, 14, "Release Assistance Indication Usage", CS_TYPE_UNSIGNED, RW, S, OPT, RANGE(0, 255) },
    };
    check_expects(e, sizeof e / sizeof e[0]);
    /* Resource 6 moved to object 11 in 1.1. */
    assert_null(cs_object_resource(std_object(10), 6));
}

static void apn_connection_profile_matches_registry(void **state)
{
    (void)state;
    static const struct expect e[] = {
        { 11, 0, "Profile name", CS_TYPE_STRING, RW, S, MAN, NORANGE },
        { 11, 1, "APN", CS_TYPE_STRING, RW, S, OPT, NORANGE },
        { 11, 2, "Auto select APN by device", CS_TYPE_BOOLEAN, RW, S, OPT, NORANGE },
        { 11, 3, "Enable status", CS_TYPE_BOOLEAN, RW, S, OPT, NORANGE },
        { 11, 4, "Authentication Type", CS_TYPE_INTEGER, RW, S, MAN, NORANGE },
        { 11, 8, "Validity (MCC, MNC)", CS_TYPE_STRING, RW, M, OPT, NORANGE },
        { 11, 9, "Connection establishment time (1)", CS_TYPE_TIME, R, M, OPT, NORANGE },
        { 11, 11, "Connection establishment reject cause (1)", CS_TYPE_INTEGER, R, M, OPT, RANGE(0, 111) },
        { 11, 13, "TotalBytesSent", CS_TYPE_INTEGER, R, S, OPT, NORANGE },
        { 11, 15, "IP address (2)", CS_TYPE_STRING, RW, M, OPT, NORANGE },
        { 11, 21, "QCI (3)", CS_TYPE_INTEGER, R, S, OPT, RANGE(1, 9) },
        { 11, 22, "Vendor specific extensions", CS_TYPE_OBJLNK, R, S, OPT, NORANGE },
        { 11, 24, "PDN Type", CS_TYPE_INTEGER, RW, S, OPT, NORANGE },
        { 11, 26, "Serving PLMN Rate control", CS_TYPE_UNSIGNED, RW, S, OPT, NORANGE },
        { 11, 27, "Uplink Time Unit", CS_TYPE_UNSIGNED, RW, S, OPT, RANGE(0, 4) },
        { 11, 29, "APN Exception Data Uplink Time Unit", CS_TYPE_UNSIGNED, RW, S, OPT, RANGE(0, 4) },
        { 11, 30, "Supported RAT Types", CS_TYPE_UNSIGNED, RW, M, OPT, NORANGE },
        { 11, 31, "RDS Application ID", CS_TYPE_STRING, RW, M, OPT, NORANGE },
        { 11, 32, "RDS Destination Port", CS_TYPE_INTEGER, RW, M, OPT, RANGE(0, 15) },
        { 11, 33, "RDS Source Port", CS_TYPE_INTEGER, RW, M, OPT, RANGE(0, 15) },
    };
    check_expects(e, sizeof e / sizeof e[0]);
}

/* ---- cs_object_resource ------------------------------------------------ */

static void object_resource_finds_first_last_and_not_missing(void **state)
{
    (void)state;
    for (size_t i = 0; i < cs_standard_object_count; i++) {
        const cs_object_def *obj = cs_standard_objects[i];
        const cs_resource_def *first = &obj->resources[0];
        const cs_resource_def *last = &obj->resources[obj->resource_count - 1];
        assert_ptr_equal(cs_object_resource(obj, first->id), first);
        assert_ptr_equal(cs_object_resource(obj, last->id), last);
        assert_null(cs_object_resource(obj, (uint16_t)(last->id + 1)));
        assert_null(cs_object_resource(obj, CS_ID_MAX));
        assert_null(cs_object_resource(obj, CS_ID_INVALID));
        /* Every gap in the ID sequence is absent. */
        for (size_t j = 1; j < obj->resource_count; j++)
            for (unsigned id = obj->resources[j - 1].id + 1u;
                 id < obj->resources[j].id; id++)
                assert_null(cs_object_resource(obj, (uint16_t)id));
    }
    assert_int_equal(std_resource(0, 0)->id, 0);
    assert_int_equal(std_resource(0, 30)->id, 30);
    assert_null(cs_object_resource(std_object(0), 31));
    assert_int_equal(std_resource(3, 22)->id, 22);
    assert_null(cs_object_resource(std_object(3), 23));

    /* An object without resources finds nothing. */
    static const cs_object_def empty = { .id = 40000, .name = "Empty",
                                         .version = "1.0" };
    assert_null(cs_object_resource(&empty, 0));
}

/* ---- cs_resource_check_value ------------------------------------------- */

static void check_value_accepts_right_type_in_range(void **state)
{
    (void)state;
    cs_value v;
    v = cs_value_integer(0);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_OK);
    v = cs_value_integer(100);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_OK);
    v = cs_value_integer(32);
    assert_int_equal(cs_resource_check_value(std_resource(3, 11), &v), CS_OK);
    v = cs_value_integer(1);
    assert_int_equal(cs_resource_check_value(std_resource(1, 0), &v), CS_OK);
    v = cs_value_integer(65534);
    assert_int_equal(cs_resource_check_value(std_resource(1, 0), &v), CS_OK);
    v = cs_value_unsigned(255);
    assert_int_equal(cs_resource_check_value(std_resource(1, 11), &v), CS_OK);
    v = cs_value_unsigned(0);
    assert_int_equal(cs_resource_check_value(std_resource(0, 13), &v), CS_OK);
    v = cs_value_time(-1);
    assert_int_equal(cs_resource_check_value(std_resource(3, 13), &v), CS_OK);
    v = cs_value_boolean(true);
    assert_int_equal(cs_resource_check_value(std_resource(0, 1), &v), CS_OK);
    v = cs_value_objlnk(11, 0);
    assert_int_equal(cs_resource_check_value(std_resource(10, 11), &v), CS_OK);
    v = cs_value_opaque("\x01\x02", 2);
    assert_int_equal(cs_resource_check_value(std_resource(0, 5), &v), CS_OK);
    v = cs_value_string("U", 1);
    assert_int_equal(cs_resource_check_value(std_resource(1, 7), &v), CS_OK);
    v = cs_value_none();
    assert_int_equal(cs_resource_check_value(std_resource(3, 4), &v), CS_OK);
    /* An Integer without a range takes the whole int64 range. */
    v = cs_value_integer(INT64_MIN);
    assert_int_equal(cs_resource_check_value(std_resource(4, 2), &v), CS_OK);
    v = cs_value_integer(INT64_MAX);
    assert_int_equal(cs_resource_check_value(std_resource(4, 2), &v), CS_OK);
    v = cs_value_unsigned(UINT64_MAX);
    assert_int_equal(cs_resource_check_value(std_resource(5, 13), &v), CS_OK);
}

static void check_value_refuses_wrong_types(void **state)
{
    (void)state;
    cs_value v;
    /* No conversion happens here: the type must be exactly the defined one. */
    v = cs_value_unsigned(5);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_TYPE);
    v = cs_value_integer(5);
    assert_int_equal(cs_resource_check_value(std_resource(1, 11), &v), CS_E_TYPE);
    v = cs_value_float(5.0);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_TYPE);
    v = cs_value_integer(1700000000);
    assert_int_equal(cs_resource_check_value(std_resource(3, 13), &v), CS_E_TYPE);
    v = cs_value_time(5);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_TYPE);
    v = cs_value_string("5", 1);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_TYPE);
    v = cs_value_opaque("abc", 3);
    assert_int_equal(cs_resource_check_value(std_resource(3, 0), &v), CS_E_TYPE);
    v = cs_value_corelnk("</3>", 4);
    assert_int_equal(cs_resource_check_value(std_resource(3, 0), &v), CS_E_TYPE);
    v = cs_value_string("abc", 3);
    assert_int_equal(cs_resource_check_value(std_resource(0, 3), &v), CS_E_TYPE);
    v = cs_value_integer(1);
    assert_int_equal(cs_resource_check_value(std_resource(0, 1), &v), CS_E_TYPE);
    v = cs_value_objlnk(11, 0);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_TYPE);
    /* NONE only for Execute resources; Execute resources take no value. */
    v = cs_value_none();
    assert_int_equal(cs_resource_check_value(std_resource(3, 0), &v), CS_E_TYPE);
    v = cs_value_string("", 0);
    assert_int_equal(cs_resource_check_value(std_resource(3, 4), &v), CS_E_TYPE);
    /* A type check comes before the range check. */
    v = cs_value_unsigned(1000);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_TYPE);
}

static void check_value_refuses_out_of_range(void **state)
{
    (void)state;
    cs_value v;
    v = cs_value_integer(-1);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_RANGE);
    v = cs_value_integer(101);
    assert_int_equal(cs_resource_check_value(std_resource(3, 9), &v), CS_E_RANGE);
    v = cs_value_integer(33);
    assert_int_equal(cs_resource_check_value(std_resource(3, 11), &v), CS_E_RANGE);
    v = cs_value_integer(0);
    assert_int_equal(cs_resource_check_value(std_resource(1, 0), &v), CS_E_RANGE);
    v = cs_value_integer(65535);
    assert_int_equal(cs_resource_check_value(std_resource(1, 0), &v), CS_E_RANGE);
    v = cs_value_integer(INT64_MIN);
    assert_int_equal(cs_resource_check_value(std_resource(0, 2), &v), CS_E_RANGE);
    v = cs_value_integer(5);
    assert_int_equal(cs_resource_check_value(std_resource(0, 2), &v), CS_E_RANGE);
    v = cs_value_integer(4);
    assert_int_equal(cs_resource_check_value(std_resource(5, 3), &v), CS_E_RANGE);
    v = cs_value_integer(51);
    assert_int_equal(cs_resource_check_value(std_resource(4, 0), &v), CS_E_RANGE);
    v = cs_value_integer(32);
    assert_int_equal(cs_resource_check_value(std_resource(2, 2), &v), CS_E_RANGE);
    v = cs_value_integer(0);
    assert_int_equal(cs_resource_check_value(std_resource(11, 21), &v), CS_E_RANGE);
    v = cs_value_integer(10);
    assert_int_equal(cs_resource_check_value(std_resource(11, 21), &v), CS_E_RANGE);
    /* Unsigned ranges, including values past INT64_MAX. */
    v = cs_value_unsigned(256);
    assert_int_equal(cs_resource_check_value(std_resource(1, 11), &v), CS_E_RANGE);
    v = cs_value_unsigned(4);
    assert_int_equal(cs_resource_check_value(std_resource(0, 15), &v), CS_E_RANGE);
    v = cs_value_unsigned(UINT64_MAX);
    assert_int_equal(cs_resource_check_value(std_resource(1, 11), &v), CS_E_RANGE);
    v = cs_value_unsigned((uint64_t)INT64_MAX + 1);
    assert_int_equal(cs_resource_check_value(std_resource(10, 12), &v), CS_E_RANGE);
    v = cs_value_unsigned(65536);
    assert_int_equal(cs_resource_check_value(std_resource(0, 18), &v), CS_E_RANGE);
}

static void check_value_applies_length_ranges(void **state)
{
    (void)state;
    char text[300];
    memset(text, 'a', sizeof text);
    cs_value v;
    /* /0/x/0 LwM2M Server URI: 0..255 bytes. */
    v = cs_value_string(text, 0);
    assert_int_equal(cs_resource_check_value(std_resource(0, 0), &v), CS_OK);
    v = cs_value_string(text, 255);
    assert_int_equal(cs_resource_check_value(std_resource(0, 0), &v), CS_OK);
    v = cs_value_string(text, 256);
    assert_int_equal(cs_resource_check_value(std_resource(0, 0), &v), CS_E_RANGE);
    v = cs_value_string(text, 256);
    assert_int_equal(cs_resource_check_value(std_resource(5, 1), &v), CS_E_RANGE);
    v = cs_value_string(text, 256);
    assert_int_equal(cs_resource_check_value(std_resource(0, 25), &v), CS_E_RANGE);
    /* /0/x/7 SMS Binding Key Parameters: exactly 6 bytes. */
    uint8_t key[64] = { 0 };
    v = cs_value_opaque(key, 6);
    assert_int_equal(cs_resource_check_value(std_resource(0, 7), &v), CS_OK);
    v = cs_value_opaque(key, 5);
    assert_int_equal(cs_resource_check_value(std_resource(0, 7), &v), CS_E_RANGE);
    v = cs_value_opaque(key, 7);
    assert_int_equal(cs_resource_check_value(std_resource(0, 7), &v), CS_E_RANGE);
    /* /0/x/8 SMS Binding Secret Key(s): 16..48 bytes. */
    v = cs_value_opaque(key, 15);
    assert_int_equal(cs_resource_check_value(std_resource(0, 8), &v), CS_E_RANGE);
    v = cs_value_opaque(key, 16);
    assert_int_equal(cs_resource_check_value(std_resource(0, 8), &v), CS_OK);
    v = cs_value_opaque(key, 48);
    assert_int_equal(cs_resource_check_value(std_resource(0, 8), &v), CS_OK);
    v = cs_value_opaque(key, 49);
    assert_int_equal(cs_resource_check_value(std_resource(0, 8), &v), CS_E_RANGE);
    /* A string without a range takes any length. */
    v = cs_value_string(text, sizeof text);
    assert_int_equal(cs_resource_check_value(std_resource(3, 0), &v), CS_OK);
}

/* ---- Registries built at run time --------------------------------------- */

/* Adding an object is one table. */
static const cs_resource_def meter_resources[] = {
    { .id = 0, .name = "Reading", .type = CS_TYPE_FLOAT,
      .operations = CS_OP_READ },
    { .id = 1, .name = "Unit", .type = CS_TYPE_STRING,
      .operations = CS_OP_READ, .has_range = true, .min = 1, .max = 8 },
    { .id = 2, .name = "Reset", .type = CS_TYPE_NONE,
      .operations = CS_OP_EXECUTE },
    { .id = 5, .name = "History", .type = CS_TYPE_INTEGER,
      .operations = CS_OP_READ, .multiple = true, .has_range = true,
      .min = -40, .max = 85 },
    { .id = 7000, .name = "Serial", .type = CS_TYPE_UNSIGNED,
      .operations = CS_OP_RW, .mandatory = true },
};
static const cs_object_def meter = {
    .id = 33000, .name = "Meter", .version = "2.0", .multiple = true,
    .resources = meter_resources,
    .resource_count = sizeof meter_resources / sizeof meter_resources[0],
};

static void registry_add_custom_object(void **state)
{
    (void)state;
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    assert_null(cs_registry_object(reg, 33000));
    assert_int_equal(cs_registry_add(reg, &meter), CS_OK);
    assert_ptr_equal(cs_registry_object(reg, 33000), &meter);
    assert_null(cs_registry_object(reg, 3));

    cs_path p = test_path("/33000/4/7000");
    const cs_resource_def *d = cs_registry_resource(reg, &p);
    assert_non_null(d);
    assert_string_equal(d->name, "Serial");
    p = test_path("/33000/0/5/9");
    d = cs_registry_resource(reg, &p);
    assert_non_null(d);
    assert_string_equal(d->name, "History");
    cs_value v = cs_value_integer(-41);
    assert_int_equal(cs_resource_check_value(d, &v), CS_E_RANGE);
    v = cs_value_integer(-40);
    assert_int_equal(cs_resource_check_value(d, &v), CS_OK);
    p = test_path("/33000/0/3");
    assert_null(cs_registry_resource(reg, &p));

    /* The same object twice, or another table with the same ID. */
    assert_int_equal(cs_registry_add(reg, &meter), CS_E_DUPLICATE);
    static const cs_object_def other = {
        .id = 33000, .name = "Other", .version = "1.0",
        .resources = meter_resources, .resource_count = 1,
    };
    assert_int_equal(cs_registry_add(reg, &other), CS_E_DUPLICATE);
    assert_ptr_equal(cs_registry_object(reg, 33000), &meter);

    /* Standard objects may be added to an own registry, next to it. */
    for (size_t i = 0; i < cs_standard_object_count; i++)
        assert_int_equal(cs_registry_add(reg, cs_standard_objects[i]), CS_OK);
    assert_int_equal(cs_registry_add(reg, cs_standard_objects[3]),
                     CS_E_DUPLICATE);
    assert_ptr_equal(cs_registry_object(reg, 3), cs_standard_objects[3]);
    assert_ptr_equal(cs_registry_object(reg, 33000), &meter);
    cs_registry_free(reg);
    cs_registry_free(NULL);
}

static void registry_add_refuses_bad_tables(void **state)
{
    (void)state;
    static const cs_resource_def unsorted[] = {
        { .id = 1, .name = "B", .type = CS_TYPE_STRING },
        { .id = 0, .name = "A", .type = CS_TYPE_STRING },
    };
    static const cs_resource_def repeated[] = {
        { .id = 0, .name = "A", .type = CS_TYPE_STRING },
        { .id = 4, .name = "B", .type = CS_TYPE_STRING },
        { .id = 4, .name = "C", .type = CS_TYPE_STRING },
    };
    static const cs_object_def bad_order = {
        .id = 40001, .name = "Unsorted", .version = "1.0",
        .resources = unsorted, .resource_count = 2,
    };
    static const cs_object_def bad_dup = {
        .id = 40002, .name = "Repeated", .version = "1.0",
        .resources = repeated, .resource_count = 3,
    };
    static const cs_object_def bad_id = {
        .id = CS_ID_INVALID, .name = "Reserved", .version = "1.0",
        .resources = meter_resources, .resource_count = 1,
    };
    static const cs_object_def no_resources = {
        .id = 40003, .name = "Empty", .version = "1.0",
    };
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    assert_int_equal(cs_registry_add(reg, &bad_order), CS_E_INVALID_ARG);
    assert_int_equal(cs_registry_add(reg, &bad_dup), CS_E_INVALID_ARG);
    assert_int_equal(cs_registry_add(reg, &bad_id), CS_E_INVALID_ARG);
    assert_int_equal(cs_registry_add(reg, NULL), CS_E_INVALID_ARG);
    assert_int_equal(cs_registry_add(NULL, &meter), CS_E_INVALID_ARG);
    assert_null(cs_registry_object(reg, 40001));
    assert_null(cs_registry_object(reg, 40002));
    assert_null(cs_registry_object(reg, CS_ID_INVALID));
    /* A refused table leaves the registry usable. */
    assert_int_equal(cs_registry_add(reg, &no_resources), CS_OK);
    assert_int_equal(cs_registry_add(reg, &meter), CS_OK);
    assert_ptr_equal(cs_registry_object(reg, 40003), &no_resources);
    assert_ptr_equal(cs_registry_object(reg, 33000), &meter);
    cs_registry_free(reg);
}

/* A small deterministic generator, so failures reproduce. */
static uint32_t next_random(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

#define MANY 1000

static void registry_lookups_after_many_adds_in_random_order(void **state)
{
    (void)state;
    cs_object_def *defs = calloc(MANY, sizeof *defs);
    uint16_t *order = calloc(MANY, sizeof *order);
    assert_non_null(defs);
    assert_non_null(order);
    /* Object IDs 1, 66, 131 ... spread over the ID space; added shuffled. */
    for (size_t i = 0; i < MANY; i++) {
        defs[i].id = (uint16_t)(1 + i * 65);
        defs[i].name = "Generated";
        defs[i].version = "1.0";
        defs[i].resources = meter_resources;
        defs[i].resource_count = i % 5 + 1;
        order[i] = (uint16_t)i;
    }
    uint32_t seed = 12345;
    for (size_t i = MANY - 1; i > 0; i--) {
        size_t j = next_random(&seed) % (i + 1);
        uint16_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    for (size_t k = 0; k < MANY; k++) {
        assert_int_equal(cs_registry_add(reg, &defs[order[k]]), CS_OK);
        /* What was added so far is found; the last one at once. */
        assert_ptr_equal(cs_registry_object(reg, defs[order[k]].id),
                         &defs[order[k]]);
        if (k % 97 == 0)
            for (size_t m = 0; m <= k; m++)
                assert_ptr_equal(cs_registry_object(reg, defs[order[m]].id),
                                 &defs[order[m]]);
    }
    for (size_t i = 0; i < MANY; i++) {
        assert_ptr_equal(cs_registry_object(reg, defs[i].id), &defs[i]);
        assert_null(cs_registry_object(reg, (uint16_t)(defs[i].id + 1)));
        assert_int_equal(cs_registry_add(reg, &defs[i]), CS_E_DUPLICATE);
    }
    assert_null(cs_registry_object(reg, 0));
    assert_null(cs_registry_object(reg, CS_ID_MAX));
    cs_path p = cs_path_resource(defs[7].id, 0, 0);
    assert_ptr_equal(cs_registry_resource(reg, &p), &meter_resources[0]);
    /* defs[7] has 3 resources: 0, 1, 2; 5 is not in its table. */
    p = cs_path_resource(defs[7].id, 0, 5);
    assert_null(cs_registry_resource(reg, &p));
    cs_registry_free(reg);
    free(order);
    free(defs);
}

static void registry_resource_by_path_level(void **state)
{
    (void)state;
    const cs_registry *reg = cs_registry_standard();
    cs_path p = cs_path_root();
    assert_null(cs_registry_resource(reg, &p));
    p = test_path("/3");
    assert_null(cs_registry_resource(reg, &p));
    p = test_path("/3/0");
    assert_null(cs_registry_resource(reg, &p));
    p = test_path("/3/0/11");
    assert_ptr_equal(cs_registry_resource(reg, &p), std_resource(3, 11));
    p = test_path("/3/0/11/7");
    assert_ptr_equal(cs_registry_resource(reg, &p), std_resource(3, 11));
    /* The instance ID does not matter. */
    p = test_path("/1/65534/0");
    assert_ptr_equal(cs_registry_resource(reg, &p), std_resource(1, 0));
    p = test_path("/10/0/11/1");
    assert_ptr_equal(cs_registry_resource(reg, &p), std_resource(10, 11));
    /* Unknown object, unknown resource. */
    p = test_path("/9/0/0");
    assert_null(cs_registry_resource(reg, &p));
    p = test_path("/3/0/23");
    assert_null(cs_registry_resource(reg, &p));
    p = test_path("/5/0/4/0");
    assert_null(cs_registry_resource(reg, &p));
    /* An empty own registry knows nothing. */
    cs_registry *own = cs_registry_new();
    assert_non_null(own);
    p = test_path("/3/0/11");
    assert_null(cs_registry_resource(own, &p));
    assert_null(cs_registry_object(own, 3));
    cs_registry_free(own);
}

static void own_registry_from_standard_tables_matches(void **state)
{
    (void)state;
    cs_registry *reg = cs_registry_new();
    assert_non_null(reg);
    for (size_t i = cs_standard_object_count; i-- > 0;)
        assert_int_equal(cs_registry_add(reg, cs_standard_objects[i]), CS_OK);
    for (unsigned oid = 0; oid < 64; oid++)
        assert_ptr_equal(cs_registry_object(reg, (uint16_t)oid),
                         cs_registry_object(cs_registry_standard(),
                                            (uint16_t)oid));
    cs_registry_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(standard_registry_has_every_object),
        cmocka_unit_test(every_table_is_well_formed),
        cmocka_unit_test(security_matches_registry),
        cmocka_unit_test(server_matches_registry),
        cmocka_unit_test(access_control_matches_registry),
        cmocka_unit_test(device_matches_registry),
        cmocka_unit_test(connectivity_monitoring_matches_registry),
        cmocka_unit_test(firmware_update_matches_registry),
        cmocka_unit_test(cellular_connectivity_matches_registry),
        cmocka_unit_test(apn_connection_profile_matches_registry),
        cmocka_unit_test(object_resource_finds_first_last_and_not_missing),
        cmocka_unit_test(check_value_accepts_right_type_in_range),
        cmocka_unit_test(check_value_refuses_wrong_types),
        cmocka_unit_test(check_value_refuses_out_of_range),
        cmocka_unit_test(check_value_applies_length_ranges),
        cmocka_unit_test(registry_add_custom_object),
        cmocka_unit_test(registry_add_refuses_bad_tables),
        cmocka_unit_test(registry_lookups_after_many_adds_in_random_order),
        cmocka_unit_test(registry_resource_by_path_level),
        cmocka_unit_test(own_registry_from_standard_tables_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
