/*
 * pdf.h - the pages of a PDF as scans (internal to the image stage).
 *
 * Office scanners write PDF.  A page that is one image covering the page
 * (what a scanner makes) is that image, decoded at its own resolution
 * (CCITT G3/G4, JBIG2, JPEG, JPEG 2000, Flate: whatever MuPDF decodes), its
 * DPI from the image's size on the page; any other page (a form filled on
 * screen, a printed PDF, a scan with annotations) is rendered with its form
 * fields and annotations at limits->pdf_dpi.  MuPDF (AGPL-3.0) reads the
 * file, repairing a damaged one where it can; its warnings and errors are
 * captured, never printed.  The page and pixel limits apply before anything
 * is decoded or rendered.
 *
 * A fo_pdf is used by one thread at a time (its own MuPDF context).
 */
#ifndef FORMOCR_PDF_H
#define FORMOCR_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "formocr/image.h"

struct Pix;
typedef struct fo_pdf fo_pdf;

/* Opens the PDF in data (borrowed: it must outlive the fo_pdf) and counts
 * its pages.  FO_ERR_CORRUPT (not a PDF MuPDF can repair, no page),
 * FO_ERR_FORMAT (encrypted: a password is needed), FO_ERR_LIMIT (more pages
 * than limits->max_pages), FO_ERR_NOMEM. */
int fo_pdf_open(const uint8_t *data, size_t size, const fo_image_limits *limits,
                fo_pdf **out, int *npages, fo_error *err);

void fo_pdf_close(fo_pdf **pdf);

/* Page (0-based) as it will be decoded: format "pdf", compression the
 * image's codec ("g4", "jpeg", ...) or "rendered", size and resolution;
 * checked against the pixel limit. */
int fo_pdf_page_info(fo_pdf *pdf, int page, fo_page_info *info, fo_error *err);

/* Decodes or renders page to 8-bit grey at the resolution page_info gives.
 * *out is the caller's. */
int fo_pdf_decode(fo_pdf *pdf, int page, struct Pix **out, fo_error *err);

/* The first warning MuPDF gave opening this file ("" when none): that it
 * was repaired. */
const char *fo_pdf_open_warning(const fo_pdf *pdf);

/* The live form fields of page (fo_image_form_values). */
int fo_pdf_form_values(fo_pdf *pdf, int page, fo_form_value **out, int *n,
                       fo_error *err);

#endif
