/*
 * match_internal.h - what the fuzz target of the matcher's cached models
 * reaches (internal).
 */
#ifndef FORMOCR_MATCH_INTERNAL_H
#define FORMOCR_MATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "formocr/template.h"

/*
 * Reads frame (an "mframe" cache entry's payload) and patches (an "mpatch"
 * payload) as page pageno of t's model would be read back from the cache,
 * and frees what was made: 0 the frame is refused, 1 the frame is taken and
 * the patches refused, 2 both are taken.
 */
int fo_match_check_stored_model(const fo_template *t, int pageno, const uint8_t *frame,
                                size_t frame_len, const uint8_t *patches,
                                size_t patches_len);

#endif
