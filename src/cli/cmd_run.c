/* cmd_run.c - `formocr run`: scans in, values out, for nights on end.
 * Parses the options and prints; the run itself is the library's (run.h). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "formocr/run.h"

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
    "  --join-files          a one-page file that continues the form of the file\n"
    "                        before it in its folder (scanners that write a file\n"
    "                        per page) joins that document\n"
    "  --shard K/N           only the inputs whose path falls in shard K of N\n"
    "                        (0 <= K < N; auto/N takes K from SLURM_ARRAY_TASK_ID\n"
    "                        or JOB_COMPLETION_INDEX)\n"
    "outputs (-o is repeatable; the format comes from the extension):\n"
    "  -o, --output PATH     .sqlite or .db (SQLite), .csv, .jsonl, .xlsx, or -\n"
    "                        for standard output (default -); {template} in a path\n"
    "                        makes one file per template, {shard} the shard\n"
    "  --format jsonl|csv    format of -o - (default jsonl: a line per document,\n"
    "                        whatever the templates; a wide CSV on standard\n"
    "                        output takes one template)\n"
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
    "                        zones coloured by status, the values read; a page\n"
    "                        that matched nothing as it is, with its best score;\n"
    "                        named FILE_HASH_pN.png (HASH: the first 8 hex\n"
    "                        digits of the file's SHA-256)\n"
    "running:\n"
    "  --cache-dir DIR       keep what the templates give (matcher models, form\n"
    "                        masks) there between runs (default\n"
    "                        $XDG_CACHE_HOME/formocr, else ~/.cache/formocr)\n"
    "  --no-cache            derive it all at start, keep nothing on disk\n"
    "  -j, --jobs N          worker threads (default: number of cores)\n"
    "  --document-timeout S  seconds one document may take; then it is an error row\n"
    "                        and the batch goes on (default 120; 0: no limit)\n"
    "  --min-age S           leave for the next run the files found in folders\n"
    "                        that changed less than S seconds ago: an upload may\n"
    "                        still be arriving (default 60; 0: read them all;\n"
    "                        files named on the command line are always read)\n"
    "  --max-pixels N        refuse pages larger than N pixels, before decoding\n"
    "                        them (default 60000000)\n"
    "  --pdf-dpi N           render PDF pages that are not one scanned image at\n"
    "                        N dpi (default 300; a scanned page keeps its own)\n"
    "  --tessdata DIR        Tesseract language data (default $TESSDATA_PREFIX,\n"
    "                        else Tesseract's own)\n"
    "  --progress auto|always|never  progress on stderr (auto: on a terminal)\n"
    "  --timings             print where the time went, per stage\n"
    "  -q, --quiet           only errors, no summary line\n"
    "  -v, --verbose         name each folder entry not taken (hidden, not a\n"
    "                        scan by its name, a sub-folder without -r)\n"
    "  -h, --help            show this help and exit\n";

/* apart: one string of the whole help would pass the 4095 bytes C99
 * promises to compile */
static const char USAGE_STATUS[] =
    "\n"
    "exit status: 0 every input processed (fields flagged for review are\n"
    "normal), 1 some input failed or matched no template, 2 usage or template\n"
    "error, 3 an output could not be written or another run holds it; stopped\n"
    "by SIGINT (Ctrl-C) or SIGTERM, once the documents in flight are written\n"
    "and the outputs completed: 130 or 143 (128 + the signal's number).\n";

enum {
    OPT_FORMAT = 256,
    OPT_DEBUG_DIR,
    OPT_CACHE_DIR,
    OPT_NO_CACHE,
    OPT_TESSDATA,
    OPT_TIMINGS,
    OPT_CSV_LAYOUT,
    OPT_CSV_SEP,
    OPT_DECIMAL_COMMA,
    OPT_BOM,
    OPT_FORCE,
    OPT_RETRY,
    OPT_JOIN_FILES,
    OPT_LOCK_TIMEOUT,
    OPT_QUARANTINE,
    OPT_PROGRESS,
    OPT_INCLUDE,
    OPT_SHARD,
    OPT_MAX_PIXELS,
    OPT_PDF_DPI,
    OPT_DOCUMENT_TIMEOUT,
    OPT_MIN_AGE,
    MAX_ARGS = 64
};

/* the signal that stopped the run (its number), 0 while none came */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
    /* a second signal ends the run at once */
    signal(sig, SIG_DFL);
}

/* What the command line asked for, beyond the run's own options. */
typedef struct run_args {
    fo_run_options run;
    const char *tpaths[MAX_ARGS], *outputs[MAX_ARGS], *includes[MAX_ARGS];
    const char *progress, *shard;
    bool timings, quiet, verbose;
} run_args;

typedef struct display {
    bool progress, shown;
} display;

static void clear_progress(display *d)
{
    if (d->shown) {
        fputs("\r\033[K", stderr);
        d->shown = false;
    }
}

static void notice(void *ctx, const char *path, const char *message)
{
    clear_progress(ctx);
    if (path)
        cli_error("%s: %s", path, message);
    else
        cli_error("%s", message);
}

static void name_skipped(void *ctx, const char *path, const char *why)
{
    clear_progress(ctx);
    cli_error("%s: skipped: %s", path, why);
}

static void show_progress(void *ctx, const fo_batch_stats *s, int total, double secs,
                          bool last)
{
    display *d = ctx;
    int done = s->files;
    double rate = secs > 0 ? s->pages / secs : 0;
    double docs_rate = secs > 0 ? done / secs : 0;
    int eta = docs_rate > 0 ? (int)((total - done) / docs_rate) : 0;
    if (!d->progress)
        return;
    if (last) {
        clear_progress(d);
        return;
    }
    fprintf(stderr,
            "\r\033[Kformocr: %d/%d files (%d skipped), %.1f pages/s, "
            "ETA %dm%02ds",
            done, total, s->skipped, rate, eta / 60, eta % 60);
    d->shown = true;
}

static void print_timings(const fo_run_summary *r)
{
    static const char *const names[FO_STAGE_COUNT] = {
        "decode", "prep", "match", "zones", "ocr", "checks", "output"};
    const fo_batch_stats *s = &r->stats;
    fprintf(stderr, "formocr: timings (seconds summed over workers, ms per page):\n");
    fprintf(stderr,
            "  %-8s %8.3f   (template pages: %d, models derived: %d, read from "
            "the cache: %d)\n",
            "setup", r->setup_seconds, r->template_pages, r->models_built,
            r->template_pages - r->models_built);
    for (int i = 0; i < FO_STAGE_COUNT; i++)
        fprintf(stderr, "  %-8s %8.3f  %7.1f\n", names[i], s->seconds[i],
                s->pages ? 1000 * s->seconds[i] / s->pages : 0);
    fprintf(stderr, "  %-8s %8.3f   (wall, pages: %d)\n", "total", r->seconds,
            s->pages);
}

/* Now, local time, ISO 8601 with the offset from UTC:
 * "2026-11-30T14:03:12+01:00" (strftime's %z lacks the colon); "" when
 * the time cannot be had. */
static void iso_local_time(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    char zone[8];
    out[0] = '\0';
    if (!localtime_r(&now, &tm) || !strftime(zone, sizeof zone, "%z", &tm) ||
        strlen(zone) != 5 || !strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm))
        return;
    snprintf(out + strlen(out), 32 - strlen(out), "%.3s:%s", zone, zone + 3);
}

/* Seconds, whole or not, from 0 to a day. */
static bool parse_seconds(const char *s, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= 0 && v <= 86400))
        return false;
    *out = v;
    return true;
}

/* Parses argv into *a; EXIT_OK to run, anything else to exit with. */
static int parse_args(int argc, char **argv, run_args *a)
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
        {"join-files", no_argument, NULL, OPT_JOIN_FILES},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"quarantine", required_argument, NULL, OPT_QUARANTINE},
        {"progress", required_argument, NULL, OPT_PROGRESS},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
        {"pdf-dpi", required_argument, NULL, OPT_PDF_DPI},
        {"document-timeout", required_argument, NULL, OPT_DOCUMENT_TIMEOUT},
        {"min-age", required_argument, NULL, OPT_MIN_AGE},
        {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
        {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"tessdata", required_argument, NULL, OPT_TESSDATA},
        {"timings", no_argument, NULL, OPT_TIMINGS},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    fo_run_options *o = &a->run;
    fo_sink_options *so = &o->sink;
    long long v;
    int c, status;

    a->progress = "auto";
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:o:j:rqvh", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (o->ntemplates == MAX_ARGS)
                return cli_usage_error("run", "too many -t options");
            a->tpaths[o->ntemplates++] = optarg;
            break;
        case 'o':
            if (o->noutputs == MAX_ARGS)
                return cli_usage_error("run", "too many -o options");
            a->outputs[o->noutputs++] = optarg;
            break;
        case 'j':
            if (!fo_parse_int(optarg, 1, 256, &v))
                return cli_usage_error("run",
                                       "-j wants a number of workers from 1 to 256, "
                                       "not \"%s\"",
                                       optarg);
            o->jobs = (int)v;
            break;
        case 'r': o->source.recursive = true; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                so->stdout_format = FO_SINK_CSV;
            else if (strcmp(optarg, "jsonl") == 0)
                so->stdout_format = FO_SINK_JSONL;
            else
                return cli_usage_error("run", "--format is csv or jsonl, not \"%s\"",
                                       optarg);
            break;
        case OPT_CSV_LAYOUT:
            if ((status = cli_csv_layout("run", optarg, so)) >= 0)
                return status;
            break;
        case OPT_CSV_SEP:
            if ((status = cli_csv_sep("run", optarg, so)) >= 0)
                return status;
            break;
        case OPT_DECIMAL_COMMA: so->decimal_comma = true; break;
        case OPT_BOM: so->bom = true; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_RETRY: o->retry_errors = true; break;
        case OPT_JOIN_FILES: o->join_files = true; break;
        case OPT_LOCK_TIMEOUT:
            if (!fo_parse_int(optarg, 0, 86400, &v))
                return cli_usage_error("run",
                                       "--lock-timeout wants seconds from 0 to "
                                       "86400, not \"%s\"",
                                       optarg);
            so->lock_timeout = (double)v;
            break;
        case OPT_QUARANTINE: o->quarantine = optarg; break;
        case OPT_PROGRESS:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
                strcmp(optarg, "never"))
                return cli_usage_error("run",
                                       "--progress is auto, always or never, not "
                                       "\"%s\"",
                                       optarg);
            a->progress = optarg;
            break;
        case OPT_INCLUDE:
            if (o->source.ninclude == MAX_ARGS)
                return cli_usage_error("run", "too many --include options");
            a->includes[o->source.ninclude++] = optarg;
            break;
        case OPT_SHARD: a->shard = optarg; break;
        case OPT_MAX_PIXELS:
            if (!fo_parse_int(optarg, 1, 4000000000LL, &v))
                return cli_usage_error("run",
                                       "--max-pixels wants a pixel count from 1 to "
                                       "4000000000, not \"%s\"",
                                       optarg);
            o->limits.max_pixels = (uint64_t)v;
            break;
        case OPT_PDF_DPI:
            if (!fo_parse_int(optarg, 50, 1200, &v))
                return cli_usage_error("run",
                                       "--pdf-dpi wants a resolution from 50 to 1200, "
                                       "not \"%s\"",
                                       optarg);
            o->limits.pdf_dpi = (int)v;
            break;
        case OPT_DOCUMENT_TIMEOUT:
            if (!parse_seconds(optarg, &o->document_timeout))
                return cli_usage_error(
                    "run",
                    "--document-timeout wants seconds from 0 to 86400, "
                    "not \"%s\"",
                    optarg);
            break;
        case OPT_MIN_AGE:
            if (!parse_seconds(optarg, &o->min_age))
                return cli_usage_error(
                    "run", "--min-age wants seconds from 0 to 86400, not \"%s\"",
                    optarg);
            break;
        case OPT_DEBUG_DIR: o->debug_dir = optarg; break;
        case OPT_CACHE_DIR: o->cache_dir = optarg; break;
        case OPT_NO_CACHE: o->no_cache = true; break;
        case OPT_TESSDATA: o->tessdata = optarg; break;
        case OPT_TIMINGS: a->timings = true; break;
        case 'q': a->quiet = true; break;
        case 'v': a->verbose = true; break;
        case 'h':
            fputs(USAGE, stdout);
            fputs(USAGE_STATUS, stdout);
            return EXIT_OK;
        case ':':
            return cli_usage_error("run", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("run", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("run", "no scan given");
    o->inputs = (const char *const *)argv + optind;
    o->ninputs = argc - optind;
    o->templates = a->tpaths;
    o->source.include = a->includes;
    return -1;
}

/* The shard and the outputs it names, checked before any work. */
static int check_outputs(run_args *a, char **shard_outputs)
{
    fo_run_options *o = &a->run;
    fo_error err;

    if (a->shard && fo_shard_parse(a->shard, &o->shard, &err) != FO_OK) {
        if (err.code == FO_ERR_USAGE)
            return cli_usage_error("run",
                                   "--shard wants K/N with 0 <= K < N, or auto/N, "
                                   "not \"%s\"",
                                   a->shard);
        cli_error("--shard %s: %s", a->shard, err.message);
        return EXIT_USAGE;
    }
    /* a shard holds files of a folder that are not next to each other */
    if (a->shard && o->join_files)
        return cli_usage_error("run", "--join-files joins files that follow each "
                                      "other in a folder: it needs the whole folder "
                                      "in one run, not a --shard");
    if (o->noutputs == 0)
        a->outputs[o->noutputs++] = "-";
    for (int i = 0; i < o->noutputs; i++) {
        fo_sink_format fmt;
        shard_outputs[i] = fo_shard_path(a->outputs[i], o->shard);
        if (!shard_outputs[i]) {
            cli_error("out of memory");
            return EXIT_USAGE;
        }
        if (fo_sink_format_of(shard_outputs[i], &o->sink, &fmt, &err) != FO_OK)
            return cli_usage_error("run", "%s", err.message);
        for (int k = 0; k < i; k++)
            if (strcmp(shard_outputs[i], shard_outputs[k]) == 0)
                return cli_usage_error("run", "\"%s\" is given twice as -o",
                                       shard_outputs[i]);
    }
    o->outputs = (const char *const *)shard_outputs;
    return -1;
}

/* The command line, recorded with the run in an SQLite output. */
static char *command_line(int argc, char **argv)
{
    size_t n = 0;
    char *s, *p;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    s = malloc(n + 1);
    if (!s)
        return NULL;
    p = s;
    for (int i = 0; i < argc; i++)
        p += sprintf(p, i ? " %s" : "%s", argv[i]);
    *p = '\0';
    return s;
}

static int exit_status_of(int code)
{
    return code == FO_ERR_OUTPUT || code == FO_ERR_LOCKED ? EXIT_OUTPUT : EXIT_USAGE;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {0};
    char *shard_outputs[MAX_ARGS] = {NULL}, *command = NULL;
    display d = {0};
    fo_run_events ev = {.ctx = &d, .notice = notice, .progress = show_progress};
    fo_run_summary sum;
    fo_error err;
    char skipped_text[96] = "", files_text[48] = "";
    int status, rc;

    fo_run_options_default(&a.run);
    if ((status = parse_args(argc, argv, &a)) >= 0)
        return status;
    /* from here on SIGINT and SIGTERM stop the run cleanly: during set-up
     * (templates, outputs) nothing is started and the outputs are closed
     * complete; later the documents in flight are finished first */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    a.run.stop = &interrupted;
    if ((status = check_outputs(&a, shard_outputs)) >= 0)
        goto out;
    d.progress = strcmp(a.progress, "always") == 0 ||
                 (strcmp(a.progress, "auto") == 0 && !a.quiet && isatty(STDERR_FILENO));
    a.run.sink.command = command = command_line(argc, argv);
    if (a.verbose)
        ev.skipped = name_skipped;
    rc = fo_run(&a.run, &ev, &sum, &err);
    if (rc != FO_OK) {
        clear_progress(&d);
        cli_error("%s", err.message);
        status = exit_status_of(rc);
        goto out;
    }
    status = EXIT_OK;
    if (a.timings)
        print_timings(&sum);
    /* every folder entry is accounted for: those not taken are counted */
    if (sum.skipped_entries > 0)
        snprintf(skipped_text, sizeof skipped_text, "; %d skipped: not scans%s",
                 sum.skipped_entries, a.verbose ? "" : " (-v names them)");
    /* a file of several forms: how many files the documents came from */
    {
        int read = sum.stats.files - sum.stats.skipped - sum.stats.deferred;
        if (sum.stats.documents != read)
            snprintf(files_text, sizeof files_text, " (in %d file%s)", read,
                     read == 1 ? "" : "s");
    }
    /* the summary starts with when the run ended: a cron log appended to
     * every night says which night each line is */
    if (!a.quiet) {
        char when[32];
        iso_local_time(when);
        fprintf(stderr,
                "%s%sformocr: %d documents%s, %d pages: %d ok, %d review, "
                "%d unmatched, %d error; %d already done%s; %.1f pages/s\n",
                when, when[0] ? " " : "", sum.stats.documents, files_text,
                sum.stats.pages, sum.stats.by_status[FO_DOC_OK],
                sum.stats.by_status[FO_DOC_REVIEW],
                sum.stats.by_status[FO_DOC_UNMATCHED],
                sum.stats.by_status[FO_DOC_ERROR], sum.stats.skipped, skipped_text,
                sum.seconds > 0 ? sum.stats.pages / sum.seconds : 0.0);
    }
    if (sum.deferred > 0 && !a.quiet)
        fprintf(stderr,
                "formocr: %d files changed too recently, left for the next run "
                "(--min-age)\n",
                sum.deferred);
    if (sum.stats.not_started > 0)
        cli_error("interrupted: %d inputs not started (the next run will do them)",
                  sum.stats.not_started);
    if (sum.stats.by_status[FO_DOC_UNMATCHED] + sum.stats.by_status[FO_DOC_ERROR] > 0 ||
        sum.stats.not_started > 0 || sum.input_problems > 0 ||
        sum.quarantine_failures > 0)
        status = EXIT_SOME_FAILED;
    /* stopped by a signal: said the way a shell says a command it killed,
     * whatever was left undone (a Ctrl-C after the last file included) */
    if (interrupted)
        status = EXIT_SIGNAL_BASE + interrupted;
out:
    for (int i = 0; i < MAX_ARGS; i++)
        free(shard_outputs[i]);
    free(command);
    return status;
}
