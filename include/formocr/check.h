/*
 * check.h - the check stage: normalise a field's raw reading, validate it,
 * and give it a status (DESIGN.md §4).
 *
 * The promise to users is no silent errors: a value that is not certain
 * comes out flagged (low_confidence, invalid or missing), never "ok".
 */
#ifndef FORMOCR_CHECK_H
#define FORMOCR_CHECK_H

#include <stdbool.h>

#include "formocr/result.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_value {
    char *value; /* normalised (DESIGN §4), malloc'd; "" if empty */
    fo_field_status status;
    const char *reason; /* static, lowercase: why not ok; NULL when ok */
} fo_value;

/*
 * Normalises raw (what the read stage produced: OCR text, lines joined
 * with '\n'; for checkbox and signature "1" or "0"; for choice the ticked
 * option names comma-joined; may be NULL for nothing) for field f, checks
 * it, and sets out's value, status and reason.  confidence (0..100) is the
 * read stage's, compared with f->min_confidence.  A pattern must match the
 * whole normalised value.  When the reading is not a value of its type,
 * out->value is the reading trimmed, blanks collapsed.
 *
 * Returns 0, or FO_ERR_NOMEM (FO_ERR_USAGE if f or out is NULL); on
 * failure *out is zeroed and holds nothing to free.  Free out with
 * fo_value_free.  Thread-safe: f is only read.
 */
FO_API int fo_check_field(const fo_field *f, const char *raw, double confidence,
                          fo_value *out);
/* Frees v->value and zeroes *v; accepts NULL and a zeroed fo_value. */
FO_API void fo_value_free(fo_value *v);

/* The checks on their own, on normalised values (true = valid): no
 * blanks or separators are tolerated, and NULL is not valid. */
FO_API bool fo_check_nir(const char *s);
FO_API bool fo_check_luhn(const char *s);
FO_API bool fo_check_siren(const char *s);
FO_API bool fo_check_siret(const char *s);
FO_API bool fo_check_iban(const char *s);
FO_API bool fo_check_code_postal(const char *s);

#ifdef __cplusplus
}
#endif
#endif
