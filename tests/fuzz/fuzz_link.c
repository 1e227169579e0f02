/*
 * fuzz_link.c - libFuzzer target for the CoRE link-format parser.
 *
 * Beyond "no crash, no leak": a document that parses must format, parse
 * again to the same links and attributes, and format to the same bytes;
 * a link whose LwM2M attributes read must write and read back the same
 * set.  A failed parse must leave the document empty.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cellstrap/linkformat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void same_attr(const cs_link_attr *p, const cs_link_attr *q)
{
    check(p->name_len == q->name_len && memcmp(p->name, q->name, p->name_len) == 0);
    check((p->value == NULL) == (q->value == NULL));
    if (p->value != NULL)
        check(p->value_len == q->value_len && p->quoted == q->quoted &&
              memcmp(p->value, q->value, p->value_len) == 0);
}

/* The typed attributes of `link` survive cs_link_append and a parse. */
static void typed_attrs_round_trip(const cs_link *link)
{
    cs_link_attrs attrs;
    if (cs_link_get_attrs(link, &attrs) != CS_OK)
        return;
    cs_path path = link->has_path ? link->path : cs_path_root();
    cs_buf out;
    cs_buf_init(&out, 1 << 20);
    if (cs_link_append(&out, true, NULL, &path, &attrs) == CS_OK) {
        cs_link_doc doc;
        cs_link_doc_init(&doc);
        check(cs_link_parse((const char *)out.data, out.len, NULL, &doc) == CS_OK);
        cs_link_attrs back;
        check(cs_link_get_attrs(&doc.links[0], &back) == CS_OK);
        check(back.present == attrs.present);
        cs_link_doc_free(&doc);
    }
    cs_buf_free(&out);
}

static void same_doc(const cs_link_doc *a, const cs_link_doc *b)
{
    check(a->count == b->count);
    for (size_t i = 0; i < a->count; i++) {
        const cs_link *x = &a->links[i], *y = &b->links[i];
        check(x->has_target == y->has_target && x->target_len == y->target_len &&
              memcmp(x->target, y->target, x->target_len) == 0);
        check(x->has_path == y->has_path && x->attr_count == y->attr_count);
        check(!x->has_path || cs_path_compare(&x->path, &y->path) == 0);
        for (size_t k = 0; k < x->attr_count; k++)
            same_attr(&x->attrs[k], &y->attrs[k]);
        cs_link_attrs t1, t2;
        check(cs_link_get_attrs(x, &t1) == cs_link_get_attrs(y, &t2));
        typed_attrs_round_trip(x);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_link_doc doc;
    cs_link_doc_init(&doc);
    if (cs_link_parse((const char *)data, size, NULL, &doc) != CS_OK) {
        check(doc.count == 0);
        cs_link_doc_free(&doc);
        return 0;
    }
    cs_buf out, out2;
    cs_buf_init(&out, 1 << 22);
    cs_buf_init(&out2, 1 << 22);
    check(cs_link_format(&doc, &out) == CS_OK);
    cs_link_doc again;
    cs_link_doc_init(&again);
    check(cs_link_parse((const char *)out.data, out.len, NULL, &again) == CS_OK);
    same_doc(&doc, &again);
    check(cs_link_format(&again, &out2) == CS_OK && out2.len == out.len &&
          (out.len == 0 || memcmp(out.data, out2.data, out.len) == 0));
    cs_buf_free(&out2);
    cs_buf_free(&out);
    cs_link_doc_free(&again);
    cs_link_doc_free(&doc);
    return 0;
}
