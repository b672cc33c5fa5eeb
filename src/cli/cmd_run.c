/* cmd_run.c - `formocr run`: scans in, values out, for nights on end. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "formocr/batch.h"
#include "formocr/pipeline.h"
#include "formocr/match.h"
#include "formocr/sink.h"
#include "formocr/source.h"
#include "util.h"

static const char USAGE[] =
    "usage: formocr run [options] PATH...\n"
    "\n"
    "Reads every scan (files; folders give their .tif .png .jpg .pnm .webp ...\n"
    "files): finds which template each page is, reads its fields, checks the\n"
    "values and writes them to every output.\n"
    "\n"
    "inputs:\n"
    "  -t, --templates PATH  a template file, or a folder of */template.json;\n"
    "                        repeatable (default $FORMOCR_TEMPLATES, else\n"
    "                        ./templates)\n"
    "  -r, --recursive       walk sub-folders too\n"
    "  --include GLOB        in folders, take the files whose name matches (e.g.\n"
    "                        '*.tif'); repeatable\n"
    "  --force               redo files the SQLite output already holds\n"
    "  --retry-errors        redo those of them that failed\n"
    "  --shard K/N           only the inputs whose path falls in shard K of N\n"
    "                        (0 <= K < N; auto/N takes K from SLURM_ARRAY_TASK_ID\n"
    "                        or JOB_COMPLETION_INDEX)\n"
    "outputs (-o is repeatable; the format comes from the extension):\n"
    "  -o, --output PATH     .sqlite or .db (SQLite), .csv, .jsonl, or - for\n"
    "                        standard output (default -); {template} in a path\n"
    "                        makes one file per template, {shard} the shard\n"
    "  --format csv|jsonl    format of -o - (default csv)\n"
    "  --csv-layout wide|long  wide: a row per document, a column per field;\n"
    "                        long: a row per field (default wide)\n"
    "  --csv-sep C           column separator (default ,)\n"
    "  --decimal-comma       decimals with a comma\n"
    "  --bom                 start CSV files with a UTF-8 byte order mark\n"
    "                        (French Excel: --csv-sep ';' --decimal-comma --bom)\n"
    "  --lock-timeout S      wait up to S seconds for another run using the same\n"
    "                        output (default 0)\n"
    "  --quarantine DIR      move inputs that failed (status error) there\n"
    "  --debug-dir DIR       write an overlay PNG per page: the aligned scan, its\n"
    "                        zones coloured by status, the values read\n"
    "running:\n"
    "  -j, --jobs N          worker threads (default: number of cores)\n"
    "  --tessdata DIR        Tesseract language data (default $TESSDATA_PREFIX,\n"
    "                        else Tesseract's own)\n"
    "  --progress auto|always|never  progress on stderr (auto: on a terminal)\n"
    "  --timings             print where the time went, per stage\n"
    "  -q, --quiet           only errors, no summary line\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "exit status: 0 every input processed (fields flagged for review are\n"
    "normal), 1 some input failed or matched no template (or the run was\n"
    "interrupted), 2 usage or template error, 3 an output could not be written\n"
    "or another run holds it.\n";

enum {
    OPT_FORMAT = 256, OPT_DEBUG_DIR, OPT_TESSDATA, OPT_TIMINGS, OPT_CSV_LAYOUT,
    OPT_CSV_SEP, OPT_DECIMAL_COMMA, OPT_BOM, OPT_FORCE, OPT_RETRY, OPT_LOCK_TIMEOUT,
    OPT_QUARANTINE, OPT_PROGRESS, OPT_INCLUDE, OPT_SHARD, OPT_MAX_PIXELS, MAX_ARGS = 64
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = 1;
    /* a second signal ends the run at once */
    signal(sig, SIG_DFL);
}

typedef struct run_ctx {
    fo_sink *sinks[MAX_ARGS];
    int nsinks;
    const char *quarantine;
    bool progress, quiet, progress_shown;
    int failed_quarantine;
} run_ctx;

static void clear_progress(run_ctx *c)
{
    if (c->progress_shown) {
        fputs("\r\033[K", stderr);
        c->progress_shown = false;
    }
}

/* Copies path into dir under a name not yet there, synced, then removes
 * the original: a failed input is never lost. */
static int quarantine(const char *path, const char *dir)
{
    char *base = fo_path_basename(path), *target = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    fo_error err;
    int rc = -1, fd;

    for (int n = 0; base && n < 1000 && !target; n++) {
        char *t = n ? fo_asprintf("%s/%s.%d", dir, base, n) : fo_path_join(dir, base);
        if (t && access(t, F_OK) != 0)
            target = t;
        else
            free(t);
    }
    if (!target || fo_read_file(path, (size_t)1 << 34, &data, &size, &err) != FO_OK ||
        fo_write_file_atomic(target, data, size, &err) != FO_OK)
        goto out;
    /* the folder entry too must reach the disk before the original goes */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    rc = unlink(path);
out:
    free(base);
    free(target);
    free(data);
    return rc;
}

static int write_document(void *ctx, const fo_document *d)
{
    run_ctx *c = ctx;
    fo_error err;
    if (d->status == FO_DOC_ERROR) {
        clear_progress(c);
        cli_error("%s: %s", d->path, d->error);
    }
    for (int i = 0; i < c->nsinks; i++) {
        if (fo_sink_write(c->sinks[i], d, &err) != FO_OK) {
            clear_progress(c);
            cli_error("%s", err.message);
            return -1;
        }
    }
    if (c->quarantine && d->status == FO_DOC_ERROR && quarantine(d->path, c->quarantine)) {
        clear_progress(c);
        cli_error("%s: cannot move it to %s", d->path, c->quarantine);
        c->failed_quarantine++;
    }
    return 0;
}

static void show_progress(void *ctx, const fo_batch_stats *s, int total, double secs,
                          bool last)
{
    run_ctx *c = ctx;
    int done = s->documents + s->skipped;
    double rate = secs > 0 ? s->pages / secs : 0;
    double docs_rate = secs > 0 ? done / secs : 0;
    int eta = docs_rate > 0 ? (int)((total - done) / docs_rate) : 0;
    if (!c->progress)
        return;
    if (last) {
        clear_progress(c);
        return;
    }
    fprintf(stderr, "\r\033[Kformocr: %d/%d documents (%d skipped), %.1f pages/s, "
            "ETA %dm%02ds", done, total, s->skipped, rate, eta / 60, eta % 60);
    c->progress_shown = true;
}

static void report_input(void *ctx, const char *path, const char *message)
{
    (void)ctx;
    cli_error("%s: %s", path, message);
}

static void print_timings(const fo_batch_stats *s, double setup, double total)
{
    static const char *const names[FO_STAGE_COUNT] = {"decode", "prep", "match", "zones",
                                                      "ocr", "checks", "output"};
    fprintf(stderr, "formocr: timings (seconds summed over workers, ms per page):\n");
    fprintf(stderr, "  %-8s %8.3f\n", "setup", setup);
    for (int i = 0; i < FO_STAGE_COUNT; i++)
        fprintf(stderr, "  %-8s %8.3f  %7.1f\n", names[i], s->seconds[i],
                s->pages ? 1000 * s->seconds[i] / s->pages : 0);
    fprintf(stderr, "  %-8s %8.3f   (wall, pages: %d)\n", "total", total, s->pages);
}

/* "K/N" or "auto/N": the shard this task takes; false on nonsense. */
static bool parse_shard(const char *s, int *k, int *n, const char **why)
{
    const char *slash = strchr(s, '/');
    char kbuf[32];
    long long kv, nv;
    *why = NULL;
    if (!slash || (size_t)(slash - s) >= sizeof kbuf)
        return false;
    memcpy(kbuf, s, (size_t)(slash - s));
    kbuf[slash - s] = '\0';
    if (!cli_parse_int(slash + 1, 1, 1000000, &nv))
        return false;
    if (strcmp(kbuf, "auto") == 0) {
        const char *env = getenv("SLURM_ARRAY_TASK_ID");
        if (!env || !*env)
            env = getenv("JOB_COMPLETION_INDEX");
        if (!env || !*env) {
            *why = "--shard auto/N needs SLURM_ARRAY_TASK_ID (Slurm) or "
                   "JOB_COMPLETION_INDEX (Kubernetes) in the environment";
            return false;
        }
        if (!cli_parse_int(env, 0, nv - 1, &kv)) {
            *why = "the scheduler's task index is not between 0 and N-1";
            return false;
        }
    } else if (!cli_parse_int(kbuf, 0, nv - 1, &kv)) {
        return false;
    }
    *k = (int)kv;
    *n = (int)nv;
    return true;
}

/* path with {shard} replaced by k (malloc'd). */
static char *with_shard(const char *path, int k)
{
    const char *at = strstr(path, "{shard}");
    if (!at)
        return fo_strdup(path);
    return fo_asprintf("%.*s%d%s", (int)(at - path), path, k, at + strlen("{shard}"));
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"templates", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"recursive", no_argument, NULL, 'r'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"csv-layout", required_argument, NULL, OPT_CSV_LAYOUT},
        {"csv-sep", required_argument, NULL, OPT_CSV_SEP},
        {"decimal-comma", no_argument, NULL, OPT_DECIMAL_COMMA},
        {"bom", no_argument, NULL, OPT_BOM},
        {"force", no_argument, NULL, OPT_FORCE},
        {"retry-errors", no_argument, NULL, OPT_RETRY},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"quarantine", required_argument, NULL, OPT_QUARANTINE},
        {"progress", required_argument, NULL, OPT_PROGRESS},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
        {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
        {"tessdata", required_argument, NULL, OPT_TESSDATA},
        {"timings", no_argument, NULL, OPT_TIMINGS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *tpaths[MAX_ARGS], *outputs[MAX_ARGS], *includes[MAX_ARGS];
    char *shard_outputs[MAX_ARGS] = {NULL};
    int ntpaths = 0, noutputs = 0, nincludes = 0, c, timings = 0, status = EXIT_OK;
    int shard_k = 0, shard_n = 0;
    const char *progress = "auto", *shard_arg = NULL;
    long long v;
    fo_sink_options so;
    fo_source_options src = {0};
    fo_batch_options bo = {0};
    fo_batch_stats stats;
    fo_pipeline p = {0};
    fo_template_set *set = NULL;
    fo_matcher *matcher = NULL;
    fo_zone_forms *forms = NULL;
    fo_inputs in = {0};
    fo_known *known = NULL;
    run_ctx ctx = {0};
    fo_error err;
    double setup_start = fo_now(), start;
    char shard_label[64] = "", *command = NULL;

    fo_sink_options_default(&so);
    fo_image_limits_default(&p.limits);
    bo.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (bo.jobs < 1)
        bo.jobs = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:o:j:rqh", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (ntpaths == MAX_ARGS)
                return cli_usage_error("run", "too many -t options");
            tpaths[ntpaths++] = optarg;
            break;
        case 'o':
            if (noutputs == MAX_ARGS)
                return cli_usage_error("run", "too many -o options");
            outputs[noutputs++] = optarg;
            break;
        case 'j':
            if (!cli_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("run", "-j wants a number of workers from 1 to 256, "
                                       "not \"%s\"", optarg);
            bo.jobs = (int)v;
            break;
        case 'r': src.recursive = true; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                so.stdout_format = FO_SINK_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                so.stdout_format = FO_SINK_JSONL;
            else
                return cli_usage_error("run", "--format is csv or jsonl, not \"%s\"", optarg);
            break;
        case OPT_CSV_LAYOUT:
            if (strcmp(optarg, "wide") == 0)
                so.csv_layout = FO_CSV_WIDE;
            else if (strcmp(optarg, "long") == 0)
                so.csv_layout = FO_CSV_LONG;
            else
                return cli_usage_error("run", "--csv-layout is wide or long, not \"%s\"",
                                       optarg);
            break;
        case OPT_CSV_SEP:
            if (strlen(optarg) != 1 || strchr("\"\r\n", optarg[0]))
                return cli_usage_error("run", "--csv-sep wants one character (not a quote "
                                       "or line break), not \"%s\"", optarg);
            so.csv_sep = optarg[0];
            break;
        case OPT_DECIMAL_COMMA: so.decimal_comma = true; break;
        case OPT_BOM: so.bom = true; break;
        case OPT_FORCE: bo.force = true; break;
        case OPT_RETRY: bo.retry_errors = true; break;
        case OPT_LOCK_TIMEOUT:
            if (!cli_parse_int(optarg, 0, 86400, &v))
                return cli_usage_error("run", "--lock-timeout wants seconds from 0 to "
                                       "86400, not \"%s\"", optarg);
            so.lock_timeout = (double)v;
            break;
        case OPT_QUARANTINE: ctx.quarantine = optarg; break;
        case OPT_PROGRESS:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
                return cli_usage_error("run", "--progress is auto, always or never, not "
                                       "\"%s\"", optarg);
            progress = optarg;
            break;
        case OPT_INCLUDE:
            if (nincludes == MAX_ARGS)
                return cli_usage_error("run", "too many --include options");
            includes[nincludes++] = optarg;
            break;
        case OPT_SHARD: shard_arg = optarg; break;
        case OPT_MAX_PIXELS:
            if (!cli_parse_int(optarg, 1, 4000000000LL, &v))
                return cli_usage_error("run", "--max-pixels wants a pixel count from 1 to "
                                       "4000000000, not \"%s\"", optarg);
            p.limits.max_pixels = (uint64_t)v;
            break;
        case OPT_DEBUG_DIR: p.debug_dir = optarg; break;
        case OPT_TESSDATA: bo.tessdata = optarg; break;
        case OPT_TIMINGS: timings = 1; break;
        case 'q': ctx.quiet = true; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("run", "option \"%s\" needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("run", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("run", "no scan given");
    /* from here on SIGINT and SIGTERM stop the run cleanly: during set-up
     * (templates, outputs) nothing is started and the outputs are closed
     * complete; later the documents in flight are finished first */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (shard_arg) {
        const char *why;
        if (!parse_shard(shard_arg, &shard_k, &shard_n, &why)) {
            if (why) {
                cli_error("--shard %s: %s", shard_arg, why);
                return EXIT_USAGE;
            }
            return cli_usage_error("run", "--shard wants K/N with 0 <= K < N, or auto/N, "
                                   "not \"%s\"", shard_arg);
        }
        snprintf(shard_label, sizeof shard_label, "%d/%d", shard_k, shard_n);
        so.shard = shard_label;
    }
    if (noutputs == 0)
        outputs[noutputs++] = "-";
    for (int i = 0; i < noutputs; i++) {
        fo_sink_format fmt;
        shard_outputs[i] = with_shard(outputs[i], shard_k);
        if (!shard_outputs[i]) {
            cli_error("out of memory");
            status = EXIT_USAGE;
            goto out;
        }
        if (fo_sink_format_of(shard_outputs[i], &so, &fmt, &err) != FO_OK) {
            status = cli_usage_error("run", "%s", err.message);
            goto out;
        }
        for (int k = 0; k < i; k++)
            if (strcmp(shard_outputs[i], shard_outputs[k]) == 0) {
                status = cli_usage_error("run", "\"%s\" is given twice as -o",
                                         shard_outputs[i]);
                goto out;
            }
    }
    ctx.progress = strcmp(progress, "always") == 0 ||
                   (strcmp(progress, "auto") == 0 && !ctx.quiet && isatty(STDERR_FILENO));
    if (p.debug_dir && !fo_is_dir(p.debug_dir) && mkdir(p.debug_dir, 0755) != 0) {
        cli_error("%s: cannot create folder", p.debug_dir);
        status = EXIT_OUTPUT;
        goto out;
    }
    if (ctx.quarantine && !fo_is_dir(ctx.quarantine) && mkdir(ctx.quarantine, 0755) != 0) {
        cli_error("%s: cannot create folder", ctx.quarantine);
        status = EXIT_OUTPUT;
        goto out;
    }
    if (ntpaths == 0)
        tpaths[ntpaths++] = cli_default_templates();
    if (fo_template_set_load(tpaths, ntpaths, &set, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_USAGE;
        goto out;
    }
    if (fo_matcher_create(set, &matcher, &err) != FO_OK ||
        fo_zone_forms_create(set, &forms, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_USAGE;
        goto out;
    }
    p.templates = set;
    p.matcher = matcher;
    p.forms = forms;
    fo_template_set_release_images(set);

    /* the outputs, each locked, before any work */
    command = fo_strdup(argv[0]);
    for (int i = 1; command && i < argc; i++) {
        char *joined = fo_asprintf("%s %s", command, argv[i]);
        free(command);
        command = joined;
    }
    so.templates = set;
    so.command = command;
    for (int i = 0; i < noutputs; i++) {
        if (fo_sink_open(shard_outputs[i], &so, &ctx.sinks[ctx.nsinks], &err) != FO_OK) {
            cli_error("%s", err.message);
            status = err.code == FO_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
            goto out;
        }
        ctx.nsinks++;
    }
    for (int i = 0; i < ctx.nsinks && !known; i++)
        if (fo_sink_known(ctx.sinks[i], &known, &bo.nknown, &err) != FO_OK) {
            cli_error("%s", err.message);
            status = EXIT_OUTPUT;
            goto out;
        }
    bo.known = known;

    src.include = includes;
    src.ninclude = nincludes;
    if (fo_source_list((const char *const *)argv + optind, argc - optind, &src,
                       report_input, NULL, &in, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_USAGE;
        goto out;
    }
    if (shard_n > 0) {
        int kept = 0;
        for (int i = 0; i < in.count; i++) {
            if (fo_source_shard(in.paths[i], shard_n) == shard_k)
                in.paths[kept++] = in.paths[i];
            else
                free(in.paths[i]);
        }
        in.count = kept;
    }

    bo.stop = &interrupted;
    start = fo_now();
    if (fo_batch_run(&p, &in, &bo, write_document, show_progress, &ctx, &stats, &err) !=
        FO_OK) {
        clear_progress(&ctx);
        cli_error("%s", err.message);
        status = err.code == FO_ERR_OUTPUT ? EXIT_OUTPUT : EXIT_USAGE;
        goto out;
    }
    for (int i = 0; i < ctx.nsinks; i++) {
        int rc = fo_sink_close(&ctx.sinks[i], &err);
        if (rc != FO_OK) {
            cli_error("%s", err.message);
            status = EXIT_OUTPUT;
        }
    }
    if (status != EXIT_OK)
        goto out;
    if (timings)
        print_timings(&stats, start - setup_start, fo_now() - start);
    if (!ctx.quiet) {
        double secs = fo_now() - start;
        fprintf(stderr,
                "formocr: %d documents, %d pages: %d ok, %d review, %d unmatched, "
                "%d error; %d already done; %.1f pages/s\n",
                stats.documents, stats.pages, stats.by_status[FO_DOC_OK],
                stats.by_status[FO_DOC_REVIEW], stats.by_status[FO_DOC_UNMATCHED],
                stats.by_status[FO_DOC_ERROR], stats.skipped,
                secs > 0 ? stats.pages / secs : 0.0);
    }
    if (stats.not_started > 0)
        cli_error("interrupted: %d inputs not started (the next run will do them)",
                  stats.not_started);
    if (stats.by_status[FO_DOC_UNMATCHED] + stats.by_status[FO_DOC_ERROR] > 0 ||
        stats.not_started > 0 || in.problems > 0 || ctx.failed_quarantine > 0)
        status = EXIT_SOME_FAILED;
out:
    for (int i = 0; i < ctx.nsinks; i++)
        fo_sink_abort(&ctx.sinks[i]);
    for (int i = 0; i < noutputs; i++)
        free(shard_outputs[i]);
    free(command);
    free(known);
    fo_inputs_free(&in);
    fo_zone_forms_destroy(&forms);
    fo_matcher_destroy(&matcher);
    fo_template_set_destroy(&set);
    return status;
}
