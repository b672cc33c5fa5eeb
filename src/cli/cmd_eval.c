/* cmd_eval.c - `formocr eval`: how right are the results? */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "formocr/eval.h"

static const char USAGE[] =
    "usage: formocr eval --truth truth.json [options] RESULTS.jsonl...\n"
    "\n"
    "Compares results (`formocr run` JSON Lines) with the known values of the\n"
    "same scans (truth.json, as scripts/make-samples.py writes it) and prints:\n"
    "classification accuracy, field exact-match accuracy, silent errors (status\n"
    "ok but wrong), flagged fields right and wrong, straight-through documents\n"
    "(every field ok and right), and a breakdown per field type.\n"
    "\n"
    "options:\n"
    "  --truth FILE            the known values (required)\n"
    "  -t, --templates PATH    templates, for field types (default\n"
    "                          $FORMOCR_TEMPLATES, else ./templates)\n"
    "  --min-accuracy P        exit 1 when field exact-match is below P %\n"
    "  --max-silent P          exit 1 when silent errors exceed P % of fields\n"
    "  --min-classification P  exit 1 when fewer than P % of documents have the\n"
    "                          right template (foreign pages: none)\n"
    "  --errors                list every wrong value\n"
    "  -h, --help              show this help and exit\n";

enum { OPT_TRUTH = 256, OPT_MIN_ACC, OPT_MAX_SILENT, OPT_MIN_CLASS, OPT_ERRORS };

static bool parse_percent(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || v < 0 || v > 100)
        return false;
    *out = v;
    return true;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"truth", required_argument, NULL, OPT_TRUTH},
        {"templates", required_argument, NULL, 't'},
        {"min-accuracy", required_argument, NULL, OPT_MIN_ACC},
        {"max-silent", required_argument, NULL, OPT_MAX_SILENT},
        {"min-classification", required_argument, NULL, OPT_MIN_CLASS},
        {"errors", no_argument, NULL, OPT_ERRORS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *truth = NULL, *tpath = NULL;
    char *default_templates = NULL;
    double min_acc = 0, max_silent = 100, min_class = 0;
    bool list = false;
    fo_template_set *set = NULL;
    fo_eval *e = NULL;
    fo_eval_summary s;
    fo_error err;
    int c, rc, status = EXIT_OK;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1) {
        double *target = c == OPT_MIN_ACC      ? &min_acc
                         : c == OPT_MAX_SILENT ? &max_silent
                                               : &min_class;
        switch (c) {
        case OPT_TRUTH: truth = optarg; break;
        case 't': tpath = optarg; break;
        case OPT_MIN_ACC:
        case OPT_MAX_SILENT:
        case OPT_MIN_CLASS:
            if (!parse_percent(optarg, target))
                return cli_usage_error("eval",
                                       "%s wants a percentage from 0 to 100, not "
                                       "\"%s\"",
                                       argv[optind - 1], optarg);
            break;
        case OPT_ERRORS: list = true; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("eval", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("eval", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (!truth)
        return cli_usage_error("eval", "--truth is required");
    if (optind >= argc)
        return cli_usage_error("eval", "no results given");
    if (!tpath && !(tpath = default_templates = fo_template_default_path())) {
        cli_error("out of memory");
        return EXIT_USAGE;
    }
    rc = fo_template_set_load(&tpath, 1, &set, &err);
    free(default_templates);
    if (rc != FO_OK) {
        cli_error("%s", err.message);
        return EXIT_USAGE;
    }
    if (fo_eval_create(truth, set, &e, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_USAGE;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        if (fo_eval_add_results(e, argv[i], &err) != FO_OK) {
            cli_error("%s", err.message);
            status = EXIT_USAGE;
            goto out;
        }
    }
    fo_eval_print(e, stdout, list);
    fo_eval_summarise(e, &s);
    if (s.fields && 100.0 * s.exact / s.fields < min_acc) {
        cli_error("field exact-match %.2f %% is below %.2f %%",
                  100.0 * s.exact / s.fields, min_acc);
        status = EXIT_SOME_FAILED;
    }
    if (s.fields && 100.0 * s.silent / s.fields > max_silent) {
        cli_error("silent errors %.2f %% exceed %.2f %%", 100.0 * s.silent / s.fields,
                  max_silent);
        status = EXIT_SOME_FAILED;
    }
    if (s.documents && 100.0 * s.templates_right / s.documents < min_class) {
        cli_error("classification %.2f %% is below %.2f %%",
                  100.0 * s.templates_right / s.documents, min_class);
        status = EXIT_SOME_FAILED;
    }
out:
    fo_eval_destroy(&e);
    fo_template_set_destroy(&set);
    return status;
}
