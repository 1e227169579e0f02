/*
 * test_milenage.c - Milenage against the six test sets of TS 35.207/35.208
 * (REFERENCE.md §2.2: OPc and f1..f5* for every set, the intermediate
 * TEMP/OUT1/OUT2 of set 1), the AUTN of §2.3, and the emulated USIM: a
 * genuine AUTN, a forged MAC, a stale SQN answered with AUTS that the
 * network resynchronises from, replay refusal and the IND slots.
 */
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/usim.h"

typedef struct test_set {
    const char *k, *rand, *sqn, *amf, *op, *opc;
    const char *f1, *f1star, *f2, *f5, *f5star, *f3, *f4, *autn;
} test_set;

static const test_set sets[6] = {
    { "465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35",
      "ff9bb4d0b607", "b9b9", "cdc202d5123e20f62b6d676ac72cb318",
      "cd63cb71954a9f4e48a5994e37a02baf", "4a9ffac354dfafb3", "01cfaf9ec4e871e9",
      "a54211d5e3ba50bf", "aa689c648370", "451e8beca43b",
      "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441",
      "55f328b43577b9b94a9ffac354dfafb3" },
    { "0396eb317b6d1c36f19c1c84cd6ffd16", "c00d603103dcee52c4478119494202e8",
      "fd8eef40df7d", "af17", "ff53bade17df5d4e793073ce9d7579fa",
      "53c15671c60a4b731c55b4a441c0bde2", "5df5b31807e258b0", "a8c016e51ef4a343",
      "d3a628ed988620f0", "c47783995f72", "30f1197061c1",
      "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da",
      "39f96cd9800faf175df5b31807e258b0" },
    { "fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a",
      "9d0277595ffc", "725c", "dbc59adcb6f9a0ef735477b7fadf8374",
      "1006020f0a478bf6b699f15c062e42b3", "9cabc3e99baf7281", "95814ba2b3044324",
      "8011c48c0c214ed2", "33484dc2136b", "deacdd848cc6",
      "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b",
      "ae4a3a9b4c97725c9cabc3e99baf7281" },
    { "9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6",
      "0b604a81eca8", "9e09", "223014c5806694c007ca1eeef57f004f",
      "a64a507ae1a2a98bb88eb4210135dc87", "74a58220cba84c49", "ac2cc74a96871837",
      "f365cd683cd92e96", "f0b9c08ad02e", "6085a86c6f63",
      "e203edb3971574f5a94b0d61b816345d", "0c4524adeac041c4dd830d20854fc46b",
      "fbd98a0b3c869e0974a58220cba84c49" },
    { "4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186",
      "e880a1b580b6", "9f07", "2d16c5cd1fdf6b22383584e3bef2a8d8",
      "dcf07cbd51855290b92a07a9891e523e", "49e785dd12626ef2", "9e85790336bb3fa2",
      "5860fc1bce351e7e", "31e11a609118", "fe2555e54aa9",
      "7657766b373d1c2138f307e3de9242f9", "1c42e960d89b8fa99f2744e0708ccb53",
      "d961bbd511ae9f0749e785dd12626ef2" },
    { "6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63",
      "414b98222181", "4464", "1ba00a1a7c6700ac8c3ff3e96ad08725",
      "3803ef5363b947c6aaa225e58fae3934", "078adfb488241a57", "80246b8d0186bcf1",
      "16c8233f05a0ac28", "45b0f69ab06c", "1f53cd2b1113",
      "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4",
      "04fb6eb891ed4464078adfb488241a57" },
};

/* A set's inputs as octets. */
typedef struct inputs {
    uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
} inputs;

static void load(const test_set *t, inputs *in)
{
    assert_int_equal(test_hex(t->k, in->k, 16), 16);
    assert_int_equal(test_hex(t->rand, in->rand, 16), 16);
    assert_int_equal(test_hex(t->sqn, in->sqn, 6), 6);
    assert_int_equal(test_hex(t->amf, in->amf, 2), 2);
    assert_int_equal(test_hex(t->op, in->op, 16), 16);
    assert_int_equal(test_hex(t->opc, in->opc, 16), 16);
}

static void assert_octets(const uint8_t *got, const char *hex)
{
    uint8_t want[32];
    size_t n = test_hex(hex, want, sizeof want);
    assert_memory_equal(got, want, n);
}

static void opc_from_op(void **state)
{
    (void)state;
    for (int i = 0; i < 6; i++) {
        inputs in;
        uint8_t opc[16];
        load(&sets[i], &in);
        cs_milenage_opc(in.k, in.op, opc);
        assert_octets(opc, sets[i].opc);
    }
}

static void functions_of_all_sets(void **state)
{
    (void)state;
    for (int i = 0; i < 6; i++) {
        inputs in;
        uint8_t mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_star[6];
        load(&sets[i], &in);
        cs_milenage_f1(in.k, in.opc, in.rand, in.sqn, in.amf, mac_a);
        cs_milenage_f1star(in.k, in.opc, in.rand, in.sqn, in.amf, mac_s);
        cs_milenage_f2345(in.k, in.opc, in.rand, res, ck, ik, ak);
        cs_milenage_f5star(in.k, in.opc, in.rand, ak_star);
        assert_octets(mac_a, sets[i].f1);
        assert_octets(mac_s, sets[i].f1star);
        assert_octets(res, sets[i].f2);
        assert_octets(ck, sets[i].f3);
        assert_octets(ik, sets[i].f4);
        assert_octets(ak, sets[i].f5);
        assert_octets(ak_star, sets[i].f5star);

        /* Outputs are optional and independent of each other. */
        uint8_t only_ik[16];
        cs_milenage_f2345(in.k, in.opc, in.rand, NULL, NULL, only_ik, NULL);
        assert_memory_equal(only_ik, ik, 16);
    }
}

static void intermediates_of_set_1(void **state)
{
    (void)state;
    inputs in;
    uint8_t temp[16], out[16];
    load(&sets[0], &in);
    cs_milenage_temp(in.k, in.opc, in.rand, temp);
    assert_octets(temp, "9e2980c59739da67b136355e3cede6a2");
    assert_int_equal(cs_milenage_out(in.k, in.opc, temp, in.sqn, in.amf, 1, out), CS_OK);
    assert_octets(out, "4a9ffac354dfafb301cfaf9ec4e871e9");
    assert_int_equal(cs_milenage_out(in.k, in.opc, temp, NULL, NULL, 2, out), CS_OK);
    assert_octets(out, "aa689c648370ac1ea54211d5e3ba50bf");
    assert_int_equal(cs_milenage_out(in.k, in.opc, temp, NULL, NULL, 3, out), CS_OK);
    assert_octets(out, sets[0].f3);
    assert_int_equal(cs_milenage_out(in.k, in.opc, temp, NULL, NULL, 0, out),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_milenage_out(in.k, in.opc, temp, NULL, NULL, 6, out),
                     CS_E_INVALID_ARG);
    assert_int_equal(cs_milenage_out(in.k, in.opc, temp, NULL, in.amf, 1, out),
                     CS_E_INVALID_ARG);
}

static void vectors_and_autn(void **state)
{
    (void)state;
    for (int i = 0; i < 6; i++) {
        inputs in;
        cs_aka_vector v;
        load(&sets[i], &in);
        cs_aka_vector_make(in.k, in.opc, in.rand, in.sqn, in.amf, &v);
        assert_octets(v.autn, sets[i].autn);
        assert_memory_equal(v.rand, in.rand, 16);
        assert_octets(v.xres, sets[i].f2);
        assert_octets(v.ck, sets[i].f3);
        assert_octets(v.ik, sets[i].f4);
        cs_aka_vector_wipe(&v);
        uint8_t zero[sizeof v] = { 0 };
        assert_memory_equal(&v, zero, sizeof v);
    }
}

static void sqn_helpers(void **state)
{
    (void)state;
    uint8_t sqn[6];
    cs_aka_sqn_from_u64(UINT64_C(0xff9bb4d0b607), sqn);
    assert_octets(sqn, "ff9bb4d0b607");
    assert_true(cs_aka_sqn_to_u64(sqn) == UINT64_C(0xff9bb4d0b607));
    /* SEQ + 1, IND replaced; SEQ wraps inside 43 bits. */
    assert_true(cs_aka_sqn_next(0, 0) == 32);
    assert_true(cs_aka_sqn_next(32 | 7, 3) == (2 * 32 | 3));
    assert_true(cs_aka_sqn_next(0, 33) == (32 | 1));
    assert_true(cs_aka_sqn_next(CS_AKA_SQN_MAX, 0) == 0);
}

/* ---- Emulated USIM ------------------------------------------------------- */

/* The network's side of the test: the subscriber's K, OPc and SQN_HE. */
typedef struct network {
    uint8_t k[16], opc[16];
    uint64_t sqn_he;
    uint8_t next_rand;
} network;

static void network_init(network *n, cs_usim *card)
{
    inputs in;
    load(&sets[0], &in);
    memcpy(n->k, in.k, 16);
    memcpy(n->opc, in.opc, 16);
    n->sqn_he = 0;
    n->next_rand = 1;
    cs_usim_init(card, in.k, in.opc);
}

/* A vector for the next SQN in slot `ind` (the HE keeps one counter). */
static void network_vector(network *n, unsigned ind, cs_aka_vector *v)
{
    uint8_t rand[16], sqn[6], amf[2] = { 0x80, 0x00 };
    memset(rand, n->next_rand++, sizeof rand);
    n->sqn_he = cs_aka_sqn_next(n->sqn_he, ind);
    cs_aka_sqn_from_u64(n->sqn_he, sqn);
    cs_aka_vector_make(n->k, n->opc, rand, sqn, amf, v);
}

static void usim_accepts_genuine_autn(void **state)
{
    (void)state;
    network net;
    cs_usim card;
    cs_aka_vector v;
    cs_aka_result r;
    network_init(&net, &card);
    network_vector(&net, 0, &v);
    assert_int_equal(cs_usim_authenticate(&card, v.rand, v.autn, &r), CS_AKA_SUCCESS);
    assert_int_equal(r.status, CS_AKA_SUCCESS);
    assert_memory_equal(r.res, v.xres, 8);
    assert_memory_equal(r.ck, v.ck, 16);
    assert_memory_equal(r.ik, v.ik, 16);
    assert_true(cs_usim_sqn_ms(&card) == net.sqn_he);

    /* The set-1 AUTN itself.  Its SEQ is far more than delta above a
     * factory-fresh card's, so that card asks for a resync; a card whose
     * slot 7 (IND of ...b607) stands just below takes it. */
    inputs in;
    load(&sets[0], &in);
    uint8_t autn[16];
    test_hex(sets[0].autn, autn, 16);
    cs_usim_init(&card, in.k, in.opc);
    assert_int_equal(cs_usim_authenticate(&card, in.rand, autn, &r),
                     CS_AKA_SYNC_FAILURE);
    uint64_t seq_ms[CS_AKA_IND_COUNT] = { 0 };
    seq_ms[7] = (UINT64_C(0xff9bb4d0b607) >> CS_AKA_IND_BITS) - 1;
    assert_int_equal(cs_usim_sqn_state_set(&card, seq_ms), CS_OK);
    assert_int_equal(cs_usim_authenticate(&card, in.rand, autn, &r), CS_AKA_SUCCESS);
    assert_octets(r.res, sets[0].f2);
    assert_true(cs_usim_sqn_ms(&card) == UINT64_C(0xff9bb4d0b607));
    cs_aka_result_wipe(&r);
    cs_usim_wipe(&card);
}

static void usim_refuses_bad_mac(void **state)
{
    (void)state;
    network net;
    cs_usim card;
    cs_aka_vector v;
    cs_aka_result r;
    network_init(&net, &card);
    network_vector(&net, 0, &v);
    uint8_t zero[16] = { 0 };

    for (int octet = 0; octet < 16; octet++) {
        uint8_t forged[16];
        memcpy(forged, v.autn, 16);
        forged[octet] ^= 0x01;        /* SQN, AMF or MAC: all covered by MAC-A */
        assert_int_equal(cs_usim_authenticate(&card, v.rand, forged, &r),
                         CS_AKA_MAC_FAILURE);
        assert_memory_equal(r.res, zero, 8);
        assert_memory_equal(r.ck, zero, 16);
        assert_memory_equal(r.auts, zero, 14);
    }
    /* Another RAND under the same AUTN, and another card's K. */
    uint8_t other_rand[16];
    memcpy(other_rand, v.rand, 16);
    other_rand[0] ^= 0x80;
    assert_int_equal(cs_usim_authenticate(&card, other_rand, v.autn, &r),
                     CS_AKA_MAC_FAILURE);
    cs_usim other;
    inputs in;
    load(&sets[1], &in);
    cs_usim_init(&other, in.k, in.opc);
    assert_int_equal(cs_usim_authenticate(&other, v.rand, v.autn, &r),
                     CS_AKA_MAC_FAILURE);
    /* Nothing was remembered: the genuine AUTN still works. */
    assert_true(cs_usim_sqn_ms(&card) == 0);
    assert_int_equal(cs_usim_authenticate(&card, v.rand, v.autn, &r), CS_AKA_SUCCESS);
}

static void usim_sync_failure_and_resync(void **state)
{
    (void)state;
    network net;
    cs_usim card;
    cs_aka_vector v;
    cs_aka_result r;
    network_init(&net, &card);

    /* The card has been used elsewhere: its SEQ_MS is ahead of the HE. */
    uint64_t seq_ms[CS_AKA_IND_COUNT] = { 0 };
    seq_ms[5] = 1000;
    assert_int_equal(cs_usim_sqn_state_set(&card, seq_ms), CS_OK);
    uint64_t card_sqn_ms = cs_usim_sqn_ms(&card);
    assert_true(card_sqn_ms == (1000 << 5 | 5));

    network_vector(&net, 5, &v);
    assert_int_equal(cs_usim_authenticate(&card, v.rand, v.autn, &r),
                     CS_AKA_SYNC_FAILURE);
    uint8_t zero[16] = { 0 };
    assert_memory_equal(r.res, zero, 8);
    assert_memory_equal(r.ck, zero, 16);

    /* The network recovers SQN_MS and moves past it... */
    uint8_t sqn_ms[6];
    assert_true(cs_aka_auts_recover(net.k, net.opc, v.rand, r.auts, sqn_ms));
    assert_true(cs_aka_sqn_to_u64(sqn_ms) == card_sqn_ms);
    /* ...but not from a tampered AUTS, nor for another RAND. */
    uint8_t bad[14];
    memcpy(bad, r.auts, 14);
    bad[13] ^= 1;
    assert_false(cs_aka_auts_recover(net.k, net.opc, v.rand, bad, sqn_ms));
    assert_memory_equal(sqn_ms, zero, 6);
    memcpy(bad, r.auts, 14);
    bad[0] ^= 1;                         /* concealed SQN_MS */
    assert_false(cs_aka_auts_recover(net.k, net.opc, v.rand, bad, sqn_ms));
    uint8_t rand2[16];
    memset(rand2, 0x77, sizeof rand2);
    assert_false(cs_aka_auts_recover(net.k, net.opc, rand2, r.auts, sqn_ms));

    assert_true(cs_aka_auts_recover(net.k, net.opc, v.rand, r.auts, sqn_ms));
    net.sqn_he = cs_aka_sqn_to_u64(sqn_ms);
    network_vector(&net, 2, &v);
    assert_int_equal(cs_usim_authenticate(&card, v.rand, v.autn, &r), CS_AKA_SUCCESS);
    assert_memory_equal(r.res, v.xres, 8);
    assert_true(cs_usim_sqn_ms(&card) == net.sqn_he);

    /* AUTS for a known SQN_MS, checked field by field: conceal and MAC-S
     * with AMF 0000. */
    inputs in;
    load(&sets[0], &in);
    uint8_t auts[14], ak_star[6], mac_s[8], amf0[2] = { 0, 0 };
    cs_aka_auts_make(in.k, in.opc, in.rand, in.sqn, auts);
    cs_milenage_f5star(in.k, in.opc, in.rand, ak_star);
    cs_milenage_f1star(in.k, in.opc, in.rand, in.sqn, amf0, mac_s);
    for (int i = 0; i < 6; i++)
        assert_int_equal(auts[i], in.sqn[i] ^ ak_star[i]);
    assert_memory_equal(auts + 6, mac_s, 8);
}

static void usim_refuses_replay(void **state)
{
    (void)state;
    network net;
    cs_usim card;
    cs_aka_vector first, second;
    cs_aka_result r;
    network_init(&net, &card);
    network_vector(&net, 0, &first);
    network_vector(&net, 0, &second);
    assert_int_equal(cs_usim_authenticate(&card, second.rand, second.autn, &r),
                     CS_AKA_SUCCESS);
    /* The same AUTN again, and an older one of the same slot. */
    assert_int_equal(cs_usim_authenticate(&card, second.rand, second.autn, &r),
                     CS_AKA_SYNC_FAILURE);
    assert_int_equal(cs_usim_authenticate(&card, first.rand, first.autn, &r),
                     CS_AKA_SYNC_FAILURE);
    uint8_t sqn_ms[6];
    assert_true(cs_aka_auts_recover(net.k, net.opc, first.rand, r.auts, sqn_ms));
    assert_true(cs_aka_sqn_to_u64(sqn_ms) == net.sqn_he);
}

static void usim_ind_slots(void **state)
{
    (void)state;
    network net;
    cs_usim card;
    cs_aka_vector a, b, c;
    cs_aka_result r;
    network_init(&net, &card);
    /* Slot 1 fetches a vector, slot 2 a newer one; used out of order,
     * both are accepted once. */
    network_vector(&net, 1, &a);
    network_vector(&net, 2, &b);
    assert_int_equal(cs_usim_authenticate(&card, b.rand, b.autn, &r), CS_AKA_SUCCESS);
    assert_int_equal(cs_usim_authenticate(&card, a.rand, a.autn, &r), CS_AKA_SUCCESS);
    assert_int_equal(cs_usim_authenticate(&card, a.rand, a.autn, &r),
                     CS_AKA_SYNC_FAILURE);
    assert_true(cs_usim_sqn_ms(&card) == net.sqn_he);

    /* Persisted and restored state behaves the same. */
    uint64_t saved[CS_AKA_IND_COUNT];
    cs_usim_sqn_state_get(&card, saved);
    assert_true(saved[1] == 1 && saved[2] == 2 && saved[0] == 0);
    cs_usim restored;
    cs_usim_init(&restored, net.k, net.opc);
    assert_int_equal(cs_usim_sqn_state_set(&restored, saved), CS_OK);
    assert_int_equal(cs_usim_authenticate(&restored, b.rand, b.autn, &r),
                     CS_AKA_SYNC_FAILURE);
    saved[3] = CS_AKA_SEQ_MAX + 1;
    assert_int_equal(cs_usim_sqn_state_set(&restored, saved), CS_E_RANGE);
    assert_true(cs_usim_sqn_ms(&restored) == cs_usim_sqn_ms(&card));

    /* A SEQ implausibly far ahead (beyond delta) is refused. */
    net.sqn_he = (cs_usim_sqn_ms(&card) >> CS_AKA_IND_BITS) + CS_AKA_SEQ_DELTA;
    net.sqn_he <<= CS_AKA_IND_BITS;
    network_vector(&net, 4, &c);       /* SEQ = highest + delta + 1 */
    assert_int_equal(cs_usim_authenticate(&card, c.rand, c.autn, &r),
                     CS_AKA_SYNC_FAILURE);
    net.sqn_he = ((cs_usim_sqn_ms(&card) >> CS_AKA_IND_BITS) + CS_AKA_SEQ_DELTA - 1)
                 << CS_AKA_IND_BITS;
    network_vector(&net, 4, &c);       /* exactly delta ahead */
    assert_int_equal(cs_usim_authenticate(&card, c.rand, c.autn, &r), CS_AKA_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opc_from_op),
        cmocka_unit_test(functions_of_all_sets),
        cmocka_unit_test(intermediates_of_set_1),
        cmocka_unit_test(vectors_and_autn),
        cmocka_unit_test(sqn_helpers),
        cmocka_unit_test(usim_accepts_genuine_autn),
        cmocka_unit_test(usim_refuses_bad_mac),
        cmocka_unit_test(usim_sync_failure_and_resync),
        cmocka_unit_test(usim_refuses_replay),
        cmocka_unit_test(usim_ind_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
