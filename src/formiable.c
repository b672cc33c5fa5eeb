/* formiable.c - FormIAble field map -> formocr template (see formiable.h). */
#include "formocr/formiable.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formocr/image.h"
#include "strbuf.h"
#include "util.h"

enum { MAX_MAP_BYTES = 4 * 1024 * 1024, MAX_MAP_FIELDS = 2000, NAME_MAX_LEN = 63 };
static const double A4_WIDTH_INCHES = 210.0 / 25.4;
/* Scanners and renderers use round resolutions: a width within this
 * fraction of a multiple of 50 dpi is taken to be that resolution. */
static const double DPI_SNAP_TOLERANCE = 0.01;
static const char DIGITS[] = "0123456789";

typedef struct out_field {
    json_t *obj; /* the field as it will be written */
    int x, y;    /* its first box, for reading order */
    int order;   /* position in the map, to keep the sort stable */
} out_field;

typedef struct import {
    const char *map_path;
    fo_error *err;
    out_field *fields;
    int nfields;
} import;

static int map_error(import *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int map_error(import *im, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fo_error_set(im->err, FO_ERR_TEMPLATE, "%s: %s", im->map_path, msg);
}

/* FormIAble hints are a list of strings (or, leniently, one string). */
static bool has_hint(json_t *entry, const char *hint)
{
    json_t *t = json_object_get(entry, "type");
    size_t i;
    json_t *v;
    if (json_is_string(t))
        return strcmp(json_string_value(t), hint) == 0;
    json_array_foreach(t, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), hint) == 0)
            return true;
    }
    return false;
}

static bool is_box(json_t *v)
{
    if (!json_is_array(v) || json_array_size(v) != 4)
        return false;
    for (size_t i = 0; i < 4; i++)
        if (!json_is_integer(json_array_get(v, i)))
            return false;
    return true;
}

static bool is_box_list(json_t *v)
{
    size_t i;
    json_t *b;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    json_array_foreach(v, i, b)
    {
        if (!is_box(b))
            return false;
    }
    return true;
}

/* Makes a field name from a map key: lowercase, [a-z0-9_], starting with a
 * letter, unique among the fields made so far. */
static char *make_name(import *im, const char *key)
{
    char base[NAME_MAX_LEN + 1];
    size_t n = 0;
    char *name;

    for (const char *p = key; *p && n < NAME_MAX_LEN - 4; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            c = '_';
        if (c == '_' && (n == 0 || base[n - 1] == '_'))
            continue;
        if (n == 0 && c >= '0' && c <= '9') {
            base[n++] = 'f';
            base[n++] = '_';
        }
        base[n++] = c;
    }
    while (n > 0 && base[n - 1] == '_')
        n--;
    if (n == 0) {
        memcpy(base, "field", 5);
        n = 5;
    }
    base[n] = '\0';
    name = fo_strdup(base);
    for (int suffix = 2; name; suffix++) {
        bool taken = false;
        for (int i = 0; i < im->nfields; i++) {
            json_t *existing = json_object_get(im->fields[i].obj, "name");
            if (strcmp(json_string_value(existing), name) == 0)
                taken = true;
        }
        if (!taken)
            return name;
        free(name);
        name = fo_asprintf("%s_%d", base, suffix);
    }
    return NULL;
}

static int add_field(import *im, const char *key, json_t *obj, json_t *first_box)
{
    out_field *grown;
    char *name;

    if (!obj)
        return fo_error_set(im->err, FO_ERR_NOMEM, "out of memory");
    if (im->nfields >= MAX_MAP_FIELDS) {
        json_decref(obj);
        return map_error(im, "too many fields (limit %d)", MAX_MAP_FIELDS);
    }
    name = make_name(im, key);
    grown = realloc(im->fields, (size_t)(im->nfields + 1) * sizeof *im->fields);
    if (!name || !grown) {
        free(name);
        json_decref(obj);
        if (grown)
            im->fields = grown;
        return fo_error_set(im->err, FO_ERR_NOMEM, "out of memory");
    }
    im->fields = grown;
    /* "name" and "type" first: the written line reads like the design. */
    json_t *ordered =
        json_pack("{s:s, s:O}", "name", name, "type", json_object_get(obj, "type"));
    free(name);
    if (!ordered) {
        json_decref(obj);
        return fo_error_set(im->err, FO_ERR_NOMEM, "out of memory");
    }
    json_object_del(obj, "type");
    json_object_update(ordered, obj);
    json_decref(obj);
    im->fields[im->nfields].obj = ordered;
    im->fields[im->nfields].x = (int)json_integer_value(json_array_get(first_box, 0));
    im->fields[im->nfields].y = (int)json_integer_value(json_array_get(first_box, 1));
    im->fields[im->nfields].order = im->nfields;
    im->nfields++;
    return FO_OK;
}

static int free_text(import *im, const char *key, json_t *entry)
{
    json_t *pos = json_object_get(entry, "pos");
    const char *type = has_hint(entry, "nombre") ? "integer"
                       : has_hint(entry, "date") ? "date"
                                                 : "text";
    if (is_box(pos))
        return add_field(im, key, json_pack("{s:s, s:O}", "type", type, "box", pos),
                         pos);
    if (is_box_list(pos)) {
        if (json_array_size(pos) == 1)
            return add_field(
                im, key,
                json_pack("{s:s, s:O}", "type", type, "box", json_array_get(pos, 0)),
                json_array_get(pos, 0));
        /* Several lines are text whatever the hint: lines are joined. */
        return add_field(im, key, json_pack("{s:s, s:O}", "type", "text", "lines", pos),
                         json_array_get(pos, 0));
    }
    return map_error(im, "field \"%s\": \"pos\" must be a box or a list of boxes", key);
}

static int comb(import *im, const char *key, json_t *entry)
{
    json_t *pos = json_object_get(entry, "pos");
    json_t *obj;
    if (!is_box_list(pos))
        return map_error(im, "field \"%s\": \"pos\" must be a list of cells", key);
    if (has_hint(entry, "date"))
        obj = json_pack("{s:s, s:O}", "type", "date", "cells", pos);
    else if (has_hint(entry, "code_postal"))
        obj = json_pack("{s:s, s:O, s:s, s:s}", "type", "text", "cells", pos, "charset",
                        DIGITS, "check", "code_postal");
    else if (has_hint(entry, "chiffre"))
        obj = json_pack("{s:s, s:O, s:s}", "type", "text", "cells", pos, "charset",
                        DIGITS);
    else
        obj = json_pack("{s:s, s:O}", "type", "text", "cells", pos);
    return add_field(im, key, obj, json_array_get(pos, 0));
}

static int checkboxes(import *im, const char *key, json_t *entry)
{
    json_t *pos = json_object_get(entry, "pos");
    json_t *min = json_object_get(entry, "min_cochees");
    json_t *max = json_object_get(entry, "max_cochees");
    json_t *options, *obj;
    long long n, lo, hi;

    if (is_box(pos))
        return add_field(im, key,
                         json_pack("{s:s, s:O}", "type", "checkbox", "box", pos), pos);
    if (!is_box_list(pos))
        return map_error(im, "field \"%s\": \"pos\" must be a list of boxes", key);
    n = (long long)json_array_size(pos);
    if (n == 1)
        return add_field(
            im, key,
            json_pack("{s:s, s:O}", "type", "checkbox", "box", json_array_get(pos, 0)),
            json_array_get(pos, 0));
    if ((min && !json_is_integer(min)) || (max && !json_is_integer(max)))
        return map_error(im,
                         "field \"%s\": min_cochees and max_cochees must be "
                         "integers",
                         key);
    lo = min ? json_integer_value(min) : 0;
    hi = max ? json_integer_value(max) : 1;
    if (lo < 0 || hi < 1 || lo > hi || hi > n)
        return map_error(im, "field \"%s\": min_cochees/max_cochees out of range", key);
    options = json_object();
    for (long long i = 0; options && i < n; i++) {
        char oname[24];
        snprintf(oname, sizeof oname, "%lld", i + 1);
        json_object_set(options, oname, json_array_get(pos, (size_t)i));
    }
    obj = json_pack("{s:s, s:o, s:I, s:I}", "type", "choice", "options", options, "min",
                    lo, "max", hi);
    return add_field(im, key, obj, json_array_get(pos, 0));
}

static int image_zone(import *im, const char *key, json_t *entry)
{
    json_t *pos = json_object_get(entry, "pos");
    if (is_box_list(pos) && json_array_size(pos) == 1)
        pos = json_array_get(pos, 0);
    if (!is_box(pos))
        return map_error(im, "field \"%s\": \"pos\" must be one box", key);
    return add_field(im, key, json_pack("{s:s, s:O}", "type", "signature", "box", pos),
                     pos);
}

static int by_reading_order(const void *a, const void *b)
{
    const out_field *p = a, *q = b;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return p->order - q->order;
}

static int convert(import *im, json_t *map)
{
    static const struct {
        const char *section;
        int (*fn)(import *, const char *, json_t *);
    } sections[] = {{"champs_libres", free_text},
                    {"champs_avec_cases", comb},
                    {"cases_a_cocher", checkboxes},
                    {"champs_image", image_zone}};
    const char *key;
    json_t *value;

    if (!json_is_object(map))
        return map_error(im, "a FormIAble map must be a JSON object");
    json_object_foreach(map, key, value)
    {
        size_t s = 0;
        while (s < sizeof sections / sizeof *sections &&
               strcmp(sections[s].section, key) != 0)
            s++;
        if (s == sizeof sections / sizeof *sections)
            return map_error(im, "unknown section \"%.64s\"", key);
        if (!json_is_object(value))
            return map_error(im, "section \"%s\" must be an object", key);
        const char *fkey;
        json_t *entry;
        json_object_foreach(value, fkey, entry)
        {
            int rc;
            if (!json_is_object(entry))
                return map_error(im, "field \"%.64s\" must be an object", fkey);
            rc = sections[s].fn(im, fkey, entry);
            if (rc != FO_OK)
                return rc;
        }
    }
    if (im->nfields == 0)
        return map_error(im, "no field in the map");
    qsort(im->fields, (size_t)im->nfields, sizeof *im->fields, by_reading_order);
    return FO_OK;
}

/* The reference's resolution, taking its width to be that of an A4 page. */
static int dpi_from_width(int width)
{
    double dpi = width / A4_WIDTH_INCHES;
    double snapped = 50.0 * floor(dpi / 50.0 + 0.5);
    if (snapped > 0 && fabs(dpi - snapped) <= snapped * DPI_SNAP_TOLERANCE)
        return (int)snapped;
    return (int)floor(dpi + 0.5);
}

static const char *extension(const char *format)
{
    if (strcmp(format, "tiff") == 0)
        return "tif";
    if (strcmp(format, "jpeg") == 0)
        return "jpg";
    return format;
}

/* Writes the template text: one field per line, as in the design document.
 * NULL when out of memory. */
static char *render(const char *name, int dpi, const char *reference, import *im)
{
    fo_strbuf out = FO_STRBUF_INIT;
    fo_strbuf_addf(&out,
                   "{\n  \"format\": \"%s\",\n  \"name\": \"%s\",\n"
                   "  \"lang\": \"fra\",\n  \"dpi\": %d,\n  \"pages\": [\n"
                   "    {\n      \"reference\": \"%s\",\n"
                   "      \"fields\": [\n",
                   FO_TEMPLATE_FORMAT, name, dpi, reference);
    for (int i = 0; i < im->nfields; i++) {
        char *obj = json_dumps(im->fields[i].obj, JSON_PRESERVE_ORDER);
        if (!obj) {
            fo_strbuf_free(&out);
            return NULL;
        }
        fo_strbuf_addf(&out, "        %s%s\n", obj, i + 1 < im->nfields ? "," : "");
        free(obj);
    }
    fo_strbuf_add(&out, "      ]\n    }\n  ]\n}\n");
    return fo_strbuf_detach(&out);
}

int fo_formiable_import(const char *map_path, const char *reference_path,
                        const char *out_dir, bool force, fo_template **out,
                        fo_error *err)
{
import im = {map_path, err, NULL, 0 };
    fo_image *img = NULL;
    fo_page_info info;
    json_error_t jerr;
    json_t *map = NULL;
    uint8_t *text = NULL;
    size_t len;
    char *name = NULL, *tpath = NULL, *ref_name = NULL, *ref_out = NULL;
    char *rendered = NULL;
    const uint8_t *bytes;
    size_t nbytes;
    int rc;

    *out = NULL;
    name = fo_path_basename(out_dir);
    if (!name)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (!fo_is_identifier(name)) {
        rc = fo_error_set(err, FO_ERR_USAGE,
                          "%s: the folder's name \"%s\" names the "
                          "template and must match [a-z][a-z0-9_]*",
                          out_dir, name);
        goto out;
    }
    rc = fo_read_file(map_path, MAX_MAP_BYTES, &text, &len, err);
    if (rc != FO_OK) {
        fo_error_prefix(err, "%s", map_path);
        goto out;
    }
    map = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!map) {
        rc = fo_error_set(err, FO_ERR_TEMPLATE, "%s:%d:%d: invalid JSON: %s", map_path,
                          jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if ((rc = convert(&im, map)) != FO_OK)
        goto out;

    rc = fo_image_open(reference_path, NULL, &img, err);
    if (rc == FO_OK)
        rc = fo_image_page_info(img, 0, &info, err);
    if (rc != FO_OK) {
        fo_error_prefix(err, "%s", reference_path);
        goto out;
    }
    tpath = fo_path_join(out_dir, "template.json");
    ref_name = fo_asprintf("page1.%s", extension(info.format));
    ref_out = ref_name ? fo_path_join(out_dir, ref_name) : NULL;
    rendered =
        ref_name ? render(name, dpi_from_width(info.width), ref_name, &im) : NULL;
    if (!tpath || !ref_out || !rendered) {
        rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (!force && fo_is_regular_file(tpath)) {
        rc = fo_error_set(err, FO_ERR_EXISTS,
                          "%s: already exists (--force replaces it)", tpath);
        goto out;
    }
    if ((rc = fo_make_dir(out_dir, err)) != FO_OK)
        goto out;
    bytes = fo_image_bytes(img, &nbytes);
    if ((rc = fo_write_file_atomic(ref_out, bytes, nbytes, err)) != FO_OK) {
        fo_error_prefix(err, "%s", ref_out);
        goto out;
    }
    if ((rc = fo_write_file_atomic(tpath, rendered, strlen(rendered), err)) != FO_OK) {
        fo_error_prefix(err, "%s", tpath);
        goto out;
    }
    /* The map may hold boxes that do not fit the image: say so now. */
    rc = fo_template_load(tpath, out, err);
out:
    for (int i = 0; i < im.nfields; i++)
        json_decref(im.fields[i].obj);
    free(im.fields);
    json_decref(map);
    free(text);
    fo_image_destroy(&img);
    free(name);
    free(tpath);
    free(ref_name);
    free(ref_out);
    free(rendered);
    return rc;
}
