/*
 * debug.h - overlay images for --debug-dir (internal).
 *
 * One PNG per matched page: the scan aligned onto its template (what the
 * zones were cut from), each field's zones framed in a colour by status
 * (green ok, orange low_confidence, red invalid, magenta missing) and the
 * value read written above them: what a person authoring a template needs
 * to see.  Failing to write one is not an error of the run.
 */
#ifndef FORMOCR_DEBUG_H
#define FORMOCR_DEBUG_H

#include "formocr/result.h"

struct Pix;

/* The overlay of page pageno (1-based) of d, matched as its page result
 * says, drawn on grey (the scan page, 8 bpp, as decoded). */
void fo_debug_overlay(const char *dir, const fo_document *d, int pageno,
                      struct Pix *grey);

#endif
