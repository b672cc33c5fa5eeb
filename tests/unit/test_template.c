/* test_template.c - loading and validating templates. */
#include <leptonica/allheaders.h>

#include "formocr/template.h"
#include "harness.h"
#include "util.h"

static char *data_path(const char *rel)
{
    return fo_asprintf("%s/%s", test_source_dir(), rel);
}

static fo_template *load(const char *rel, int *rc, fo_error *err)
{
    char *path = data_path(rel);
    fo_template *t = NULL;
    *rc = fo_template_load(path, &t, err);
    free(path);
    return t;
}

static void test_good_template(void)
{
    static const char *names[] = {"nom",   "code",   "adresse", "date",     "montant",
                                  "genre", "majeur", "ref",     "signature"};
    fo_error err;
    int rc;
    fo_template *t = load("tests/data/templates/good/template.json", &rc, &err);
    const fo_field *f;

    INT_EQ(rc, FO_OK);
    if (!t)
        return;
    STR_EQ(t->name, "test_form");
    STR_EQ(t->title, "Formulaire d'essai");
    STR_EQ(t->lang, "fra");
    INT_EQ(t->dpi, 50);
    INT_EQ(t->npages, 1);
    INT_EQ(t->pages[0].width, 200);
    INT_EQ(t->pages[0].height, 283);
    OK(t->pages[0].image && pixGetDepth(t->pages[0].image) == 8);
    INT_EQ(t->nfields, 9);
    INT_EQ(t->pages[0].nfields, 9);
    OK(t->pages[0].fields == t->fields);
    for (int i = 0; i < 9 && i < t->nfields; i++)
        STR_EQ(t->fields[i].name, names[i]);

    f = fo_template_field(t, "nom");
    OK(f && f->type == FO_FIELD_TEXT && f->geometry == FO_GEOM_BOX && f->required);
    OK(f && f->nboxes == 1 && f->boxes[0].x == 20 && f->boxes[0].y == 50 &&
       f->boxes[0].w == 160 && f->boxes[0].h == 20);
    OK(f && f->min_confidence == FO_DEFAULT_MIN_CONFIDENCE && f->lang == NULL);
    INT_EQ(f ? f->line : 0, 11);

    f = fo_template_field(t, "code");
    OK(f && f->comb == 5 && f->check == FO_CHECK_CODE_POSTAL);
    STR_EQ(f ? f->charset : NULL, "0123456789");

    f = fo_template_field(t, "adresse");
    OK(f && f->geometry == FO_GEOM_LINES && f->nboxes == 2 && f->boxes[1].y == 140);

    f = fo_template_field(t, "date");
    OK(f && f->type == FO_FIELD_DATE && f->geometry == FO_GEOM_CELLS && f->nboxes == 2);
    STR_EQ(f ? f->date_format : NULL, "DDMMYYYY");

    f = fo_template_field(t, "montant");
    OK(f && f->type == FO_FIELD_DECIMAL && f->min_confidence == 85);

    f = fo_template_field(t, "genre");
    OK(f && f->type == FO_FIELD_CHOICE && f->noptions == 2 && f->min == 1 &&
       f->max == 1);
    STR_EQ(f && f->noptions == 2 ? f->options[0].name : NULL, "homme");
    STR_EQ(f && f->noptions == 2 ? f->options[1].name : NULL, "femme");

    f = fo_template_field(t, "ref");
    OK(f && f->pattern_code != NULL);
    STR_EQ(f ? f->lang : NULL, "eng");

    OK(fo_template_field(t, "signature")->type == FO_FIELD_SIGNATURE);
    OK(fo_template_field(t, "nothing") == NULL);
    INT_EQ(strlen(t->sha256), 64);
    fo_template_destroy(&t);
    OK(t == NULL);
    fo_template_destroy(&t);
}

static void test_digest_is_stable_and_tracks_content(void)
{
    fo_error err;
    int rc;
    fo_template *a = load("tests/data/templates/good/template.json", &rc, &err);
    fo_template *b = load("tests/data/templates/good/template.json", &rc, &err);
    fo_template *c = load("templates/cerfa_14011_03/template.json", &rc, &err);
    OK(a && b && c);
    if (a && b && c) {
        STR_EQ(a->sha256, b->sha256);
        OK(strcmp(a->sha256, c->sha256) != 0);
    }
    fo_template_destroy(&a);
    fo_template_destroy(&b);
    fo_template_destroy(&c);
}

static void test_shipped_templates(void)
{
    const char *paths[] = {"templates"};
    fo_template_set *set = NULL;
    fo_error err;
    char *dir = data_path("templates");
    paths[0] = dir;
    INT_EQ(fo_template_set_load(paths, 1, &set, &err), FO_OK);
    if (set) {
        INT_EQ(set->count, 2);
        STR_EQ(set->items[0]->name, "cerfa_12485_03");
        INT_EQ(set->items[0]->nfields, 17);
        INT_EQ(set->items[0]->dpi, 350);
        STR_EQ(set->items[1]->name, "cerfa_14011_03");
        INT_EQ(set->items[1]->nfields, 33);
        OK(fo_template_field(set->items[0], "nir_assure")->check == FO_CHECK_NIR);
    }
    fo_template_set_destroy(&set);
    OK(set == NULL);
    free(dir);
}

static void test_duplicate_template_names(void)
{
    char *good = data_path("tests/data/templates/good");
    const char *paths[] = {good, good};
    fo_template_set *set = NULL;
    fo_error err;
    INT_EQ(fo_template_set_load(paths, 2, &set, &err), FO_ERR_TEMPLATE);
    STR_CONTAINS(err.message, "template name \"test_form\" is already used by");
    OK(set == NULL);
    free(good);
}

static void test_paths(void)
{
    char **files = NULL;
    fo_error err;
    char *dir = data_path("tests/data/scans");
    INT_EQ(fo_template_paths(dir, &files, &err), FO_ERR_TEMPLATE);
    STR_CONTAINS(err.message, "no template here");
    OK(files == NULL);
    free(dir);
    dir = data_path("templates/cerfa_12485_03");
    INT_EQ(fo_template_paths(dir, &files, &err), FO_OK);
    OK(files && files[0] && files[1] == NULL);
    if (files)
        STR_CONTAINS(files[0], "cerfa_12485_03/template.json");
    fo_template_paths_free(&files);
    free(dir);
}

/* Each broken template is refused with the right code and place; the exact
 * messages are pinned by the CLI golden tests. */
static void test_broken_templates(void)
{
    static const struct {
        const char *file;
        const char *where_what;
    } cases[] = {
        {"broken-json.json", ":7:7: invalid JSON"},
        {"box-outside.json",
         ":8:15: field \"date\": box lies outside page 1 (200x283)"},
        {"reference-dotdot.json",
         ":5:19: page 1: reference \"../good/ref.png\" leaves"},
        {"reference-absolute.json", "must be a path relative"},
        {"reference-symlink.json", "leads out of the template's folder"},
        {"bad-regex.json", "pattern does not compile: missing closing parenthesis"},
        {"unknown-type.json", "unknown type \"texte\""},
        {"two-geometries.json", "found 2"},
        {"duplicate-field.json", "field \"nom\" is defined twice"},
        {"deep-nesting.json", "maximum parsing depth"},
        {"int-overflow.json", "out of range"},
        {"invalid-utf8.json", "invalid JSON"},
        {"choice-min-max.json", "\"max\" must be between 1 and 2"},
        {"cancelled-on-text.json",
         ":6:7: field \"nom\": \"cancelled_if_filled\" is for a checkbox or a choice"},
        {"hand-not-boolean.json", "template: \"hand\" must be true or false"},
        /* names the outputs use for themselves */
        {"name-sqlite-table.json", "template name \"documents_path\" is taken by the "
                                   "outputs (the SQLite table \"documents\""},
        {"name-sqlite-internal.json", "(SQLite's own sqlite_* names)"},
        {"name-none.json", "(the CSV file of the unmatched documents, none.csv)"},
        {"field-name-column.json",
         ":9:19: field name \"status\" is a column the outputs "
         "use for the document"},
        /* what a run could not afford is refused from the headers alone */
        {"reference-larger-than-a-form.json",
         ":7:20: page 1: reference \"wide.png\" (1300x20 px) is 26.0x0.4 inches at 50 "
         "dpi: larger than a form"},
        {"references-too-many-pixels.json",
         "page 6: the template's references are 285660000 pixels in all, more than "
         "250 million"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *rel = fo_asprintf("tests/data/templates/bad/%s", cases[i].file);
        fo_error err;
        int rc;
        fo_template *t = load(rel, &rc, &err);
        harness_current = cases[i].file;
        INT_EQ(rc, FO_ERR_TEMPLATE);
        OK(t == NULL);
        STR_CONTAINS(err.message, cases[i].where_what);
        free(rel);
    }
}

/* "hand" and "cancelled_if_filled": false unless said, the template's the
 * fields' default, a field's own word last. */
static void test_hand_and_cancelled_defaults(void)
{
    static const char text[] =
        "{\"format\": \"formocr-template/1\", \"name\": \"t\", \"hand\": true,"
        " \"cancelled_if_filled\": true, \"pages\": [{\"reference\": \"ref.png\","
        " \"fields\": [{\"name\": \"a\", \"type\": \"text\", \"box\": [20, 50, 100, "
        "20]},"
        " {\"name\": \"b\", \"type\": \"text\", \"box\": [20, 80, 100, 20], \"hand\": "
        "false},"
        " {\"name\": \"c\", \"type\": \"checkbox\", \"box\": [20, 110, 20, 20],"
        " \"cancelled_if_filled\": false}]}]}";
    fo_template *t = NULL, *good = NULL;
    fo_error err;
    int rc = fo_template_load_text("tests/data/templates/good/x.json", text,
                                   strlen(text), &t, &err);
    INT_EQ(rc, FO_OK);
    if (t) {
        OK(t->hand && t->cancelled_if_filled);
        OK(t->fields[0].hand && t->fields[0].cancelled_if_filled);
        OK(!t->fields[1].hand);
        OK(t->fields[2].hand && !t->fields[2].cancelled_if_filled);
    }
    good = load("tests/data/templates/good/template.json", &rc, &err);
    OK(good && !good->hand && !good->cancelled_if_filled);
    for (int i = 0; good && i < good->nfields; i++)
        OK(!good->fields[i].hand && !good->fields[i].cancelled_if_filled);
    fo_template_destroy(&t);
    fo_template_destroy(&good);
}

int main(void)
{
    RUN(test_good_template);
    RUN(test_digest_is_stable_and_tracks_content);
    RUN(test_shipped_templates);
    RUN(test_duplicate_template_names);
    RUN(test_paths);
    RUN(test_broken_templates);
    RUN(test_hand_and_cancelled_defaults);
    return harness_done();
}
