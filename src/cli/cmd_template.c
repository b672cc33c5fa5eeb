/* cmd_template.c - `formocr template check`, `from-pdf`, `from-scan`,
 * `preview` and `import-formiable`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "formocr/author.h"
#include "formocr/formiable.h"
#include "formocr/template.h"
#include "util.h"

static const char USAGE[] =
    "usage: formocr template check FILE|DIR...\n"
    "       formocr template from-pdf FORM.pdf -o DIR [--name NAME] [--dpi N]\n"
    "                                 [--pages LIST] [--force]\n"
    "       formocr template from-scan BLANK -o DIR [--name NAME] [--dpi N]\n"
    "                                  [--pages LIST] [--force]\n"
    "       formocr template preview TEMPLATE -o DIR\n"
    "       formocr template import-formiable [--force] MAP.json REFERENCE -o DIR\n"
    "\n"
    "check: loads and validates each template (a template.json, a folder holding\n"
    "  one, or a folder of */template.json) and prints one line per template:\n"
    "  name, pages, fields. Errors give file:line:col. Exit 2 if any is invalid.\n"
    "  Warns (on stderr, exit status unchanged) where a person has likely erred:\n"
    "  a dpi that gives a reference page no paper's size, fields that overlap, a\n"
    "  text box over the form's printed text. A Tesseract language that is not\n"
    "  installed ($TESSDATA_PREFIX) is an error.\n"
    "\n"
    "from-pdf: makes a template from a PDF form: a fillable one from its form\n"
    "  fields; a flat one (or an XFA-only form) from the boxes drawn on its\n"
    "  pages (boxes, combs, check boxes, writing lines, dotted leaders), each\n"
    "  named from the label printed beside, under or above it. Writes\n"
    "  DIR/template.json, DIR/pageN.png (each page rendered at --dpi) and\n"
    "  DIR/pageN-preview.png (the fields drawn on it). Text fields become boxes\n"
    "  (combs with their cell count), check boxes checkboxes, radio groups\n"
    "  choices, signature fields signatures; tooltips are kept as labels. Types\n"
    "  and checks inferred from the labels (dates, SIRET, SIREN, NIR, postal\n"
    "  codes, IBAN, amounts) are printed on stderr: confirm them.\n"
    "  -o, --output DIR   folder to write (created if missing)\n"
    "  --name NAME        the template's name (default: DIR's last component)\n"
    "  --dpi N            resolution of the reference images (default 300)\n"
    "  --pages LIST       pages to take, e.g. 1,3-4 (default: all)\n"
    "  --force            replace an existing DIR/template.json\n"
    "\n"
    "from-scan: makes a template from a scanned blank form (TIFF, PNG, JPEG,\n"
    "  PNM, or a scanned PDF; each page upright): DIR/pageN.png (the page in\n"
    "  grey, deskewed) and the boxes found on it as from-pdf finds them on a\n"
    "  flat PDF, named from the labels Tesseract reads (French) beside, under\n"
    "  or above them. Options as from-pdf; --dpi N: the scan's resolution\n"
    "  (default: the file's, else its width taken as A4's).\n"
    "\n"
    "preview: draws a template's fields on its reference images, coloured by\n"
    "  type (text blue, number and date green, checkbox and choice orange,\n"
    "  signature purple), into DIR/pageN-preview.png.\n"
    "\n"
    "import-formiable: converts a FormIAble field map and the blank form it\n"
    "  describes into DIR/template.json plus DIR/page1.<ext>. The template is\n"
    "  named after DIR and its dpi is taken from the image's width (A4). Review\n"
    "  the result: field names, types and checks are guesses from the map.\n"
    "  -o, --output DIR   folder to write (created if missing)\n"
    "  --force            replace an existing DIR/template.json\n"
    "\n"
    "  -h, --help         show this help and exit\n";

/* The usage error for getopt's answer c (':' a missing value, else an
 * unknown option), the option being argv[optind - 1]. */
static int bad_option(int c, char **argv)
{
    return cli_usage_error(
        "template", c == ':' ? "option \"%s\" needs a value" : "unknown option \"%s\"",
        argv[optind - 1]);
}

static void print_summary(const fo_template *t)
{
    printf("%s: %s: %d page%s, %d field%s\n", t->path, t->name, t->npages,
           t->npages == 1 ? "" : "s", t->nfields, t->nfields == 1 ? "" : "s");
}

/* Templates must have distinct names to be used together in a run. */
static bool name_clash(fo_template **seen, int nseen, const fo_template *t)
{
    for (int i = 0; i < nseen; i++) {
        if (strcmp(seen[i]->name, t->name) == 0) {
            cli_error("%s: template name \"%s\" is already used by %s", t->path,
                      t->name, seen[i]->path);
            return true;
        }
    }
    return false;
}

/* A template check warning, on stderr: "formocr: warning: PATH: LINE". */
static void print_warning(void *ctx, const char *line)
{
    fprintf(stderr, "formocr: warning: %s: %s\n", (const char *)ctx, line);
}

static int check(int argc, char **argv)
{
    fo_template **seen = NULL;
    int nseen = 0, failed = 0;

    if (argc < 1)
        return cli_usage_error("template", "check: no template given");
    for (int i = 0; i < argc; i++) {
        char **files = NULL;
        fo_error err;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(USAGE, stdout);
            goto out;
        }
        if (fo_template_paths(argv[i], &files, &err) != FO_OK) {
            cli_error("%s", err.message);
            failed = 1;
            continue;
        }
        for (char **f = files; *f; f++) {
            fo_template *t = NULL;
            fo_template **grown;
            if (fo_template_load(*f, &t, &err) != FO_OK) {
                cli_error("%s", err.message);
                failed = 1;
                continue;
            }
            if (name_clash(seen, nseen, t)) {
                failed = 1;
                fo_template_destroy(&t);
                continue;
            }
            print_summary(t);
            if (fo_template_lint(t, NULL, print_warning, t->path, NULL, &err) !=
                FO_OK) {
                cli_error("%s: %s", t->path, err.message);
                failed = 1;
            }
            fo_template_release_images(t);
            grown = realloc(seen, (size_t)(nseen + 1) * sizeof *seen);
            if (!grown) {
                cli_error("out of memory");
                fo_template_destroy(&t);
                failed = 1;
                break;
            }
            seen = grown;
            seen[nseen++] = t;
        }
        fo_template_paths_free(&files);
    }
out:
    for (int i = 0; i < nseen; i++)
        fo_template_destroy(&seen[i]);
    free(seen);
    return failed ? EXIT_USAGE : EXIT_OK;
}

static int import_formiable(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"force", no_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *out_dir = NULL;
    bool force = false;
    fo_template *t = NULL;
    fo_error err;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 'f': force = true; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        default: return bad_option(c, argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("template", "import-formiable wants MAP.json and "
                                           "REFERENCE");
    if (!out_dir)
        return cli_usage_error("template", "import-formiable wants -o DIR");
    if (fo_formiable_import(argv[optind], argv[optind + 1], out_dir, force, &t, &err) !=
        FO_OK) {
        cli_error("%s", err.message);
        return err.code == FO_ERR_OUTPUT ? EXIT_OUTPUT : EXIT_USAGE;
    }
    print_summary(t);
    fo_template_destroy(&t);
    return EXIT_OK;
}

static void print_note(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "formocr: note: %s\n", line);
}

/* from-pdf and from-scan: one command line, two sources. */
static int from_source(int argc, char **argv, bool scan)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"dpi", required_argument, NULL, 'd'},
                                             {"pages", required_argument, NULL, 'p'},
                                             {"force", no_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    fo_pdf_template_options o = {.note = print_note};
    const char *out_dir = NULL;
    fo_template *t = NULL;
    fo_error err;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 'n': o.name = optarg; break;
        case 'd': {
            long long v;
            if (!fo_parse_int(optarg, 72, 1200, &v))
                return cli_usage_error("template",
                                       "--dpi wants a number from 72 to 1200");
            o.dpi = (int)v;
            break;
        }
        case 'p': o.pages = optarg; break;
        case 'f': o.force = true; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        default: return bad_option(c, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("template", scan ? "from-scan wants one BLANK image"
                                                : "from-pdf wants one FORM.pdf");
    if (!out_dir)
        return cli_usage_error("template", "%s wants -o DIR",
                               scan ? "from-scan" : "from-pdf");
    if ((scan ? fo_template_from_scan(argv[optind], out_dir, &o, &t, &err)
              : fo_template_from_pdf(argv[optind], out_dir, &o, &t, &err)) != FO_OK ||
        fo_template_preview(t, out_dir, &err) != FO_OK) {
        cli_error("%s", err.message);
        fo_template_destroy(&t);
        return err.code == FO_ERR_OUTPUT ? EXIT_OUTPUT : EXIT_USAGE;
    }
    print_summary(t);
    fo_template_destroy(&t);
    return EXIT_OK;
}

static int preview(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *out_dir = NULL;
    fo_template *t = NULL;
    char **files = NULL;
    fo_error err;
    int c, n = 0, status = EXIT_OK;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        default: return bad_option(c, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("template", "preview wants one TEMPLATE");
    if (!out_dir)
        return cli_usage_error("template", "preview wants -o DIR");
    if (fo_make_dir(out_dir, &err) != FO_OK) {
        cli_error("%s", err.message);
        return EXIT_OUTPUT;
    }
    if (fo_template_paths(argv[optind], &files, &err) != FO_OK) {
        cli_error("%s", err.message);
        return EXIT_USAGE;
    }
    for (n = 0; files[n]; n++)
        ;
    if (n != 1) {
        cli_error("%s: holds %d templates: name one", argv[optind], n);
        status = EXIT_USAGE;
    } else if (fo_template_load(files[0], &t, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_USAGE;
    } else if (fo_template_preview(t, out_dir, &err) != FO_OK) {
        cli_error("%s", err.message);
        status = EXIT_OUTPUT;
    } else {
        print_summary(t);
    }
    fo_template_destroy(&t);
    fo_template_paths_free(&files);
    return status;
}

int cmd_template(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(
            "template",
            "which action: check, from-pdf, from-scan, preview or import-formiable?");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "check") == 0)
        return check(argc - 2, argv + 2);
    if (strcmp(argv[1], "import-formiable") == 0)
        return import_formiable(argc - 1, argv + 1);
    if (strcmp(argv[1], "from-pdf") == 0)
        return from_source(argc - 1, argv + 1, false);
    if (strcmp(argv[1], "from-scan") == 0)
        return from_source(argc - 1, argv + 1, true);
    if (strcmp(argv[1], "preview") == 0)
        return preview(argc - 1, argv + 1);
    return cli_usage_error("template", "unknown action \"%s\"", argv[1]);
}
