/* test_formiable.c - importing FormIAble maps of the real Cerfa forms. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formocr/formiable.h"
#include "harness.h"
#include "util.h"

/* The maps are kept in tests/data/formiable; the blank forms they describe
 * are the shipped templates' reference images (the same bytes). */
static char *formiable(const char *name)
{
    if (strstr(name, ".png")) {
        char *stem = fo_strndup(name, strlen(name) - 4);
        char *path = fo_asprintf("%s/templates/%s/page1.png", test_source_dir(), stem);
        free(stem);
        return path;
    }
    return fo_asprintf("%s/tests/data/formiable/%s", test_source_dir(), name);
}

static char tmp[] = "/tmp/formocr-formiable-XXXXXX";

static fo_template *import(const char *map, const char *png, const char *name,
                           bool force, int *rc, fo_error *err)
{
    char *m = formiable(map), *p = formiable(png);
    char *dir = fo_path_join(tmp, name);
    fo_template *t = NULL;
    *rc = fo_formiable_import(m, p, dir, force, &t, err);
    free(m);
    free(p);
    free(dir);
    return t;
}

static void test_cerfa_12485(void)
{
    fo_error err;
    int rc;
    fo_template *t = import("cerfa_12485_03.json", "cerfa_12485_03.png",
                            "cerfa_12485_03", false, &rc, &err);
    const fo_field *f;
    INT_EQ(rc, FO_OK);
    if (!t)
        return;
    STR_EQ(t->name, "cerfa_12485_03");
    INT_EQ(t->dpi, 350); /* 2898 px across an A4 page */
    INT_EQ(t->nfields, 17);
    /* reading order: the first field is the top one */
    STR_EQ(t->fields[0].name, "nom_assure");
    f = fo_template_field(t, "adresse_assure");
    OK(f && f->geometry == FO_GEOM_LINES && f->nboxes == 3);
    f = fo_template_field(t, "n_securite_sociale_assure");
    OK(f && f->geometry == FO_GEOM_CELLS && f->nboxes == 15);
    STR_EQ(f ? f->charset : NULL, "0123456789");
    f = fo_template_field(t, "date_de_naissance_beneficiaire");
    OK(f && f->type == FO_FIELD_DATE && f->nboxes == 8);
    f = fo_template_field(t, "medecin_signature");
    OK(f && f->type == FO_FIELD_SIGNATURE);
    f = fo_template_field(t, "references_cabinet");
    OK(f && f->type == FO_FIELD_TEXT && f->geometry == FO_GEOM_BOX);
    fo_template_destroy(&t);

    /* a second import into the same folder needs --force */
    t = import("cerfa_12485_03.json", "cerfa_12485_03.png", "cerfa_12485_03", false,
               &rc, &err);
    INT_EQ(rc, FO_ERR_EXISTS);
    STR_CONTAINS(err.message, "already exists");
    OK(t == NULL);
    t = import("cerfa_12485_03.json", "cerfa_12485_03.png", "cerfa_12485_03", true, &rc,
               &err);
    INT_EQ(rc, FO_OK);
    fo_template_destroy(&t);
}

static void test_cerfa_14011(void)
{
    fo_error err;
    int rc;
    fo_template *t = import("cerfa_14011_03_id.json", "cerfa_14011_03.png",
                            "cerfa_14011_03", false, &rc, &err);
    const fo_field *f;
    INT_EQ(rc, FO_OK);
    if (!t)
        return;
    INT_EQ(t->dpi, 300);
    INT_EQ(t->nfields, 28);
    f = fo_template_field(t, "type_document"); /* one box: a checkbox */
    OK(f && f->type == FO_FIELD_CHECKBOX);
    f = fo_template_field(t, "genre"); /* two boxes: a choice */
    OK(f && f->type == FO_FIELD_CHOICE && f->noptions == 2 && f->min == 1 &&
       f->max == 1);
    STR_EQ(f && f->noptions == 2 ? f->options[1].name : NULL, "2");
    f = fo_template_field(t, "naissance_code_postal");
    OK(f && f->check == FO_CHECK_CODE_POSTAL && f->nboxes == 5);
    f = fo_template_field(t, "adresse_numero");
    OK(f && f->type == FO_FIELD_INTEGER);
    f = fo_template_field(t, "disparition_circonstances");
    OK(f && f->geometry == FO_GEOM_LINES && f->nboxes == 2);
    fo_template_destroy(&t);
}

static void test_refusals(void)
{
    fo_error err;
    int rc;
    fo_template *t = import("cerfa_12485_03.json", "cerfa_12485_03.png", "Bad-Name",
                            false, &rc, &err);
    INT_EQ(rc, FO_ERR_USAGE);
    STR_CONTAINS(err.message, "must match [a-z][a-z0-9_]*");
    /* a map is not an image */
    t = import("cerfa_12485_03.json", "cerfa_12485_03.json", "x", false, &rc, &err);
    INT_EQ(rc, FO_ERR_FORMAT);
    STR_CONTAINS(err.message, "not an image");
    /* an image is not a map */
    t = import("cerfa_12485_03.png", "cerfa_12485_03.png", "y", false, &rc, &err);
    INT_EQ(rc, FO_ERR_TEMPLATE);
    STR_CONTAINS(err.message, "invalid JSON");
    OK(t == NULL);
}

int main(void)
{
    int status;
    OK(mkdtemp(tmp) != NULL);
    RUN(test_cerfa_12485);
    RUN(test_cerfa_14011);
    RUN(test_refusals);
    status = harness_done();
    if (status == 0) {
        char *cmd = fo_asprintf("rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp);
        free(cmd);
    }
    return status;
}
