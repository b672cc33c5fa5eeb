/* test_batch.c - many documents on worker threads, one writer: every input
 * written once, the known ones skipped, a failing writer or a stop ending
 * the run. */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formocr/batch.h"
#include "harness.h"
#include "util.h"

enum { MAX_SEEN = 64 };

static fo_pipeline *pipeline;
static char tmp[] = "/tmp/formocr-batch-XXXXXX";

/* What the write and progress callbacks saw. */
typedef struct probe {
    int writes;
    int fail_at;                 /* the write (1-based) that fails; 0: none */
    volatile sig_atomic_t *stop; /* set at the first write when not NULL */
    char *paths[MAX_SEEN];
    fo_doc_status status[MAX_SEEN];
    int pages[MAX_SEEN];
    char sha256[MAX_SEEN][65];
    bool skipped_written; /* a skipped document reached the writer */
    int progress_calls, last_calls, calls_after_last, bad_total;
    int total; /* expected in every progress call */
    int last_documents, last_skipped, writes_at_last;
} probe;

static int on_write(void *ctx, fo_document *d)
{
    probe *p = ctx;
    int i = p->writes++;
    if (i < MAX_SEEN) {
        p->paths[i] = fo_strdup(d->path);
        p->status[i] = d->status;
        p->pages[i] = d->pages;
        snprintf(p->sha256[i], sizeof p->sha256[i], "%s", d->sha256);
    }
    if (d->skipped)
        p->skipped_written = true;
    if (p->stop)
        *p->stop = 1;
    if (p->fail_at && p->writes == p->fail_at) {
        usleep(200 * 1000); /* let the workers fill the queue meanwhile */
        return -1;
    }
    return 0;
}

static void on_progress(void *ctx, const fo_batch_stats *s, int total, double seconds,
                        bool last)
{
    probe *p = ctx;
    p->progress_calls++;
    if (p->last_calls > 0)
        p->calls_after_last++;
    if (total != p->total || seconds < 0)
        p->bad_total++;
    if (last) {
        p->last_calls++;
        p->last_documents = s->documents;
        p->last_skipped = s->skipped;
        p->writes_at_last = p->writes;
    }
}

static void probe_free(probe *p)
{
    for (int i = 0; i < p->writes && i < MAX_SEEN; i++)
        free(p->paths[i]);
}

/* How many times path was written. */
static int times_written(const probe *p, const char *path)
{
    int n = 0;
    for (int i = 0; i < p->writes && i < MAX_SEEN; i++)
        n += strcmp(p->paths[i], path) == 0;
    return n;
}

static int written_index(const probe *p, const char *path)
{
    for (int i = 0; i < p->writes && i < MAX_SEEN; i++)
        if (strcmp(p->paths[i], path) == 0)
            return i;
    return -1;
}

static char *src_path(const char *rel)
{
    return fo_asprintf("%s/%s", test_source_dir(), rel);
}

/* A file of text in tmp (not an image); its path (malloc'd). */
static char *text_file(const char *name, const char *text)
{
    char *path = fo_path_join(tmp, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static void file_sha256(const char *path, char hex[65])
{
    uint8_t *data = NULL, sum[FO_SHA256_LEN];
    size_t size;
    fo_error err;
    hex[0] = '\0';
    if (fo_read_file(path, (size_t)1 << 30, &data, &size, &err) != FO_OK)
        return;
    fo_sha256(data, size, sum);
    fo_hex(sum, FO_SHA256_LEN, hex);
    free(data);
}

static int by_hash(const void *a, const void *b)
{
    return strcmp(((const fo_known *)a)->sha256, ((const fo_known *)b)->sha256);
}

static void run_batch(const fo_inputs *in, const fo_batch_options *o, probe *p,
                      fo_batch_stats *stats, int *rc, fo_error *err)
{
    p->total = in->count;
    memset(stats, 0xAB, sizeof *stats); /* must be reset by the run */
    *rc = fo_batch_run(pipeline, in, o, on_write, on_progress, p, stats, err);
}

/* Two forms, a letter, a text file and a missing file, on two workers. */
static void test_every_input_once(void)
{
    char *paths[] = {
        src_path("samples/scan_0004.jpg"), src_path("samples/scan_0001.tif"),
        src_path("samples/scan_0021.png"), text_file("notes.tif", "notes\n"),
        fo_path_join(tmp, "absent.png")};
    fo_inputs in = {.paths = paths, .count = 5};
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc, i;

    o.jobs = 2;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(p.writes, 5);
    for (i = 0; i < 5; i++)
        INT_EQ(times_written(&p, paths[i]), 1);
    INT_EQ(s.documents, 5);
    INT_EQ(s.skipped, 0);
    INT_EQ(s.not_started, 0);
    INT_EQ(s.pages, 3);
    INT_EQ(s.by_status[FO_DOC_OK], 2);
    INT_EQ(s.by_status[FO_DOC_REVIEW], 0);
    INT_EQ(s.by_status[FO_DOC_UNMATCHED], 1);
    INT_EQ(s.by_status[FO_DOC_ERROR], 2);
    OK(s.seconds[FO_STAGE_OCR] > 0 && s.seconds[FO_STAGE_MATCH] > 0);
    OK(s.seconds[FO_STAGE_OUTPUT] >= 0);
    if ((i = written_index(&p, paths[0])) >= 0) {
        INT_EQ(p.status[i], FO_DOC_OK);
        INT_EQ(p.pages[i], 1);
    }
    if ((i = written_index(&p, paths[2])) >= 0)
        INT_EQ(p.status[i], FO_DOC_UNMATCHED);
    if ((i = written_index(&p, paths[3])) >= 0) {
        INT_EQ(p.status[i], FO_DOC_ERROR);
        STR_EQ(p.sha256[i],
               "444e0fffbd825e9610ff5b199485707a0c895339ae80c15cc8a8aee41b106fda");
    }
    /* progress: the last call once, at the very end, with every document */
    INT_EQ(p.last_calls, 1);
    INT_EQ(p.calls_after_last, 0);
    INT_EQ(p.bad_total, 0);
    INT_EQ(p.last_documents, 5);
    INT_EQ(p.writes_at_last, 5);
    probe_free(&p);
    for (i = 0; i < 5; i++)
        free(paths[i]);
}

/* Known documents are skipped (not written), unless forced; known errors
 * are redone with retry_errors. */
static void test_known_documents(void)
{
    char *scan = src_path("samples/scan_0004.jpg");
    char *paths[] = {scan, text_file("a.tif", "first\n"),
                     text_file("b.tif", "second\n")};
    fo_inputs in = {.paths = paths, .count = 3};
    fo_known known[2];
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc;

    file_sha256(scan, known[0].sha256);
    known[0].status = FO_DOC_OK;
    file_sha256(paths[1], known[1].sha256);
    known[1].status = FO_DOC_ERROR;
    qsort(known, 2, sizeof *known, by_hash);
    o.jobs = 2;
    o.known = known;
    o.nknown = 2;

    /* both known: skipped, only b is done */
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(s.skipped, 2);
    INT_EQ(s.documents, 1);
    INT_EQ(s.not_started, 0);
    INT_EQ(s.pages, 0);
    INT_EQ(p.writes, 1);
    INT_EQ(times_written(&p, paths[2]), 1);
    OK(!p.skipped_written);
    INT_EQ(p.last_skipped, 2);
    OK(s.seconds[FO_STAGE_OCR] == 0); /* the scan was not read */
    probe_free(&p);

    /* retry_errors: the known error (a) is redone, the known scan is not */
    memset(&p, 0, sizeof p);
    o.retry_errors = true;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(s.skipped, 1);
    INT_EQ(s.documents, 2);
    INT_EQ(times_written(&p, paths[0]), 0);
    INT_EQ(times_written(&p, paths[1]), 1);
    INT_EQ(times_written(&p, paths[2]), 1);
    INT_EQ(s.by_status[FO_DOC_ERROR], 2);
    probe_free(&p);

    /* force: everything is redone */
    memset(&p, 0, sizeof p);
    o.retry_errors = false;
    o.force = true;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(s.skipped, 0);
    INT_EQ(s.documents, 3);
    INT_EQ(p.writes, 3);
    INT_EQ(times_written(&p, scan), 1);
    INT_EQ(s.by_status[FO_DOC_OK], 1);
    INT_EQ(s.pages, 1);
    probe_free(&p);
    for (int i = 0; i < 3; i++)
        free(paths[i]);
}

/* n text files in tmp (errors, fast to process). */
static char **text_inputs(int n, const char *prefix)
{
    char **paths = calloc((size_t)n, sizeof *paths);
    for (int i = 0; i < n; i++) {
        char name[64], text[64];
        snprintf(name, sizeof name, "%s%02d.png", prefix, i);
        snprintf(text, sizeof text, "document %s %d\n", prefix, i);
        paths[i] = text_file(name, text);
    }
    return paths;
}

static void free_inputs(char **paths, int n)
{
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* A failing write stops the run: FO_ERR_OUTPUT, no new input taken. */
static void test_failing_write(void)
{
    enum { N = 20 };
    char **paths = text_inputs(N, "w");
    fo_inputs in = {.paths = paths, .count = N};
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc;

    o.jobs = 2;
    p.fail_at = 1;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_ERR_OUTPUT);
    INT_EQ(err.code, FO_ERR_OUTPUT);
    STR_EQ(err.message, "an output failed");
    /* nothing is written after the failed write (the documents already
     * made are dropped), and everything but that one is left undone for
     * the next run: never taken, or made and dropped */
    INT_EQ(p.writes, 1);
    INT_EQ(s.documents, 1);
    INT_EQ(s.not_started, N - 1);
    INT_EQ(s.skipped, 0);
    INT_EQ(p.last_calls, 1);
    INT_EQ(p.calls_after_last, 0);
    probe_free(&p);
    free_inputs(paths, N);
}

/* A stop set before the run: nothing is started, nothing written. */
static void test_stop_before(void)
{
    enum { N = 6 };
    char **paths = text_inputs(N, "s");
    fo_inputs in = {.paths = paths, .count = N};
    volatile sig_atomic_t stop = 1;
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc;

    o.jobs = 2;
    o.stop = &stop;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(s.not_started, N);
    INT_EQ(s.documents, 0);
    INT_EQ(s.skipped, 0);
    INT_EQ(p.writes, 0);
    INT_EQ(p.last_calls, 1);
    INT_EQ(p.calls_after_last, 0);
    probe_free(&p);
    free_inputs(paths, N);
}

/* A stop during the run: what was taken is finished and written, the rest
 * is not started. */
static void test_stop_during(void)
{
    enum { N = 30 };
    char **paths = text_inputs(N, "d");
    fo_inputs in = {.paths = paths, .count = N};
    volatile sig_atomic_t stop = 0;
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc;

    o.jobs = 2;
    o.stop = &stop;
    p.stop = &stop;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    OK(s.not_started > 0 && s.not_started < N);
    INT_EQ(s.documents + s.not_started, N);
    INT_EQ(p.writes, s.documents);
    INT_EQ(s.by_status[FO_DOC_ERROR], s.documents);
    /* the inputs are taken in order: those written are the first ones */
    for (int i = 0; i < N; i++)
        INT_EQ(times_written(&p, paths[i]), i < s.documents ? 1 : 0);
    probe_free(&p);
    free_inputs(paths, N);
}

/* jobs below 1 is one worker; an empty input list is an empty run. */
static void test_jobs_and_empty(void)
{
    char **paths = text_inputs(3, "j");
    fo_inputs in = {.paths = paths, .count = 3}, none = {0};
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc;

    o.jobs = 0;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(s.documents, 3);
    INT_EQ(p.writes, 3);
    /* one worker takes them in order, so they are written in order */
    for (int i = 0; i < 3 && i < p.writes; i++)
        STR_EQ(p.paths[i], paths[i]);
    probe_free(&p);

    memset(&p, 0, sizeof p);
    o.jobs = 4;
    run_batch(&none, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(s.documents, 0);
    INT_EQ(s.not_started, 0);
    INT_EQ(p.writes, 0);
    INT_EQ(p.last_calls, 1);
    probe_free(&p);

    /* no progress callback at all */
    memset(&p, 0, sizeof p);
    p.total = 3;
    rc = fo_batch_run(pipeline, &in, &o, on_write, NULL, &p, &s, &err);
    INT_EQ(rc, FO_OK);
    INT_EQ(p.writes, 3);
    INT_EQ(p.progress_calls, 0);
    probe_free(&p);
    free_inputs(paths, 3);
}

/* Tesseract unable to start (no language data) stops the run with
 * FO_ERR_CONFIG: every document would fail alike. */
static void test_ocr_cannot_start(void)
{
    char dir[64], *scan = src_path("samples/scan_0004.jpg");
    char *paths[] = {scan};
    fo_inputs in = {.paths = paths, .count = 1};
    fo_batch_options o = {0};
    fo_batch_stats s;
    probe p = {0};
    fo_error err;
    int rc;

    snprintf(dir, sizeof dir, "%s/no-tessdata", tmp);
    OK(mkdir(dir, 0755) == 0);
    o.jobs = 1;
    o.tessdata = dir;
    run_batch(&in, &o, &p, &s, &rc, &err);
    INT_EQ(rc, FO_ERR_CONFIG);
    INT_EQ(err.code, FO_ERR_CONFIG);
    STR_CONTAINS(err.message, "\"fra\"");
    INT_EQ(p.writes, 0);
    INT_EQ(s.documents, 0);
    INT_EQ(p.last_calls, 1);
    probe_free(&p);
    free(scan);
}

int main(void)
{
    fo_pipeline_options o;
    fo_error err;
    char *dir = src_path("templates");
    const char *paths[] = {dir};

    if (!mkdtemp(tmp))
        return 1;
    fo_pipeline_options_default(&o);
    o.templates = paths;
    o.ntemplates = 1;
    if (fo_pipeline_create(&o, &pipeline, &err) != FO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    free(dir);
    RUN(test_every_input_once);
    RUN(test_known_documents);
    RUN(test_failing_write);
    RUN(test_stop_before);
    RUN(test_stop_during);
    RUN(test_jobs_and_empty);
    RUN(test_ocr_cannot_start);
    fo_pipeline_destroy(&pipeline);
    {
        char *cmd = fo_asprintf("rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", tmp);
        free(cmd);
    }
    return harness_done();
}
