/* cmd_match.c - `formocr match`: classify and align, one JSON line a page. */
#include <getopt.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "formocr/pipeline.h"
#include "formocr/source.h"

static const char USAGE[] =
    "usage: formocr match [options] PATH...\n"
    "\n"
    "Finds, for every page of every scan (files, or the scans in folders, as\n"
    "`run` takes them), which template page it shows and the transform that\n"
    "maps the template's pixels onto the scan's, and prints one JSON line per\n"
    "page:\n"
    "  {\"file\", \"page\", \"template\", \"template_page\", \"score\",\n"
    "   \"orientation\", \"skew\", \"transform\": [a, b, c, d, e, f], "
    "\"residual_px\"}\n"
    "with x' = a*x + b*y + c, y' = d*x + e*y + f. A page that matches no\n"
    "template has \"template\": null and its best score.\n"
    "\n"
    "options:\n"
    "  -t, --templates PATH  a template file, or a folder of */template.json;\n"
    "                        repeatable (default $FORMOCR_TEMPLATES, else\n"
    "                        ./templates)\n"
    "  --dpi N               resolution of scans whose file has none (default:\n"
    "                        estimated from the page size, as an A4 page)\n"
    "  --cache-dir DIR       keep the templates' matcher models there between\n"
    "                        runs (default $XDG_CACHE_HOME/formocr, else\n"
    "                        ~/.cache/formocr)\n"
    "  --no-cache            derive them all at start, keep nothing on disk\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "exit status: 0 every page matched, 1 some file failed or some page matched\n"
    "no template, 2 usage or template error.\n";

enum { OPT_DPI = 256, OPT_CACHE_DIR, OPT_NO_CACHE, MAX_TEMPLATE_ARGS = 64 };

static int match_file(const fo_pipeline *p, const char *path, int dpi)
{
    fo_image *img = NULL;
    fo_error err;
    int failed = 0;

    if (fo_image_open(path, NULL, &img, &err) != FO_OK) {
        cli_error("%s: %s", path, err.message);
        return 1;
    }
    for (int page = 0; page < fo_image_page_count(img); page++) {
        fo_page_info info;
        fo_match m;
        PIX *pix = NULL;
        char *text;
        if (fo_image_decode(img, page, &pix, &info, &err) != FO_OK ||
            fo_pipeline_match_page(
                p, &pix, dpi > 0 && !info.dpi_from_file ? dpi : info.xdpi,
                info.dpi_from_file || dpi > 0, &m, NULL, &err) != FO_OK) {
            cli_error("%s: page %d: %s", path, page + 1, err.message);
            pixDestroy(&pix);
            failed = 1;
            continue;
        }
        pixDestroy(&pix);
        text = fo_match_to_json(path, page + 1, &m);
        if (text)
            puts(text);
        free(text);
        if (!m.template)
            failed = 1;
    }
    fflush(stdout);
    fo_image_destroy(&img);
    return failed;
}

static void report_problem(void *ctx, const char *path, const char *message)
{
    (void)ctx;
    cli_error("%s: %s", path, message);
}

int cmd_match(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"templates", required_argument, NULL, 't'},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *tpaths[MAX_TEMPLATE_ARGS];
    char *default_templates = NULL;
    int dpi = 0, c, failed = 0;
    fo_pipeline_options po;
    fo_pipeline *pipeline = NULL;
    fo_inputs in;
    fo_error err;
    long long v;

    fo_pipeline_options_default(&po);
    po.match_only = true;
    po.templates = tpaths;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (po.ntemplates == MAX_TEMPLATE_ARGS)
                return cli_usage_error("match", "too many -t options");
            tpaths[po.ntemplates++] = optarg;
            break;
        case OPT_DPI:
            if (!fo_parse_int(optarg, 10, 10000, &v))
                return cli_usage_error("match",
                                       "--dpi wants a resolution from 10 to "
                                       "10000, not \"%s\"",
                                       optarg);
            dpi = (int)v;
            break;
        case OPT_CACHE_DIR: po.cache_dir = optarg; break;
        case OPT_NO_CACHE: po.no_cache = true; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("match", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("match", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("match", "no scan given");
    if (po.ntemplates == 0) {
        if (!(default_templates = fo_template_default_path())) {
            cli_error("out of memory");
            return EXIT_USAGE;
        }
        tpaths[po.ntemplates++] = default_templates;
    }
    if (fo_pipeline_create(&po, &pipeline, &err) != FO_OK) {
        cli_error("%s", err.message);
        free(default_templates);
        return EXIT_USAGE;
    }
    free(default_templates);
    if (fo_pipeline_warning(pipeline)[0])
        fprintf(stderr, "formocr: %s\n", fo_pipeline_warning(pipeline));
    /* the files a run would read (folders give their scans) */
    if (fo_source_list((const char *const *)argv + optind, argc - optind, NULL,
                       report_problem, NULL, &in, &err) != FO_OK) {
        cli_error("%s", err.message);
        fo_pipeline_destroy(&pipeline);
        return EXIT_SOME_FAILED;
    }
    failed = in.problems > 0;
    for (int i = 0; i < in.count; i++)
        failed |= match_file(pipeline, in.paths[i], dpi);
    fo_inputs_free(&in);
    fo_pipeline_destroy(&pipeline);
    return failed ? EXIT_SOME_FAILED : EXIT_OK;
}
