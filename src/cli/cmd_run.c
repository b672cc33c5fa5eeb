/* cmd_run.c - `formocr run`: scans in, values out. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "formocr/document.h"
#include "formocr/match.h"
#include "formocr/read.h"
#include "formocr/sink.h"
#include "util.h"

static const char USAGE[] =
    "usage: formocr run [options] PATH...\n"
    "\n"
    "Reads every scan (files, or the files of folders): finds which template\n"
    "each is, reads its fields, checks the values and writes them out.\n"
    "\n"
    "options:\n"
    "  -t, --templates PATH  a template file, or a folder of */template.json;\n"
    "                        repeatable (default $FORMOCR_TEMPLATES, else\n"
    "                        ./templates)\n"
    "  -o, --output PATH     where results go: a .jsonl file, or - for standard\n"
    "                        output (default -)\n"
    "  --format jsonl        format of -o - (default jsonl)\n"
    "  --debug-dir DIR       write an overlay PNG per page: the aligned scan, its\n"
    "                        zones coloured by status, the values read\n"
    "  --tessdata DIR        Tesseract language data (default $TESSDATA_PREFIX,\n"
    "                        else Tesseract's own)\n"
    "  --timings             print where the time went, per stage\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "exit status: 0 every input processed (fields flagged for review are\n"
    "normal), 1 some input failed or matched no template, 2 usage or template\n"
    "error, 3 an output could not be written.\n";

enum { OPT_FORMAT = 256, OPT_DEBUG_DIR, OPT_TESSDATA, OPT_TIMINGS, MAX_ARGS = 64 };

typedef struct tally {
    int documents, pages, by_status[4];
    double seconds[FO_STAGE_COUNT], output_seconds;
} tally;

static void print_timings(const tally *t, double setup, double total)
{
    static const char *const names[FO_STAGE_COUNT] = {"decode", "match", "zones", "ocr",
                                                      "checks"};
    fprintf(stderr, "formocr: timings (seconds, %% of the run, ms per page):\n");
    fprintf(stderr, "  %-8s %8.3f\n", "setup", setup);
    for (int s = 0; s < FO_STAGE_COUNT; s++) {
        fprintf(stderr, "  %-8s %8.3f %5.1f %%  %7.1f\n", names[s], t->seconds[s],
                total > 0 ? 100 * t->seconds[s] / total : 0,
                t->pages ? 1000 * t->seconds[s] / t->pages : 0);
    }
    fprintf(stderr, "  %-8s %8.3f %5.1f %%  %7.1f\n", "output", t->output_seconds,
            total > 0 ? 100 * t->output_seconds / total : 0,
            t->pages ? 1000 * t->output_seconds / t->pages : 0);
    fprintf(stderr, "  %-8s %8.3f   (pages: %d, setup excluded)\n", "total", total,
            t->pages);
}


static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Runs one file; returns 0, or an exit status when the run must stop. */
static int run_file(const fo_pipeline *p, fo_reader *reader, fo_sink *sink,
                    const char *path, tally *t)
{
    fo_document d;
    fo_error err;
    int rc = fo_document_process(p, reader, path, &d, &err);
    if (rc != FO_OK) {
        cli_error("%s: %s", path, err.message);
        fo_document_free(&d);
        return rc == FO_ERR_OCR ? EXIT_USAGE : EXIT_OUTPUT;
    }
    if (d.status == FO_DOC_ERROR)
        cli_error("%s: %s", path, d.error);
    t->documents++;
    t->pages += d.pages;
    t->by_status[d.status]++;
    for (int s = 0; s < FO_STAGE_COUNT; s++)
        t->seconds[s] += d.seconds[s];
    double t0 = now();
    rc = fo_sink_write(sink, &d, &err);
    t->output_seconds += now() - t0;
    fo_document_free(&d);
    if (rc != FO_OK) {
        cli_error("%s", err.message);
        return EXIT_OUTPUT;
    }
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const fo_pipeline *p, fo_reader *reader, fo_sink *sink,
                    const char *path, tally *t)
{
    struct dirent **entries;
    int n, stop = 0;
    if (!fo_is_dir(path))
        return run_file(p, reader, sink, path, t);
    n = scandir(path, &entries, NULL, by_name);
    if (n < 0) {
        cli_error("%s: cannot list folder", path);
        t->documents++;
        t->by_status[FO_DOC_ERROR]++;
        return 0;
    }
    for (int i = 0; i < n; i++) {
        char *child = NULL;
        if (!stop && entries[i]->d_name[0] != '.' &&
            (child = fo_path_join(path, entries[i]->d_name)) != NULL &&
            fo_is_regular_file(child) && strcmp(entries[i]->d_name, "truth.json") != 0)
            stop = run_file(p, reader, sink, child, t);
        free(child);
        free(entries[i]);
    }
    free(entries);
    return stop;
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"templates", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
        {"tessdata", required_argument, NULL, OPT_TESSDATA},
        {"timings", no_argument, NULL, OPT_TIMINGS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *tpaths[MAX_ARGS];
    const char *output = "-", *tessdata = NULL;
    int ntpaths = 0, c, quiet = 0, timings = 0, status = EXIT_OK, noutputs = 0;
    fo_pipeline p = {0};
    fo_template_set *set = NULL;
    fo_matcher *matcher = NULL;
    fo_zone_forms *forms = NULL;
    fo_reader *reader = NULL;
    fo_sink *sink = NULL;
    fo_error err;
    tally t = {0};
    double start, setup_start = now();

    fo_image_limits_default(&p.limits);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (ntpaths == MAX_ARGS)
                return cli_usage_error("run", "too many -t options");
            tpaths[ntpaths++] = optarg;
            break;
        case 'o':
            if (noutputs++ > 0)
                return cli_usage_error("run", "one -o for now");
            output = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "jsonl") != 0)
                return cli_usage_error("run", "--format: only jsonl for now, not \"%s\"",
                                       optarg);
            break;
        case OPT_DEBUG_DIR: p.debug_dir = optarg; break;
        case OPT_TESSDATA: tessdata = optarg; break;
        case OPT_TIMINGS: timings = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("run", "option \"%s\" needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("run", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("run", "no scan given");
    if (strcmp(output, "-") != 0) {
        const char *dot = strrchr(output, '.');
        if (!dot || strcmp(dot, ".jsonl") != 0)
            return cli_usage_error("run", "cannot tell the format of \"%s\" (use .jsonl)",
                                   output);
    }
    if (p.debug_dir && !fo_is_dir(p.debug_dir) && mkdir(p.debug_dir, 0755) != 0) {
        cli_error("%s: cannot create folder", p.debug_dir);
        return EXIT_OUTPUT;
    }
    if (ntpaths == 0)
        tpaths[ntpaths++] = cli_default_templates();
    if (fo_template_set_load(tpaths, ntpaths, &set, &err) != FO_OK) {
        cli_error("%s", err.message);
        return EXIT_USAGE;
    }
    if (fo_matcher_create(set, &matcher, &err) != FO_OK ||
        fo_zone_forms_create(set, &forms, &err) != FO_OK ||
        fo_reader_create(tessdata, &reader, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_USAGE;
        goto out;
    }
    p.templates = set;
    p.matcher = matcher;
    p.forms = forms;
    if (fo_sink_open_jsonl(output, &sink, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_OUTPUT;
        goto out;
    }
    start = now();
    for (int i = optind; i < argc && status == EXIT_OK; i++)
        status = run_path(&p, reader, sink, argv[i], &t);
    if (status != EXIT_OK) {
        fo_sink_abort(&sink);
        goto out;
    }
    if (fo_sink_close(&sink, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_OUTPUT;
        goto out;
    }
    if (timings)
        print_timings(&t, start - setup_start, now() - start);
    if (!quiet) {
        double secs = now() - start;
        fprintf(stderr,
                "formocr: %d documents, %d pages: %d ok, %d review, %d unmatched, "
                "%d error, %.1f pages/s\n",
                t.documents, t.pages, t.by_status[FO_DOC_OK], t.by_status[FO_DOC_REVIEW],
                t.by_status[FO_DOC_UNMATCHED], t.by_status[FO_DOC_ERROR],
                secs > 0 ? t.pages / secs : 0.0);
    }
    if (t.by_status[FO_DOC_UNMATCHED] + t.by_status[FO_DOC_ERROR] > 0)
        status = EXIT_SOME_FAILED;
out:
    fo_sink_abort(&sink);
    fo_reader_destroy(&reader);
    fo_zone_forms_destroy(&forms);
    fo_matcher_destroy(&matcher);
    fo_template_set_destroy(&set);
    return status;
}
