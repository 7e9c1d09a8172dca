/*
 * Internals of the JSON -> section parser (scte35_json_*.c); not API.
 */

#ifndef _SCTE35_JSON_INT_H_INCLUDED_
#define _SCTE35_JSON_INT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "scte35.h"


#define SCTE35_PATH_LEN   96


typedef struct {
    char            *err;
    size_t           errlen;
} scte35_jp_t;


/* an integer field of a struct: where it is and how wide */
typedef struct {
    const char      *key;
    size_t           off;
    uint8_t          size;      /* sizeof the C field */
    uint64_t         mask;      /* allowed bits */
    uint8_t          required;
} scte35_jfield_t;


#define SCTE35_JF(type, field, key, mask, req)                                \
    { key, offsetof(type, field), sizeof(((type *) 0)->field), mask, req }


/* NULL-terminated lists of the keys an object may have */
typedef const char *const  scte35_keys_t[];


/* "path.key: message" into jp->err; returns SCTE35_ERROR */
int scte35_jp_fail(scte35_jp_t *jp, const char *path, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* formats a child path into buf (SCTE35_PATH_LEN bytes) */
const char *scte35_jp_sub(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* every key of obj must be in one of the lists (NULL-terminated too) */
int scte35_jp_keys(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *const *const *lists);

/* 1: present (*v set), 0: absent, SCTE35_ERROR: not an integer in mask */
int scte35_jp_uint(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, uint64_t mask, uint64_t *v);

/* the integer fields of a table into the struct at base */
int scte35_jp_fields(scte35_jp_t *jp, const char *path, json_t *obj,
    void *base, const scte35_jfield_t *f, size_t n);

/* a flag that says whether field follows: its presence, cross-checked */
int scte35_jp_flag_for(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *flag, const char *field, uint8_t *out);

/* a derived count: must match actual when given */
int scte35_jp_count(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, size_t actual);

int scte35_jp_hexval(int c);

/* hex digits ("0x" optional) into out, at most max bytes */
int scte35_jp_hex(scte35_jp_t *jp, const char *path, const char *key,
    json_t *v, uint8_t *out, size_t max, size_t *n);

/* a string's bytes, or {"hex": "..."} */
int scte35_jp_text(scte35_jp_t *jp, const char *path, const char *key,
    json_t *v, uint8_t *out, size_t max, size_t *n);

/* text of exactly size bytes; 1: present, 0: absent, SCTE35_ERROR */
int scte35_jp_fixed_text(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, uint8_t *out, size_t size);

/* 1: present, 0: absent, SCTE35_ERROR: not an array of at most max */
int scte35_jp_array(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, size_t max, json_t **a);

/* an optional hex field; *n = 0 when absent */
int scte35_jp_bytes_field(scte35_jp_t *jp, const char *path, json_t *obj,
    const char *key, uint8_t *out, size_t max, size_t *n);

/* "components": objects of only keys, read by fields into an array */
int scte35_jp_components(scte35_jp_t *jp, const char *path, json_t *o,
    size_t max, const char *missing, const char *const *keys,
    const scte35_jfield_t *f, size_t nf, void *base, size_t size,
    uint8_t *count);

/* "descriptors" and "alignment_stuffing" (scte35_json_desc.c) */
int scte35_jp_descriptors(scte35_jp_t *jp, json_t *j,
    scte35_section_t *sec);


#endif /* _SCTE35_JSON_INT_H_INCLUDED_ */
