/* sink.c - result sinks: JSON Lines (see sink.h). */
#include "formocr/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct fo_sink {
    char *path;      /* target, NULL for standard output */
    char *tmp;       /* where it is written until closed */
    FILE *fp;
};

/* A confidence or a score means nothing beyond four decimals. */
static json_t *rounded(double v)
{
    return json_real(round(v * 10000.0) / 10000.0);
}

char *fo_document_to_json(const fo_document *d)
{
    json_t *fields = json_object(), *doc;
    char *text;

    if (!fields)
        return NULL;
    for (int i = 0; i < d->nfields; i++) {
        const fo_field_result *r = &d->fields[i];
        json_t *f = json_pack("{s:s, s:s, s:o, s:s, s:s?}", "value", r->value, "raw",
                              r->raw, "confidence", rounded(r->confidence), "status",
                              fo_field_status_name(r->status), "reason", r->reason);
        if (!f || json_object_set_new(fields, r->field->name, f) != 0) {
            json_decref(fields);
            return NULL;
        }
    }
    doc = json_pack("{s:s, s:s?, s:s?, s:s, s:o, s:i, s:o, s:s?}", "file", d->path,
                    "sha256", d->sha256[0] ? d->sha256 : NULL, "template",
                    d->tpl ? d->tpl->name : NULL, "status", fo_doc_status_name(d->status),
                    "score", rounded(d->score), "pages", d->pages, "fields", fields,
                    "error", d->error);
    if (!doc)
        return NULL;
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    return text;
}

int fo_sink_open_jsonl(const char *path, fo_sink **out, fo_error *err)
{
    fo_sink *s = calloc(1, sizeof *s);
    char ebuf[128];
    int fd;

    *out = NULL;
    if (!s)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    if (strcmp(path, "-") == 0) {
        s->fp = stdout;
        *out = s;
        return FO_OK;
    }
    s->path = fo_strdup(path);
    s->tmp = fo_asprintf("%s.tmp.%ld", path, (long)getpid());
    if (!s->path || !s->tmp) {
        fo_sink_abort(&s);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    if (fo_is_dir(path)) {
        fo_sink_abort(&s);
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: is a folder, not a file", path);
    }
    fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    s->fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!s->fp) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        fo_sink_abort(&s);
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", path,
                            fo_syserr(e, ebuf, sizeof ebuf));
    }
    *out = s;
    return FO_OK;
}

int fo_sink_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    char ebuf[128];
    char *text = fo_document_to_json(d);
    int ok;
    if (!text)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    ok = fputs(text, s->fp) >= 0 && fputc('\n', s->fp) != EOF;
    free(text);
    /* a pipe reader sees each document as soon as it is done */
    if (ok && !s->path)
        ok = fflush(s->fp) == 0;
    if (!ok)
        return fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)",
                            s->path ? s->path : "standard output",
                            fo_syserr(errno, ebuf, sizeof ebuf));
    return FO_OK;
}

int fo_sink_close(fo_sink **sp, fo_error *err)
{
    fo_sink *s = *sp;
    char ebuf[128];
    int rc = FO_OK;

    if (!s)
        return FO_OK;
    if (!s->path) {
        if (fflush(s->fp) != 0)
            rc = fo_error_set(err, FO_ERR_OUTPUT, "standard output: cannot write (%s)",
                              fo_syserr(errno, ebuf, sizeof ebuf));
        free(s);
        *sp = NULL;
        return rc;
    }
    if (fflush(s->fp) != 0 || fsync(fileno(s->fp)) != 0) {
        rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", s->path,
                          fo_syserr(errno, ebuf, sizeof ebuf));
        fo_sink_abort(sp);
        return rc;
    }
    if (fclose(s->fp) != 0) {
        s->fp = NULL;
        rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot write (%s)", s->path,
                          fo_syserr(errno, ebuf, sizeof ebuf));
        fo_sink_abort(sp);
        return rc;
    }
    s->fp = NULL;
    if (rename(s->tmp, s->path) != 0) {
        rc = fo_error_set(err, FO_ERR_OUTPUT, "%s: cannot rename into place (%s)",
                          s->path, fo_syserr(errno, ebuf, sizeof ebuf));
        fo_sink_abort(sp);
        return rc;
    }
    free(s->path);
    free(s->tmp);
    free(s);
    *sp = NULL;
    return FO_OK;
}

void fo_sink_abort(fo_sink **sp)
{
    fo_sink *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->path) {
        if (s->fp)
            fclose(s->fp);
        if (s->tmp)
            unlink(s->tmp);
    }
    free(s->path);
    free(s->tmp);
    free(s);
    *sp = NULL;
}
