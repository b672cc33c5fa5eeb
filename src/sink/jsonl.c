/* jsonl.c - JSON Lines: one object a document, one line each (sink.h). */
#include <stdio.h>
#include <stdlib.h>

#include "sink_internal.h"

static int jsonl_open(fo_sink *s, fo_error *err)
{
    if (!s->path) {
        s->fp = stdout;
        return FO_OK;
    }
    s->fp = fo_sink_open_tmp(s->path, &s->tmp, err);
    return s->fp ? FO_OK : err ? err->code : FO_ERR_OUTPUT;
}

static int jsonl_write(fo_sink *s, const fo_document *d, fo_error *err)
{
    char *text = fo_document_to_json(d);
    int ok;
    if (!text)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    ok = fputs(text, s->fp) >= 0 && fputc('\n', s->fp) != EOF;
    free(text);
    /* a pipe reader sees each document as soon as it is done */
    if (ok && !s->path)
        ok = fflush(s->fp) == 0;
    return ok ? FO_OK : fo_sink_write_error(s->path, err);
}

static int jsonl_close(fo_sink *s, bool complete, fo_error *err)
{
    int rc = FO_OK;
    if (complete && s->path)
        rc = fo_sink_commit_tmp(s->fp, s->tmp, s->path, err);
    else if (complete && fflush(s->fp) != 0)
        rc = fo_sink_write_error(NULL, err);
    else if (!complete && s->path && s->fp)
        fo_sink_drop_tmp(s->fp, s->tmp);
    s->fp = NULL;
    free(s->tmp);
    s->tmp = NULL;
    return rc;
}

const fo_sink_class fo_sink_jsonl_class = {jsonl_open, jsonl_write, jsonl_close};
