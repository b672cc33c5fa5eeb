/* batch.c - worker threads and one writer (see batch.h). */
#include "formocr/batch.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formocr/read.h"
#include "util.h"

/* Documents waiting for the writer, per worker: enough to keep workers
 * busy while the writer commits, few enough that memory stays flat. */
enum { QUEUE_PER_WORKER = 2 };
static const double PROGRESS_SECONDS = 0.5;

typedef struct batch {
    const fo_pipeline *p;
    const fo_inputs *in;
    const fo_batch_options *o;
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    int next;            /* next input to take */
    fo_document **queue; /* ring of finished files (their first document) */
    int *queue_index;    /* the input each came from */
    int cap, head, count;
    int running; /* workers not yet finished */
    int fatal;   /* an fo_err that stops the run */
    int dropped; /* documents made but not written: the run failed */
    fo_error fatal_err;
} batch;

static int by_hash(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const fo_known *)elem)->sha256);
}

/* The pipeline's skip test: a file already in the output is not redone. */
static bool already_done(void *ctx, const char *sha256)
{
    const fo_batch_options *o = ctx;
    const fo_known *k;
    if (o->force || o->nknown == 0)
        return false;
    k = bsearch(sha256, o->known, (size_t)o->nknown, sizeof *o->known, by_hash);
    return k && !(o->retry_errors && k->status == FO_DOC_ERROR);
}

static bool stopping(const batch *b)
{
    return b->fatal || (b->o->stop && *b->o->stop);
}

static void *worker(void *arg)
{
    batch *b = arg;
    fo_reader *reader = NULL;
    fo_error err;

    if (fo_reader_create(b->o->tessdata, &reader, &err) != FO_OK) {
        pthread_mutex_lock(&b->lock);
        if (!b->fatal) {
            b->fatal = err.code;
            b->fatal_err = err;
        }
        pthread_mutex_unlock(&b->lock);
    }
    for (;;) {
        fo_document *d;
        int idx, rc;
        pthread_mutex_lock(&b->lock);
        if (!reader || stopping(b) || b->next >= b->in->count) {
            pthread_mutex_unlock(&b->lock);
            break;
        }
        idx = b->next++;
        pthread_mutex_unlock(&b->lock);

        d = calloc(1, sizeof *d);
        rc = d ? fo_pipeline_process(b->p, reader, b->in->paths[idx], already_done,
                                     (void *)b->o, d, &err)
               : fo_error_set(&err, FO_ERR_NOMEM, "out of memory");
        pthread_mutex_lock(&b->lock);
        if (rc != FO_OK) {
            if (!b->fatal) {
                b->fatal = rc;
                b->fatal_err = err;
            }
            b->dropped++;
            pthread_mutex_unlock(&b->lock);
            fo_document_free(d);
            free(d);
            break;
        }
        while (b->count == b->cap && !b->fatal)
            pthread_cond_wait(&b->not_full, &b->lock);
        if (b->fatal) {
            b->dropped++;
            pthread_mutex_unlock(&b->lock);
            fo_document_free(d);
            free(d);
            break;
        }
        b->queue_index[(b->head + b->count) % b->cap] = idx;
        b->queue[(b->head + b->count++) % b->cap] = d;
        pthread_cond_signal(&b->not_empty);
        pthread_mutex_unlock(&b->lock);
    }
    fo_reader_destroy(&reader);
    pthread_mutex_lock(&b->lock);
    b->running--;
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* Takes a finished document, or NULL when every worker is done; waits at
 * most until deadline (then returns NULL with *timed_out). */
static fo_document *take(batch *b, double deadline, bool *timed_out, int *idx)
{
    fo_document *d = NULL;
    struct timespec ts;
    double whole;

    *timed_out = false;
    ts.tv_nsec = (long)(modf(deadline, &whole) * 1e9);
    ts.tv_sec = (time_t)whole;
    pthread_mutex_lock(&b->lock);
    while (b->count == 0 && b->running > 0) {
        if (pthread_cond_timedwait(&b->not_empty, &b->lock, &ts) == ETIMEDOUT) {
            *timed_out = b->count == 0;
            break;
        }
    }
    if (b->count > 0) {
        d = b->queue[b->head];
        *idx = b->queue_index[b->head];
        b->head = (b->head + 1) % b->cap;
        b->count--;
        pthread_cond_signal(&b->not_full);
    }
    pthread_mutex_unlock(&b->lock);
    return d;
}

/* A finished file: counted, with its stages' time. */
static void account_file(fo_batch_stats *s, const fo_document *d)
{
    for (const fo_document *e = d; e; e = e->next)
        for (int i = 0; i < FO_STAGE_COUNT; i++)
            s->seconds[i] += e->seconds[i];
    s->files++;
    if (d->skipped)
        s->skipped++;
    else if (d->deferred)
        s->deferred++;
}

/* The documents written. */
static void account_documents(fo_batch_stats *s, const fo_document *d)
{
    if (d->skipped || d->deferred)
        return;
    for (; d; d = d->next) {
        s->documents++;
        s->pages += d->pages;
        s->by_status[d->status]++;
    }
}

/* The writer's side: files delivered in the order they finish, or with
 * join_files in input order, a file that continues the form of the one
 * before it joined to it (fo_pipeline_join). */
typedef struct writer {
    batch *b;
    fo_batch_stats *stats;
    fo_batch_write write;
    void *ctx;
    bool failed;
    fo_document *pending; /* join_files: a file whose last form may go on */
    fo_document **held;   /* join_files: finished files by input, not yet due */
    int due;              /* join_files: the next input to deliver */
} writer;

static void drop(fo_document *d)
{
    fo_document_free(d);
    free(d);
}

/* Writes a file's documents (unless the writer failed before). */
static void emit(writer *w, fo_document *d)
{
    if (w->failed) {
        /* the writer failed: nothing more is written, and what was made is
         * left for the next run */
        pthread_mutex_lock(&w->b->lock);
        w->b->dropped++;
        pthread_mutex_unlock(&w->b->lock);
    } else {
        double t = fo_now();
        /* counted as written: the writer may have applied people's
         * decisions */
        w->failed = !d->skipped && w->write(w->ctx, d) != 0;
        account_documents(w->stats, d);
        w->stats->seconds[FO_STAGE_OUTPUT] += fo_now() - t;
        if (w->failed) {
            pthread_mutex_lock(&w->b->lock);
            if (!w->b->fatal) {
                w->b->fatal = FO_ERR_OUTPUT;
                fo_error_set(&w->b->fatal_err, FO_ERR_OUTPUT, "an output failed");
            }
            pthread_cond_broadcast(&w->b->not_full);
            pthread_mutex_unlock(&w->b->lock);
        }
    }
    drop(d);
}

static fo_document *last_of(fo_document *d)
{
    while (d->next)
        d = d->next;
    return d;
}

/* A file in delivery order. */
static void deliver(writer *w, fo_document *d)
{
    if (d->interrupted) {
        /* stopped while read: left, with the files not started */
        pthread_mutex_lock(&w->b->lock);
        w->b->dropped++;
        pthread_mutex_unlock(&w->b->lock);
        drop(d);
        return;
    }
    account_file(w->stats, d);
    if (!w->b->o->join_files) {
        emit(w, d);
        return;
    }
    if (w->pending && fo_pipeline_join(last_of(w->pending), d)) {
        drop(d); /* its page and fields are the pending file's now */
        return;
    }
    if (w->pending)
        emit(w, w->pending);
    w->pending = NULL;
    if (!d->skipped && !d->deferred && last_of(d)->tpl &&
        last_of(d)->status != FO_DOC_ERROR)
        w->pending = d;
    else
        emit(w, d);
}

/* A finished file of input idx. */
static void arrive(writer *w, fo_document *d, int idx)
{
    if (!w->b->o->join_files) {
        deliver(w, d);
        return;
    }
    w->held[idx] = d;
    while (w->due < w->b->in->count && w->held[w->due]) {
        fo_document *next = w->held[w->due];
        w->held[w->due++] = NULL;
        deliver(w, next);
    }
}

/* The end: what is held (inputs before it were never done) and pending. */
static void finish(writer *w)
{
    for (int i = 0; w->held && i < w->b->in->count; i++)
        if (w->held[i]) {
            fo_document *d = w->held[i];
            w->held[i] = NULL;
            deliver(w, d);
        }
    if (w->pending)
        emit(w, w->pending);
    w->pending = NULL;
}

int fo_batch_run(const fo_pipeline *p, const fo_inputs *in, const fo_batch_options *o,
                 fo_batch_write write, fo_batch_progress progress, void *ctx,
                 fo_batch_stats *stats, fo_error *err)
{
    batch b = {0};
    pthread_t *threads;
    int jobs = o->jobs < 1 ? 1 : o->jobs, started = 0;
    writer w = {.b = &b, .stats = stats, .write = write, .ctx = ctx};
    double start = fo_now(), next_report = start + PROGRESS_SECONDS;

    memset(stats, 0, sizeof *stats);
    b.p = p;
    b.in = in;
    b.o = o;
    b.cap = QUEUE_PER_WORKER * jobs;
    b.queue = calloc((size_t)b.cap, sizeof *b.queue);
    b.queue_index = calloc((size_t)b.cap, sizeof *b.queue_index);
    threads = calloc((size_t)jobs, sizeof *threads);
    if (o->join_files)
        w.held = calloc((size_t)(in->count > 0 ? in->count : 1), sizeof *w.held);
    if (!b.queue || !b.queue_index || !threads || (o->join_files && !w.held)) {
        free(b.queue);
        free(b.queue_index);
        free(threads);
        free(w.held);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&b.lock, NULL);
    {
        /* the writer's waits have deadlines on the monotonic clock (the
         * default, the wall clock, would make them expire at once) */
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&b.not_empty, &attr);
        pthread_condattr_destroy(&attr);
    }
    pthread_cond_init(&b.not_full, NULL);
    b.running = jobs;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &b) != 0)
            break;
    if (started < jobs) {
        pthread_mutex_lock(&b.lock);
        b.running -= jobs - started;
        if (started == 0) {
            b.fatal = FO_ERR_NOMEM;
            fo_error_set(&b.fatal_err, FO_ERR_NOMEM, "cannot start worker threads");
        }
        pthread_mutex_unlock(&b.lock);
    }
    for (;;) {
        bool timed_out;
        int idx = 0;
        fo_document *d = take(&b, next_report, &timed_out, &idx);
        if (d)
            arrive(&w, d, idx);
        else if (!timed_out)
            break; /* every worker is done and the queue is empty */
        if (progress && fo_now() >= next_report) {
            progress(ctx, stats, in->count, fo_now() - start, false);
            next_report = fo_now() + PROGRESS_SECONDS;
        }
    }
    finish(&w);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    stats->not_started = in->count - b.next + b.dropped;
    if (progress)
        progress(ctx, stats, in->count, fo_now() - start, true);
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.not_empty);
    pthread_cond_destroy(&b.not_full);
    free(b.queue);
    free(b.queue_index);
    free(w.held);
    free(threads);
    if (b.fatal) {
        if (err)
            *err = b.fatal_err;
        return b.fatal;
    }
    return FO_OK;
}
