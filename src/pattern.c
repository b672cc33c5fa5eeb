/* pattern.c - a field's pattern matched within bounds (see pattern.h). */
#include "pattern.h"

#include <pthread.h>

static pcre2_match_context *limits;
static pthread_once_t limits_once = PTHREAD_ONCE_INIT;

/* Made once, read by every thread (PCRE2 only reads a match context); when
 * it cannot be made, no match is tried at all (FO_PATTERN_LIMIT). */
static void make_limits(void)
{
    limits = pcre2_match_context_create(NULL);
    if (!limits)
        return;
    pcre2_set_match_limit(limits, FO_PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(limits, FO_PATTERN_DEPTH_LIMIT);
    pcre2_set_heap_limit(limits, FO_PATTERN_HEAP_KIB);
}

fo_pattern_result fo_pattern_match(const fo_field *f, const char *s, size_t n,
                                   uint32_t options, pcre2_match_data *md)
{
    int rc;
    pthread_once(&limits_once, make_limits);
    if (!limits)
        return FO_PATTERN_LIMIT;
    rc = pcre2_match((const pcre2_code *)f->pattern_code, (PCRE2_SPTR)s, n, 0, options,
                     md, limits);
    if (rc >= 0)
        return FO_PATTERN_YES;
    if (rc == PCRE2_ERROR_NOMATCH)
        return FO_PATTERN_NO;
    if (rc == PCRE2_ERROR_PARTIAL)
        return FO_PATTERN_PARTIAL;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_NOMEMORY)
        return FO_PATTERN_LIMIT;
    return FO_PATTERN_ERROR;
}
