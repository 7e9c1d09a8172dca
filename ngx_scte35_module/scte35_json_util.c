/*
 * Helpers of the JSON -> section parser: typed, range-checked access to
 * JSON values, with errors that name the field by its path.
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scte35.h"
#include "scte35_int.h"
#include "scte35_json_int.h"


/* helpers */

int
scte35_jp_fail(scte35_jp_t *jp, const char *path, const char *key,
    const char *fmt, ...)
{
    char     msg[160];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    return scte35_error(jp->err, jp->errlen, "%s%s%s: %s",
                        path[0] ? path : (key ? "" : "section"),
                        (path[0] && key) ? "." : "", key ? key : "", msg);
}


/* path of a child: vsnprintf, as paths are short and may be cut */
const char *
scte35_jp_sub(char *buf, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(buf, SCTE35_PATH_LEN, fmt, ap);
    va_end(ap);

    return buf;
}


/* every key of obj must be in one of the NULL-terminated lists */
int
scte35_jp_keys(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *const *const *lists)
{
    size_t       i, k;
    json_t      *v;
    const char  *key;

    json_object_foreach(obj, key, v) {
        for (i = 0; lists[i] != NULL; i++) {
            for (k = 0; lists[i][k] != NULL; k++) {
                if (strcmp(lists[i][k], key) == 0) {
                    goto found;
                }
            }
        }

        return scte35_jp_fail(jp, path, key, "unknown field, or not allowed "
                              "with the flags given");
    found:
        continue;
    }

    return SCTE35_OK;
}


/* 1: present (*v set), 0: absent, SCTE35_ERROR: not an integer in mask */
int
scte35_jp_uint(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, uint64_t mask, uint64_t *v)
{
    json_t      *jv;
    json_int_t   i;

    jv = json_object_get(obj, key);
    if (jv == NULL) {
        return 0;
    }

    if (!json_is_integer(jv)) {
        return scte35_jp_fail(jp, path, key, "expected an integer");
    }

    i = json_integer_value(jv);

    if (i < 0 || ((uint64_t) i & ~mask)) {
        if (((mask + 1) & mask) == 0) {
            return scte35_jp_fail(jp, path, key, "%lld out of range 0..%llu",
                                  (long long) i, (unsigned long long) mask);
        }

        return scte35_jp_fail(jp, path, key, "%lld has bits outside the "
                              "mask 0x%llx", (long long) i,
                              (unsigned long long) mask);
    }

    *v = (uint64_t) i;

    return 1;
}


int
scte35_jp_fields(scte35_jp_t *jp, const char *path, json_t *obj, void *base,
    const scte35_jfield_t *f, size_t n)
{
    int       rc;
    size_t    i;
    uint8_t  *p;
    uint64_t  v;

    for (i = 0; i < n; i++) {
        rc = scte35_jp_uint(jp, path, obj, f[i].key, f[i].mask, &v);

        if (rc < 0) {
            return SCTE35_ERROR;
        }

        if (rc == 0) {
            if (f[i].required) {
                return scte35_jp_fail(jp, path, f[i].key, "missing");
            }

            continue;
        }

        p = (uint8_t *) base + f[i].off;

        switch (f[i].size) {
        case 1:
            *(uint8_t *) p = (uint8_t) v;
            break;
        case 2:
            *(uint16_t *) p = (uint16_t) v;
            break;
        case 4:
            *(uint32_t *) p = (uint32_t) v;
            break;
        default:
            *(uint64_t *) p = v;
            break;
        }
    }

    return SCTE35_OK;
}


/*
 * A flag that only says whether "field" follows: it is the presence of the
 * field, and must agree with it when given.
 */
int
scte35_jp_flag_for(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *flag, const char *field, uint8_t *out)
{
    int       rc, present;
    uint64_t  v;

    present = (json_object_get(obj, field) != NULL);

    rc = scte35_jp_uint(jp, path, obj, flag, 1, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1 && (int) v != present) {
        return scte35_jp_fail(jp, path, field, "%s when %s is %d",
                              present ? "not allowed" : "missing", flag,
                              (int) v);
    }

    *out = (uint8_t) present;

    return SCTE35_OK;
}


/* a derived count: must match when given */
int
scte35_jp_count(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, size_t actual)
{
    int       rc;
    uint64_t  v;

    rc = scte35_jp_uint(jp, path, obj, key, UINT32_MAX, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1 && v != actual) {
        return scte35_jp_fail(jp, path, key, "%llu does not match the %zu "
                              "actually present", (unsigned long long) v,
                              actual);
    }

    return SCTE35_OK;
}


int
scte35_jp_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/* hex digits, "0x" optional */
int
scte35_jp_hex(scte35_jp_t *jp, const char *path, const char *key, json_t *v,
    uint8_t *out, size_t max, size_t *n)
{
    int          hi, lo;
    size_t       len, i;
    const char  *s;

    if (!json_is_string(v)) {
        return scte35_jp_fail(jp, path, key, "expected a hex string");
    }

    s = json_string_value(v);
    len = json_string_length(v);

    if (len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
        s += 2;
        len -= 2;
    }

    if (len % 2) {
        return scte35_jp_fail(jp, path, key, "odd number of hex digits");
    }

    if (len / 2 > max) {
        return scte35_jp_fail(jp, path, key, "%zu bytes, more than %zu",
                              len / 2, max);
    }

    for (i = 0; i < len / 2; i++) {
        hi = scte35_jp_hexval((unsigned char) s[2 * i]);
        lo = scte35_jp_hexval((unsigned char) s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return scte35_jp_fail(jp, path, key, "not a hex digit at "
                                  "offset %zu", 2 * i);
        }

        out[i] = (uint8_t) ((hi << 4) | lo);
    }

    *n = len / 2;

    return SCTE35_OK;
}


/* a string (its bytes), or {"hex": "..."} for bytes that are not text */
int
scte35_jp_text(scte35_jp_t *jp, const char *path, const char *key, json_t *v,
    uint8_t *out, size_t max, size_t *n)
{
    size_t  len;

    if (json_is_string(v)) {
        len = json_string_length(v);

        if (len > max) {
            return scte35_jp_fail(jp, path, key, "%zu bytes, more than %zu",
                                  len, max);
        }

        memcpy(out, json_string_value(v), len);
        *n = len;

        return SCTE35_OK;
    }

    if (json_is_object(v) && json_object_size(v) == 1
        && json_object_get(v, "hex") != NULL)
    {
        return scte35_jp_hex(jp, path, key, json_object_get(v, "hex"), out,
                             max, n);
    }

    return scte35_jp_fail(jp, path, key, "expected a string or "
                          "{\"hex\": \"...\"}");
}


/* 1: present, 0: absent, SCTE35_ERROR */
int
scte35_jp_fixed_text(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, uint8_t *out, size_t size)
{
    size_t   n;
    json_t  *v;
    uint8_t  buf[8];

    v = json_object_get(obj, key);
    if (v == NULL) {
        return 0;
    }

    if (scte35_jp_text(jp, path, key, v, buf, sizeof(buf), &n)
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (n != size) {
        return scte35_jp_fail(jp, path, key, "must be %zu bytes, not %zu",
                              size, n);
    }

    memcpy(out, buf, size);

    return 1;
}


/* 1: present, 0: absent, SCTE35_ERROR: not an array of at most max */
int
scte35_jp_array(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, size_t max, json_t **a)
{
    *a = json_object_get(obj, key);

    if (*a == NULL) {
        return 0;
    }

    if (!json_is_array(*a)) {
        return scte35_jp_fail(jp, path, key, "expected an array");
    }

    if (json_array_size(*a) > max) {
        return scte35_jp_fail(jp, path, key, "%zu entries, more than %zu",
                              json_array_size(*a), max);
    }

    return 1;
}


int
scte35_jp_bytes_field(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, uint8_t *out, size_t max, size_t *n)
{
    json_t  *v;

    *n = 0;

    v = json_object_get(obj, key);
    if (v == NULL) {
        return SCTE35_OK;
    }

    return scte35_jp_hex(jp, path, key, v, out, max, n);
}


/*
 * "components" of the object at path: an array of at most max objects with
 * only the given keys, each read by its fields into base + i * size;
 * missing says why the array must be there.  *count gets its size.
 */

int
scte35_jp_components(scte35_jp_t *jp, const char *path, json_t *o,
    size_t max, const char *missing, const char *const *keys,
    const scte35_jfield_t *f, size_t nf, void *base, size_t size,
    uint8_t *count)
{
    int                 rc;
    size_t              i;
    json_t             *a, *c;
    char                sub[SCTE35_PATH_LEN];
    const char *const  *lists[2];

    rc = scte35_jp_array(jp, path, o, "components", max, &a);
    if (rc <= 0) {
        return (rc < 0) ? SCTE35_ERROR
                        : scte35_jp_fail(jp, path, "components",
                                         "missing (%s)", missing);
    }

    lists[0] = keys;
    lists[1] = NULL;

    *count = (uint8_t) json_array_size(a);

    json_array_foreach(a, i, c) {
        scte35_jp_sub(sub, "%s.components[%zu]", path, i);

        if (!json_is_object(c)) {
            return scte35_jp_fail(jp, sub, NULL, "expected an object");
        }

        if (scte35_jp_keys(jp, sub, c, lists) != SCTE35_OK
            || scte35_jp_fields(jp, sub, c, (uint8_t *) base + i * size, f,
                                nf)
               != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    return SCTE35_OK;
}
