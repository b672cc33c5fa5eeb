/*
 * read.h - the read stage: what is written in a field.
 *
 * Text goes to Tesseract through its C API, one zone at a time, with the
 * page-segmentation mode the zone's shape calls for (one line, a block of
 * lines split into lines first, one character per cell of a comb) and a
 * whitelist from the field
 * (its charset, or the characters its type allows).  The confidence of a
 * reading is that of its weakest character: one doubtful digit makes a
 * doubtful SIRET.  Checkboxes, choices and signatures are decided on the
 * written ink in their zones, without OCR.
 *
 * A reader owns the Tesseract engines of one thread (one per language,
 * made on first use and kept for every later page).  Tesseract's OpenMP
 * makes it several times slower on small machines unless OMP_THREAD_LIMIT=1
 * is in the environment when the process starts (the formocr command sees
 * to it): parallelism belongs to formocr's workers, one reader each.
 */
#ifndef FORMOCR_READ_H
#define FORMOCR_READ_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/template.h"
#include "formocr/zone.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fo_reader fo_reader;

/* tessdata: folder of *.traineddata, or NULL for $TESSDATA_PREFIX or
 * Tesseract's default.  The caller owns *out. */
FO_API int fo_reader_create(const char *tessdata, fo_reader **out, fo_error *err);
FO_API void fo_reader_destroy(fo_reader **r);

typedef struct fo_reading {
    char *raw;         /* what was read (malloc'd): text with lines joined by
                          '\n', one character per cell (' ' for an empty
                          cell); "1"/"0"; ticked options comma-joined */
    double confidence; /* 0..100: the weakest character's, or the mark's */
    bool unread;       /* ink was there but nothing could be read from it */
    const char *doubt; /* static: why the reader doubts what it read (the
                          field is not ok, with this reason); NULL: none */
    bool handprint;    /* read as handprint: the template says "hand", or the
                          ink looked written by hand (letters off one baseline,
                          cells' characters changing height) */
} fo_reading;

/* A time limit for what r reads from now on: reading a field past it
 * fails with FO_ERR_LIMIT ("took longer than N s"), Tesseract being told to
 * stop between words when it comes; seconds 0: none. */
FO_API void fo_reader_set_time_limit(fo_reader *r, double seconds);

/* Reads field f of a matched page.  Fails on out-of-memory or when
 * Tesseract cannot start (its language data missing: FO_ERR_CONFIG, which
 * stops a run: every document would fail alike); FO_ERR_OCR when Tesseract
 * fails on this zone. */
FO_API int fo_read_field(fo_reader *r, const fo_zone_page *zp, const fo_field *f,
                         fo_reading *out, fo_error *err);
FO_API void fo_reading_free(fo_reading *r);

/*
 * The typed digits and capitals of one page, kept while its fields are
 * read: the face's own drawing of each, against which the cells of a serial
 * number without a pattern are checked (src/read/bank.h says how).  Made by the
 * caller of fo_read_field for each page, set as the zone page's `bank`,
 * freed after; the caller owns *out.  FO_ERR_NOMEM.
 */
FO_API int fo_glyph_bank_create(fo_glyph_bank **out, fo_error *err);
FO_API void fo_glyph_bank_destroy(fo_glyph_bank **b);

/* When to read f among its page's fields, 0 to 2: the bank is filled by
 * the typed digits of digit-only combs (0) and the digits and capitals of
 * lines (1), and consulted
 * by lines for a lone character and by combs or cells without a pattern
 * that may mix letters and digits (2), read last. */
FO_API int fo_read_field_pass(const fo_field *f);

/* Tesseract's version as it gives it ("5.3.0"); static. */
FO_API const char *fo_ocr_version(void);

/*
 * Where Tesseract takes its language data from for tessdata (as in
 * fo_reader_create; NULL: $TESSDATA_PREFIX, else Tesseract's own folder):
 * *dir that folder as Tesseract names it ("/usr/share/tesseract-ocr/5/
 * tessdata/"), *languages the languages whose NAME.traineddata it holds,
 * sorted and joined with ", " ("eng, fra, osd"; "" for none, or a folder
 * that cannot be read).  The caller frees both.  FO_ERR_CONFIG when
 * Tesseract cannot say where its data is, FO_ERR_NOMEM.
 */
FO_API int fo_ocr_data(const char *tessdata, char **dir, char **languages,
                       fo_error *err);

#ifdef __cplusplus
}
#endif
#endif
