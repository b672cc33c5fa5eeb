/* run.c - a run: set-up, batch, outputs, quarantine (see run.h). */
#include "formocr/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formocr/pipeline.h"
#include "formocr/read.h"
#include "quarantine.h"
#include "strbuf.h"
#include "util.h"

enum { MAX_OUTPUTS = 64 };

typedef struct run {
    const fo_run_options *o;
    const fo_run_events *ev;
    fo_sink *sinks[MAX_OUTPUTS];
    int nsinks;
    fo_run_summary *summary;
    fo_error write_err; /* why an output could not take a document */
} run;

void fo_run_options_default(fo_run_options *o)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    fo_sink_options_default(&o->sink);
    fo_image_limits_default(&o->limits);
    o->jobs = cores < 1 ? 1 : (int)cores;
    o->document_timeout = FO_DEFAULT_DOCUMENT_TIMEOUT;
    o->min_age = FO_DEFAULT_MIN_AGE;
}

static void notice(const run *r, const char *path, const char *message)
{
    if (r->ev && r->ev->notice)
        r->ev->notice(r->ev->ctx, path, message);
}

static void input_problem(void *ctx, const char *path, const char *message)
{
    notice(ctx, path, message);
}

/* The batch's writer: every output, then the quarantine. */
static int write_document(void *ctx, fo_document *d)
{
    run *r = ctx;
    bool all_failed = true;
    if (d->deferred) {
        /* changed while it was read: nothing is written, nothing moved */
        notice(r, d->path, d->error);
        r->summary->deferred++;
        return 0;
    }
    for (const fo_document *e = d; e; e = e->next) {
        all_failed = all_failed && e->status == FO_DOC_ERROR;
        if (e->status == FO_DOC_ERROR)
            notice(r, e->path, e->error);
    }
    /* what people decided on these documents before (formocr review) holds:
     * every output shows it, the database keeps the new reading beside it */
    for (int i = 0; i < r->nsinks; i++)
        if (fo_sink_apply_corrections(r->sinks[i], d, &r->write_err) != FO_OK)
            return -1;
    /* the file's documents, together */
    for (int i = 0; i < r->nsinks; i++)
        if (fo_sink_write(r->sinks[i], d, &r->write_err) != FO_OK)
            return -1; /* the run's error: said once, by the caller */
    /* a file is moved aside only when nothing in it could be read */
    if (r->o->quarantine && all_failed) {
        fo_error qerr;
        /* the size it had when read: a file that grew since (an upload) is
         * not moved */
        uint64_t bytes = d->sha256[0] ? d->bytes : FO_QUARANTINE_ANY_SIZE;
        if (fo_quarantine(d->path, bytes, r->o->quarantine, &qerr) != FO_OK) {
            char *message =
                fo_asprintf("cannot move it to %s: %s", r->o->quarantine, qerr.message);
            notice(r, d->path, message ? message : "cannot move it to quarantine");
            free(message);
            r->summary->quarantine_failures++;
        }
    }
    return 0;
}

/* A document a killed run committed to a database, for this run's files. */
static int replay_document(void *ctx, const fo_document *d)
{
    run *r = ctx;
    for (int i = 0; i < r->nsinks; i++)
        if (fo_sink_get_format(r->sinks[i]) != FO_SINK_SQLITE &&
            fo_sink_write(r->sinks[i], d, &r->write_err) != FO_OK)
            return -1;
    return 0;
}

/* What killed runs committed to the databases but never delivered to their
 * CSV or JSON Lines files goes into this run's files. */
static int replay_owed(run *r, const fo_template_set *templates, fo_error *err)
{
    bool files = false;
    for (int i = 0; i < r->nsinks; i++)
        files = files || fo_sink_get_format(r->sinks[i]) != FO_SINK_SQLITE;
    for (int i = 0; files && i < r->nsinks; i++) {
        int replayed = 0, left = 0, rc;
        if (fo_sink_get_format(r->sinks[i]) != FO_SINK_SQLITE)
            continue;
        rc = fo_sink_replay_owed(r->sinks[i], templates, replay_document, r, &replayed,
                                 &left, err);
        if (rc == FO_ERR_OUTPUT && r->write_err.message[0])
            *err = r->write_err; /* a file could not take a document */
        if (rc != FO_OK)
            return err->code = FO_ERR_OUTPUT;
        r->summary->replayed += replayed;
        if (replayed > 0 || left > 0) {
            char *msg = fo_asprintf(
                "%d documents committed by an interrupted run go into this run's "
                "files%s",
                replayed,
                left > 0 ? " (some of a template not loaded stay in the database only)"
                         : "");
            notice(r, NULL, msg ? msg : "documents of an interrupted run replayed");
            free(msg);
        }
    }
    return FO_OK;
}

static void progress(void *ctx, const fo_batch_stats *s, int total, double seconds,
                     bool last)
{
    run *r = ctx;
    if (r->ev && r->ev->progress)
        r->ev->progress(r->ev->ctx, s, total, seconds, last);
}

/* Adds to b the languages of lang ("fra+eng") that it does not hold yet. */
static void add_languages(fo_strbuf *b, const char *lang)
{
    while (lang && *lang) {
        size_t n = strcspn(lang, "+");
        bool held = false;
        /* b is "fra, eng": a language is a whole item of it */
        for (const char *p = fo_strbuf_str(b); n > 0 && *p && !held;) {
            size_t m = strcspn(p, ",");
            held = m == n && strncmp(p, lang, n) == 0;
            p += m;
            p += strspn(p, ", ");
        }
        if (n > 0 && !held) {
            if (b->len)
                fo_strbuf_add(b, ", ");
            fo_strbuf_addn(b, lang, n);
        }
        lang += n;
        lang += *lang == '+';
    }
}

/* The Tesseract languages the templates read with, templates' and fields'
 * own, in the order first met: "fra, eng" (the caller frees it; NULL when
 * out of memory). */
static char *template_languages(const fo_template_set *set)
{
    fo_strbuf b = FO_STRBUF_INIT;
    for (int i = 0; i < set->count; i++) {
        const fo_template *t = set->items[i];
        add_languages(&b, t->lang);
        for (int k = 0; k < t->nfields; k++)
            add_languages(&b, t->fields[k].lang);
    }
    return fo_strbuf_detach(&b);
}

/* The outputs, each opened and locked; an error opening one is the
 * output's (FO_ERR_OUTPUT), unless the outputs cannot go together
 * (FO_ERR_USAGE) or another run holds it (FO_ERR_LOCKED). */
static int open_outputs(run *r, const fo_template_set *templates, fo_error *err)
{
    fo_sink_options so = r->o->sink;
    char shard[64] = "", engine[64];
    char *languages = NULL;
    int rc = FO_OK;

    if (r->o->noutputs > MAX_OUTPUTS)
        return fo_error_set(err, FO_ERR_USAGE, "too many outputs (%d at most)",
                            MAX_OUTPUTS);
    so.templates = templates;
    /* what read the values, recorded with the run (SQLite runs) */
    if (!so.engine) {
        snprintf(engine, sizeof engine, "tesseract %s", fo_ocr_version());
        so.engine = engine;
    }
    if (!so.languages) {
        if (!(languages = template_languages(templates)))
            return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
        so.languages = languages;
    }
    for (int i = 0; i < r->o->noutputs; i++) {
        fo_sink_format fmt;
        if (fo_sink_format_of(r->o->outputs[i], &so, &fmt, NULL) == FO_OK &&
            fmt != FO_SINK_SQLITE)
            so.file_outputs = true;
    }
    if (r->o->shard.n > 0) {
        snprintf(shard, sizeof shard, "%d/%d", r->o->shard.k, r->o->shard.n);
        so.shard = shard;
    }
    /* the files first, SQLite last: an output refused (a wide CSV of
     * several templates) leaves no run recorded, unfinished, in a database */
    for (int k = 0; k < 2 * r->o->noutputs; k++) {
        const char *path = r->o->outputs[k % r->o->noutputs];
        fo_sink_format fmt;
        bool sqlite =
            fo_sink_format_of(path, &so, &fmt, NULL) == FO_OK && fmt == FO_SINK_SQLITE;
        if (sqlite != (k >= r->o->noutputs))
            continue;
        rc = fo_sink_open(path, &so, &r->sinks[r->nsinks], err);
        if (rc != FO_OK) {
            if (rc != FO_ERR_USAGE && rc != FO_ERR_LOCKED)
                rc = err->code = FO_ERR_OUTPUT;
            break;
        }
        r->nsinks++;
    }
    /* an output records the run as it opens: the text is no longer needed */
    free(languages);
    return rc;
}

/* Completes every output; the last failure is err's, those before it are
 * told.  The files come first: when one fails, the databases are left as
 * if the run had been killed, so that the next run's files carry what this
 * one's could not. */
static int close_outputs(run *r, fo_error *err)
{
    int rc = FO_OK;
    for (int i = 0; i < r->nsinks; i++) {
        fo_error e;
        if (rc != FO_OK && fo_sink_get_format(r->sinks[i]) == FO_SINK_SQLITE) {
            fo_sink_abort(&r->sinks[i]);
            continue;
        }
        if (fo_sink_close(&r->sinks[i], &e) == FO_OK)
            continue;
        if (rc != FO_OK)
            notice(r, NULL, err->message);
        *err = e;
        rc = err->code = FO_ERR_OUTPUT;
    }
    return rc;
}

int fo_run(const fo_run_options *o, const fo_run_events *events, fo_run_summary *out,
           fo_error *err)
{
    char *default_path = NULL;
    const char *default_templates[1];
    fo_pipeline_options po;
    fo_pipeline *pipeline = NULL;
    fo_batch_options bo = {0};
    fo_known *known = NULL;
    fo_inputs in = {0};
    fo_source_options source;
    fo_error local;
    run r = {.o = o, .ev = events, .summary = out};
    double start = fo_now(), batch_start;
    int rc;

    memset(out, 0, sizeof *out);
    if (!err)
        err = &local;
    if ((o->debug_dir && (rc = fo_make_dir(o->debug_dir, err)) != FO_OK) ||
        (o->quarantine && (rc = fo_make_dir(o->quarantine, err)) != FO_OK))
        goto out;

    fo_pipeline_options_default(&po);
    po.templates = o->templates;
    po.ntemplates = o->ntemplates;
    if (po.ntemplates == 0) {
        if (!(default_path = fo_template_default_path())) {
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory");
            goto out;
        }
        default_templates[0] = default_path;
        po.templates = default_templates;
        po.ntemplates = 1;
    }
    po.limits = o->limits;
    po.debug_dir = o->debug_dir;
    po.document_timeout = o->document_timeout;
    po.stop = o->stop;
    po.cache_dir = o->cache_dir;
    po.no_cache = o->no_cache;
    if ((rc = fo_pipeline_create(&po, &pipeline, err)) != FO_OK)
        goto out;
    if (fo_pipeline_warning(pipeline)[0])
        notice(&r, NULL, fo_pipeline_warning(pipeline));
    for (int i = 0; i < fo_pipeline_templates(pipeline)->count; i++)
        out->template_pages += fo_pipeline_templates(pipeline)->items[i]->npages;
    out->models_built = fo_pipeline_models_built(pipeline);
    if ((rc = open_outputs(&r, fo_pipeline_templates(pipeline), err)) != FO_OK)
        goto out;
    /* what an output already holds is not done again */
    for (int i = 0; i < r.nsinks && !known; i++)
        if ((rc = fo_sink_known(r.sinks[i], &known, &bo.nknown, err)) != FO_OK) {
            rc = err->code = FO_ERR_OUTPUT;
            goto out;
        }
    if ((rc = replay_owed(&r, fo_pipeline_templates(pipeline), err)) != FO_OK)
        goto out;
    source = o->source;
    if (events && events->skipped) {
        source.skipped = events->skipped;
        source.skipped_ctx = events->ctx;
    }
    if ((rc = fo_source_list(o->inputs, o->ninputs, &source, input_problem, &r, &in,
                             err)) != FO_OK)
        goto out;
    out->skipped_entries = in.skipped;
    for (int i = 0; i < r.nsinks; i++)
        fo_sink_note_skipped(r.sinks[i], in.skipped);
    fo_inputs_keep_shard(&in, o->shard);
    fo_inputs_defer_recent(&in, o->min_age, input_problem, &r);
    out->inputs = in.count;
    out->input_problems = in.problems;
    out->deferred = in.deferred;

    bo.jobs = o->jobs;
    bo.tessdata = o->tessdata;
    bo.known = known;
    bo.force = o->force;
    bo.retry_errors = o->retry_errors;
    bo.join_files = o->join_files;
    bo.stop = o->stop;
    batch_start = fo_now();
    out->setup_seconds = batch_start - start;
    rc = fo_batch_run(pipeline, &in, &bo, write_document, progress, &r, &out->stats,
                      err);
    if (rc == FO_ERR_OUTPUT && r.write_err.code != FO_OK) {
        /* what the output said, rather than the batch's "an output failed" */
        *err = r.write_err;
        err->code = FO_ERR_OUTPUT;
    }
    if (rc == FO_OK && out->stats.not_started > 0)
        for (int i = 0; i < r.nsinks; i++)
            fo_sink_mark_interrupted(r.sinks[i]);
    if (rc == FO_OK)
        rc = close_outputs(&r, err);
    out->seconds = fo_now() - batch_start;
out:
    free(default_path);
    fo_inputs_free(&in);
    free(known);
    for (int i = 0; i < r.nsinks; i++)
        fo_sink_abort(&r.sinks[i]);
    fo_pipeline_destroy(&pipeline);
    return rc;
}
