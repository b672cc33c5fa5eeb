/* cmd_template.c - `formocr template check` and `template import-formiable`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "formocr/formiable.h"
#include "formocr/template.h"

static const char USAGE[] =
    "usage: formocr template check FILE|DIR...\n"
    "       formocr template import-formiable [--force] MAP.json REFERENCE -o DIR\n"
    "\n"
    "check: loads and validates each template (a template.json, a folder holding\n"
    "  one, or a folder of */template.json) and prints one line per template:\n"
    "  name, pages, fields. Errors give file:line:col. Exit 2 if any is invalid.\n"
    "\n"
    "import-formiable: converts a FormIAble field map and the blank form it\n"
    "  describes into DIR/template.json plus DIR/page1.<ext>. The template is\n"
    "  named after DIR and its dpi is taken from the image's width (A4). Review\n"
    "  the result: field names, types and checks are guesses from the map.\n"
    "  -o, --output DIR   folder to write (created if missing)\n"
    "  --force            replace an existing DIR/template.json\n"
    "\n"
    "  -h, --help         show this help and exit\n";

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
        case ':':
            return cli_usage_error("template", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("template", "unknown option \"%s\"",
                                   argv[optind - 1]);
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

int cmd_template(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("template", "which action: check or import-formiable?");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "check") == 0)
        return check(argc - 2, argv + 2);
    if (strcmp(argv[1], "import-formiable") == 0)
        return import_formiable(argc - 1, argv + 1);
    return cli_usage_error("template", "unknown action \"%s\"", argv[1]);
}
