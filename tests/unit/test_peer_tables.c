/*
 * test_peer_tables.c - the structures engines hold their peers in: address
 * parsing and formatting, the address hash table and the timer heap, each
 * checked against a simple model under many random operations.
 */
#include <stdlib.h>

#include "test_support.h"
#include "cellstrap/addr.h"
#include "core/addr_map.h"
#include "core/timer_heap.h"

static void addr_text_forms(void **state)
{
    (void)state;
    static const struct { const char *in; const char *out; } ok[] = {
        { "127.0.0.1:5683", "127.0.0.1:5683" },
        { "[::1]:5684", "[::1]:5684" },
        { "10.1.2.3", "10.1.2.3:5683" },
        { "::1", "[::1]:5683" },
        { "[2001:db8::7]", "[2001:db8::7]:5683" },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cs_addr a;
        char buf[CS_ADDR_TEXT_MAX];
        assert_int_equal(cs_addr_parse(ok[i].in, 5683, &a), CS_OK);
        assert_int_equal(cs_addr_format(&a, buf, sizeof buf), (int)strlen(ok[i].out));
        assert_string_equal(buf, ok[i].out);
    }
    static const char *const bad[] = {
        "", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:x",
        "[::1", "[::1]x", "256.1.1.1:1", "localhost:5683", "[::1]:99999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_addr a;
        if (cs_addr_parse(bad[i], 5683, &a) != CS_E_SYNTAX)
            fail_msg("\"%s\" accepted", bad[i]);
    }
    cs_addr a;
    assert_int_equal(cs_addr_parse("1.2.3.4", 0, &a), CS_E_SYNTAX);
}

static void addr_equality_and_hash(void **state)
{
    (void)state;
    cs_addr a = cs_addr_ipv4(127, 0, 0, 1, 5683);
    cs_addr b = cs_addr_ipv4(127, 0, 0, 1, 5684);
    cs_addr c = cs_addr_ipv4(127, 0, 0, 1, 5683);
    assert_true(cs_addr_equal(&a, &c));
    assert_false(cs_addr_equal(&a, &b));
    assert_true(cs_addr_same_host(&a, &b));
    assert_int_equal(cs_addr_hash(&a, 1), cs_addr_hash(&c, 1));
    assert_true(cs_addr_hash(&a, 1) != cs_addr_hash(&b, 1));
    assert_true(cs_addr_hash(&a, 1) != cs_addr_hash(&a, 2));
}

static cs_addr nth_addr(unsigned n)
{
    return cs_addr_ipv4(127, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
                        (uint16_t)(1000 + n % 7));
}

/* Random puts, gets and removes against a direct-indexed model. */
static void addr_map_matches_model(void **state)
{
    (void)state;
    enum { KEYS = 5000, OPS = 200000 };
    static void *model[KEYS];
    static int tokens[KEYS];
    memset(model, 0, sizeof model);
    cs_addr_map map;
    cs_addr_map_init(&map, 0x1234);
    srand(7);
    size_t live = 0;
    for (int op = 0; op < OPS; op++) {
        unsigned k = (unsigned)rand() % KEYS;
        cs_addr addr = nth_addr(k);
        switch (rand() % 3) {
        case 0:
            assert_int_equal(cs_addr_map_put(&map, &addr, &tokens[k]), CS_OK);
            live += model[k] == NULL;
            model[k] = &tokens[k];
            break;
        case 1:
            assert_ptr_equal(cs_addr_map_remove(&map, &addr), model[k]);
            live -= model[k] != NULL;
            model[k] = NULL;
            break;
        default:
            assert_ptr_equal(cs_addr_map_get(&map, &addr), model[k]);
        }
        assert_int_equal(map.count, live);
    }
    for (unsigned k = 0; k < KEYS; k++) {
        cs_addr addr = nth_addr(k);
        assert_ptr_equal(cs_addr_map_get(&map, &addr), model[k]);
    }
    assert_true(cs_addr_map_memory(&map) >= map.count * sizeof(struct cs_addr_map_slot));
    assert_int_equal(cs_addr_map_put(&map, &(cs_addr){ 0 }, NULL), CS_E_INVALID_ARG);
    cs_addr_map_free(&map);
}

static void timer_heap_orders_and_cancels(void **state)
{
    (void)state;
    enum { N = 3000 };
    static cs_timer timers[N];
    static bool cancelled[N];
    cs_timer_heap heap;
    cs_timer_heap_init(&heap);
    srand(11);
    for (int i = 0; i < N; i++) {
        cs_timer_init(&timers[i]);
        cancelled[i] = false;
        assert_int_equal(cs_timer_schedule(&heap, &timers[i], (cs_time_ms)(rand() % 100000)), CS_OK);
    }
    /* Move some earlier, some later; cancel some. */
    for (int i = 0; i < N; i += 3)
        assert_int_equal(cs_timer_schedule(&heap, &timers[i], (cs_time_ms)(rand() % 100000)), CS_OK);
    for (int i = 1; i < N; i += 5) {
        cs_timer_cancel(&heap, &timers[i]);
        cancelled[i] = true;
        assert_false(cs_timer_is_scheduled(&timers[i]));
    }
    cs_time_ms last = 0;
    size_t popped = 0;
    cs_timer *t;
    while ((t = cs_timer_heap_pop_due(&heap, 50000)) != NULL) {
        assert_true(t->deadline >= last && t->deadline <= 50000);
        assert_false(cancelled[t - timers]);
        last = t->deadline;
        popped++;
    }
    cs_timer *first = cs_timer_heap_first(&heap);
    if (first != NULL)
        assert_true(first->deadline > 50000);
    while ((t = cs_timer_heap_pop_due(&heap, UINT64_MAX)) != NULL) {
        assert_true(t->deadline >= last);
        last = t->deadline;
        popped++;
    }
    size_t expected = 0;
    for (int i = 0; i < N; i++)
        expected += !cancelled[i];
    assert_int_equal(popped, expected);
    cs_timer_heap_free(&heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addr_text_forms),
        cmocka_unit_test(addr_equality_and_hash),
        cmocka_unit_test(addr_map_matches_model),
        cmocka_unit_test(timer_heap_orders_and_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
