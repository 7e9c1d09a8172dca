/*
 * libFuzzer target for the SCTE-35 codec (make fuzz / make fuzz-run).
 *
 * Input starting with '{' is JSON text for scte35_from_json(); anything
 * else is a section for scte35_decode().  Invariants, any break aborts:
 *
 *   - decode never reads outside the input (ASan) and an error always
 *     comes with a message;
 *   - a section that decodes with a good CRC re-encodes to exactly the
 *     input; one with a bad CRC re-encodes to the input except for the
 *     last 4 bytes (the CRC is recomputed), and then decodes cleanly;
 *   - encoded bytes decode and re-encode to themselves, and their JSON,
 *     printed and parsed back as text, goes through scte35_from_json() to
 *     the same bytes again;
 *   - JSON that scte35_from_json() accepts encodes, and those bytes go
 *     through the same cycle.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scte35.h"


#define check(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "fuzz_scte35: %s:%d: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                   \
            abort();                                                          \
        }                                                                     \
    } while (0)


/* one each, reused: a section struct is ~56 KB, too big for many stacks */
static scte35_section_t  sec_a, sec_b;


/* bytes that encode from a good section: decode, encode, JSON, back */
static void
cycle(const uint8_t *buf, size_t len)
{
    int           rc;
    char          err[256], *text;
    size_t        n;
    json_t       *j, *j2;
    uint8_t       out[SCTE35_MAX_SECTION];
    json_error_t  je;

    rc = scte35_decode(buf, len, &sec_b, err, sizeof(err));
    if (rc != SCTE35_OK) {
        fprintf(stderr, "fuzz_scte35: re-decode: %s\n", err);
    }
    check(rc == SCTE35_OK);

    check(scte35_encode(&sec_b, out, sizeof(out), &n, err, sizeof(err))
          == SCTE35_OK);
    check(n == len && memcmp(out, buf, len) == 0);

    j = scte35_to_json(&sec_b);
    check(j != NULL);

    /* through text, as the API would see it */
    text = json_dumps(j, JSON_COMPACT);
    check(text != NULL);
    j2 = json_loads(text, 0, &je);
    check(j2 != NULL);

    rc = scte35_from_json(j2, &sec_b, err, sizeof(err));
    if (rc != SCTE35_OK) {
        fprintf(stderr, "fuzz_scte35: from_json: %s\n%s\n", err, text);
    }
    check(rc == SCTE35_OK);

    check(scte35_encode(&sec_b, out, sizeof(out), &n, err, sizeof(err))
          == SCTE35_OK);
    check(n == len && memcmp(out, buf, len) == 0);

    free(text);
    json_decref(j);
    json_decref(j2);
}


static void
fuzz_section(const uint8_t *data, size_t size)
{
    int      rc, drc;
    char     err[256];
    size_t   n;
    uint8_t  out[SCTE35_MAX_SECTION];

    err[0] = '\0';
    drc = scte35_decode(data, size, &sec_a, err, sizeof(err));

    if (drc == SCTE35_ERROR) {
        check(err[0] != '\0');
        return;
    }

    check(drc == SCTE35_OK || drc == SCTE35_BAD_CRC);
    check(size >= 17 && size <= SCTE35_MAX_SECTION);
    check(size == scte35_section_size(data, size));
    check((drc == SCTE35_OK) == (scte35_crc32(data, size) == 0));

    rc = scte35_encode(&sec_a, out, sizeof(out), &n, err, sizeof(err));
    if (rc != SCTE35_OK) {
        fprintf(stderr, "fuzz_scte35: encode: %s\n", err);
    }
    check(rc == SCTE35_OK);
    check(n == size);

    /* byte exact, but for a bad CRC_32, which encode recomputes */
    check(memcmp(out, data, (drc == SCTE35_OK) ? size : size - 4) == 0);

    cycle(out, n);
}


static void
fuzz_json(const uint8_t *data, size_t size)
{
    int           rc;
    char          err[256];
    size_t        n;
    json_t       *j;
    uint8_t       out[SCTE35_MAX_SECTION];
    json_error_t  je;

    j = json_loadb((const char *) data, size, 0, &je);
    if (j == NULL) {
        return;
    }

    err[0] = '\0';
    rc = scte35_from_json(j, &sec_a, err, sizeof(err));
    json_decref(j);

    if (rc != SCTE35_OK) {
        check(rc == SCTE35_ERROR && err[0] != '\0');
        return;
    }

    check(scte35_encode(&sec_a, out, sizeof(out), &n, err, sizeof(err))
          == SCTE35_OK);

    cycle(out, n);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == '{') {
        fuzz_json(data, size);

    } else {
        fuzz_section(data, size);
    }

    return 0;
}
