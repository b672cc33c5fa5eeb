/*
 * image.h - the image stage: reading scans.
 *
 * A scan file is read into memory once (so that the bytes hashed are the
 * bytes decoded), its format is detected from those bytes, never from the
 * file name, and each page's header is checked against the pixel limit
 * before anything is decoded: a hostile header cannot make formocr allocate.
 * Decoding goes through Leptonica (libtiff, libpng, libjpeg, libwebp).
 *
 * Formats read: TIFF (every page; none, packbits, G3, G4, LZW, deflate,
 * JPEG compression), PNG, JPEG, PNM (PBM/PGM/PPM/PAM) and WebP.
 */
#ifndef FORMOCR_IMAGE_H
#define FORMOCR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formocr/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct Pix;

enum {
    /* No form is larger than this either way (inches; A2 is 23.4 inches
     * long): a page or a template reference beyond it is refused before
     * its working images are made, which bounds what a page can cost. */
    FO_MAX_FORM_INCHES = 24,
    FO_DEFAULT_DPI = 300,       /* assumed when a file has none */
    FO_DEFAULT_MAX_PAGES = 1000 /* pages per file */
};
/* per page: A4 at 900 dpi, A3 at 500 dpi; a page this size decodes into 60 MB */
#define FO_DEFAULT_MAX_PIXELS ((uint64_t)60000000)
#define FO_DEFAULT_MAX_FILE_BYTES ((size_t)256 * 1024 * 1024)
#define FO_DEFAULT_PDF_DPI 300

typedef struct fo_image_limits {
    uint64_t max_pixels;   /* width x height of one page */
    size_t max_file_bytes; /* size of the file */
    int max_pages;         /* pages in one file */
    int default_dpi;       /* resolution assumed when the file has none */
    int pdf_dpi;           /* PDF pages that are not one scanned image are
                              rendered at this resolution */
} fo_image_limits;

/* Fills l with the defaults above. */
FO_API void fo_image_limits_default(fo_image_limits *l);

typedef struct fo_page_info {
    const char *format;      /* "tiff", "png", "jpeg", "pnm", "webp" (static) */
    const char *compression; /* "g4", "lzw", "deflate", "jpeg", ... (static) */
    int width, height;       /* pixels */
    int bits_per_pixel;      /* as stored: bits per sample x samples per pixel */
    int xdpi, ydpi;          /* from the file, or limits.default_dpi */
    bool dpi_from_file;      /* false when the file carries no resolution */
    char warning[160];       /* fo_image_decode: what the decoder tolerated on
                                the page (a JPEG's corrupt data, cut short): the
                                pixels may be wrong in places; "" when none */
} fo_page_info;

typedef struct fo_image fo_image;

/*
 * Reads path into memory and identifies it.  Fails with FO_ERR_IO (cannot
 * read, not a regular file), FO_ERR_LIMIT (too large), FO_ERR_FORMAT (not an
 * image, or a format formocr does not read) or FO_ERR_CORRUPT.  limits may be
 * NULL for the defaults.  The caller owns *out (fo_image_destroy).
 */
FO_API int fo_image_open(const char *path, const fo_image_limits *limits,
                         fo_image **out, fo_error *err);

/* The same from bytes already read (data as from malloc, of size bytes):
 * the image takes them over and frees them, even when it fails. */
FO_API int fo_image_adopt(uint8_t *data, size_t size, const fo_image_limits *limits,
                          fo_image **out, fo_error *err);

/* The same from bytes in memory; they are copied. */
FO_API int fo_image_open_memory(const uint8_t *data, size_t size,
                                const fo_image_limits *limits, fo_image **out,
                                fo_error *err);

/* Accepts NULL and *img == NULL; sets *img to NULL. */
FO_API void fo_image_destroy(fo_image **img);

/* What the decoder said when it opened the file and went on (a PDF
 * repaired by MuPDF); "" when nothing.  Valid while img lives. */
FO_API const char *fo_image_warning(const fo_image *img);

FO_API int fo_image_page_count(const fo_image *img);

/* The file's bytes, as read (for hashing); valid until destroy. */
FO_API const uint8_t *fo_image_bytes(const fo_image *img, size_t *size);

/*
 * Reads page (0-based) header only: dimensions, depth, compression.  The
 * resolution fields are those of the header where it has them (TIFF); use
 * fo_image_decode for the final word on resolution.  Fails with
 * FO_ERR_LIMIT when the page exceeds limits.max_pixels.
 */
FO_API int fo_image_page_info(const fo_image *img, int page, fo_page_info *info,
                              fo_error *err);

/*
 * Decodes page (0-based) after checking its header against the limits.  On
 * success *pix (caller destroys with pixDestroy) is 1 bpp (binary sources)
 * or 8-bit grey (everything else: formocr reads forms in grey levels), and
 * carries the resolution in its x/y res, the default when the file has none;
 * *info (may be NULL) describes the page as stored.
 */
FO_API int fo_image_decode(const fo_image *img, int page, struct Pix **pix,
                           fo_page_info *info, fo_error *err);

/* Silences the image libraries' own messages; called by the functions above
 * and safe to call again from any thread. */
/* A live form field of a PDF page (a form filled on screen and saved). */
typedef struct fo_form_value {
    char *name;  /* fully qualified field name, UTF-8 */
    char *value; /* its value: a text field's text, a check box's or radio
                    button's state name ("Off" when not ticked), UTF-8 */
} fo_form_value;

/*
 * The live form fields of page (0-based) of a PDF, one per widget on that
 * page; none (*n = 0) for any other format, a page without fields, or a
 * PDF whose fields cannot be read (its pages are still read as images).
 * The caller frees *out with fo_form_values_free.  Fails only when out of
 * memory.  At most 5000 per page.
 */
FO_API int fo_image_form_values(const fo_image *img, int page, fo_form_value **out,
                                int *n, fo_error *err);
FO_API void fo_form_values_free(fo_form_value *v, int n);

FO_API void fo_image_init(void);

/* The last message Leptonica wrote in this thread (for -v), or "". */
FO_API const char *fo_image_last_library_message(void);

#ifdef __cplusplus
}
#endif
#endif
