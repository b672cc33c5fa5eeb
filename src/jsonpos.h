/*
 * jsonpos.h - where a value sits in JSON text (internal).
 *
 * jansson parses and validates JSON but does not remember where each value
 * came from.  Template errors must name a line and column, so after jansson
 * has accepted a text, this module walks the same text to the value at a
 * path such as "pages/0/fields/3/box".  It only ever runs on text jansson
 * accepted, and on any surprise it reports the position it reached so far.
 */
#ifndef FORMOCR_JSONPOS_H
#define FORMOCR_JSONPOS_H

#include <stddef.h>

/*
 * Finds the value at path ('/'-separated object keys and array indexes; ""
 * is the root) and returns its 1-based line and column (columns count
 * characters, as jansson's do).  When the path does not resolve fully, the
 * position of the deepest value reached is returned.
 */
void fo_json_locate(const char *text, size_t len, const char *path, int *line,
                    int *column);

#endif
