/*
 * debug.h - overlay images for --debug-dir (internal).
 *
 * One PNG per matched page: the scan aligned onto its template (what the
 * zones were cut from), each field's zones framed in a colour by status
 * (green ok, orange low_confidence, red invalid, magenta missing) and the
 * value read written above them: what a person authoring a template needs
 * to see.  One per page that matched nothing too: the page as it is, with
 * why (its best score) across the top.  Failing to write one is not an
 * error of the run.
 *
 * An overlay is named FILE_HASH_pN.png: the scan's file name, the first 8
 * hex digits of its SHA-256 (as in the outputs' sha256) and the page of the
 * file, e.g. scan.tif_b407c524_p1.png: two scan.tif of two folders do not
 * overwrite each other, and the name still says which scan it is.
 */
#ifndef FORMOCR_DEBUG_H
#define FORMOCR_DEBUG_H

#include "formocr/result.h"

struct Pix;

/* The overlay of page pageno (1-based) of d, matched as its page result
 * says, drawn on grey (the scan page, 8 bpp, as decoded). */
void fo_debug_overlay(const char *dir, const fo_document *d, int pageno,
                      struct Pix *grey);

/* The overlay of page pr of d, an unmatched document (d->error says why):
 * page (1 or 8 bpp, its resolution in its x res) brought to the overlays'
 * resolution, the reason written across the top. */
void fo_debug_unmatched(const char *dir, const fo_document *d, const fo_page_result *pr,
                        struct Pix *page);

#endif
