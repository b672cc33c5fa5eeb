/* cmd_merge.c - `formocr merge`: shards' SQLite files into one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "formocr/sink.h"

static const char USAGE[] =
    "usage: formocr merge -o ALL.sqlite PART.sqlite...\n"
    "\n"
    "Merges SQLite outputs of `formocr run` (the shards of an array job) into\n"
    "one: every document once (the same file in two parts: the most recently\n"
    "processed stays), every run kept, the per-template views rebuilt. Each\n"
    "part goes in whole or not at all; merging again gives the same database.\n"
    "Parts of another schema version are refused.\n"
    "\n"
    "options:\n"
    "  -o, --output PATH     the SQLite file to merge into (created if needed)\n"
    "  --lock-timeout S      wait up to S seconds for a run using the output\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "exit status: 0 every part merged, 1 some part refused, 2 usage, 3 the\n"
    "output could not be written or is locked.\n";

enum { OPT_LOCK_TIMEOUT = 256 };

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output = NULL;
    fo_sink_options so;
    fo_sink *sink = NULL;
    fo_error err;
    long long v;
    int c, quiet = 0, merged = 0, failed = 0;

    fo_sink_options_default(&so);
    so.command = NULL; /* the parts bring their runs */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_LOCK_TIMEOUT:
            if (!fo_parse_int(optarg, 0, 86400, &v))
                return cli_usage_error("merge",
                                       "--lock-timeout wants seconds from 0 to "
                                       "86400, not \"%s\"",
                                       optarg);
            so.lock_timeout = (double)v;
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("merge", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("merge", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (!output)
        return cli_usage_error("merge", "-o ALL.sqlite is required");
    if (optind >= argc)
        return cli_usage_error("merge", "no part given");
    if (strcmp(output, "-") == 0 ||
        (!strstr(output, ".sqlite") && !strstr(output, ".db")))
        return cli_usage_error("merge",
                               "the output must be an SQLite file (.sqlite or .db)");
    if (fo_sink_open(output, &so, &sink, &err) != FO_OK) {
        cli_error("%s", err.message);
        return err.code == FO_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
    }
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], output) == 0) {
            cli_error("%s: is the output itself", argv[i]);
            failed++;
            continue;
        }
        if (fo_sink_merge(sink, argv[i], &err) != FO_OK) {
            cli_error("%s", err.message);
            if (err.code == FO_ERR_OUTPUT || err.code == FO_ERR_NOMEM) {
                fo_sink_abort(&sink);
                return EXIT_OUTPUT;
            }
            failed++;
            continue;
        }
        merged++;
    }
    if (fo_sink_close(&sink, &err) != FO_OK) {
        cli_error("%s", err.message);
        return EXIT_OUTPUT;
    }
    if (!quiet)
        fprintf(stderr, "formocr: %d parts merged into %s, %d refused\n", merged,
                output, failed);
    return failed ? EXIT_SOME_FAILED : EXIT_OK;
}
