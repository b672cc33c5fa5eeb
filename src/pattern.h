/*
 * pattern.h - a field's pattern (PCRE2) matched within bounds (internal).
 *
 * A template's pattern comes from many hands: one with catastrophic
 * backtracking (^(\d|\w|.)*[!?]$) takes PCRE2's default limits (ten million
 * steps) on every try, and the look-alike repairs may try thousands of
 * readings.  Every match goes through here, with a match limit, a depth
 * limit and a heap limit far above what a form field's pattern needs on a
 * value of a few dozen characters; a limit hit is reported, and the caller
 * flags the field rather than trusts it.
 */
#ifndef FORMOCR_PATTERN_H
#define FORMOCR_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "formocr/template.h"

enum {
    FO_PATTERN_MATCH_LIMIT = 200000, /* PCRE2 match() calls a try */
    FO_PATTERN_DEPTH_LIMIT = 20000,  /* backtracking depth */
    FO_PATTERN_HEAP_KIB = 4096       /* heap for backtracking, KiB */
};

/* What a try gave. */
typedef enum fo_pattern_result {
    FO_PATTERN_NO = 0,      /* no match */
    FO_PATTERN_YES = 1,     /* a match */
    FO_PATTERN_PARTIAL = 2, /* with PCRE2_PARTIAL_*: s could begin a match */
    FO_PATTERN_LIMIT = -1,  /* a limit was hit: unknown */
    FO_PATTERN_ERROR = -2   /* another PCRE2 error (s is not UTF-8): unknown */
} fo_pattern_result;

/* f's compiled pattern against s[0..n) with PCRE2 options, md from
 * pcre2_match_data_create_from_pattern; thread-safe. */
fo_pattern_result fo_pattern_match(const fo_field *f, const char *s, size_t n,
                                   uint32_t options, pcre2_match_data *md);

#endif
