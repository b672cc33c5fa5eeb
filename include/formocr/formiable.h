/*
 * formiable.h - turning a FormIAble field map into a formocr template.
 *
 * FormIAble (Etalab's "programme 10 %" project) describes real Cerfa forms
 * with a JSON map of boxes in the blank form's pixels:
 *   champs_libres      free text: one box, or one box per line
 *   champs_avec_cases  comb fields: one cell per character
 *   cases_a_cocher     groups of checkboxes with min_cochees / max_cochees
 *   champs_image       zones holding a picture (a signature)
 * and a content hint per field ("type": ["nom"], ["date"], ["chiffre"]...).
 *
 * The import maps these onto DESIGN.md §3: free text -> text (box or lines),
 * combs -> cells (date -> date, code_postal -> digits + code_postal check,
 * chiffre -> digits), one checkbox -> checkbox, a group -> choice with
 * options "1", "2"... in map order, image zones -> signature.  Fields are
 * written in reading order (top to bottom, then left to right).  The result
 * is a starting point that a person reviews (names, types, checks).
 */
#ifndef FORMOCR_FORMIABLE_H
#define FORMOCR_FORMIABLE_H

#include <stdbool.h>

#include "formocr/error.h"
#include "formocr/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes out_dir/template.json and a copy of the reference image
 * (out_dir/page1.<ext>), the template being named after out_dir's last
 * component.  The template's dpi comes from the reference's width, taken as
 * an A4 page.  Refuses to replace an existing template.json unless force.
 * The written template is then loaded back and validated; on success the
 * caller owns *out (fo_template_destroy).
 */
FO_API int fo_formiable_import(const char *map_path, const char *reference_path,
                               const char *out_dir, bool force, fo_template **out,
                               fo_error *err);

#ifdef __cplusplus
}
#endif
#endif
