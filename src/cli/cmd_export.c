/* cmd_export.c - `formocr export`: every document of a database to a file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "formocr/export.h"

static const char USAGE[] =
    "usage: formocr export OUT.sqlite -o FILE [options]\n"
    "\n"
    "Writes every document of a formocr database (the SQLite output of\n"
    "`formocr run`, whichever run read it), with people's corrections in place\n"
    "of the machine's readings, to one file; `run -o x.csv` holds only that\n"
    "run's documents. Only the database is read: no template is needed.\n"
    "\n"
    "output (-o; the format comes from the extension):\n"
    "  -o, --output FILE     .csv, .jsonl (the lines `run` writes) or .xlsx: a\n"
    "                        sheet per template (its name cut to 31 characters,\n"
    "                        ~2 added to tell two apart), a row per document,\n"
    "                        columns file, first_page, last_page, status,\n"
    "                        processed_at (UTC), then each field's value,\n"
    "                        <field>_status and <field>_reason; identifiers as\n"
    "                        text (01000 stays 01000), dates as dates, numbers as\n"
    "                        numbers; unmatched and error documents on the sheet\n"
    "                        \"unmatched\"; {template} in a CSV path makes one\n"
    "                        file per template\n"
    "  --csv-layout wide|long  wide: a row per document, a column per field (with\n"
    "                        several templates it needs {template} in the path);\n"
    "                        long: a row per field (default wide)\n"
    "  --csv-sep C           column separator (default ,)\n"
    "  --decimal-comma       decimals with a comma\n"
    "  --bom                 start CSV files with a UTF-8 byte order mark\n"
    "                        (French Excel: --csv-sep ';' --decimal-comma --bom)\n"
    "  --lock-timeout S      wait up to S seconds for another formocr writing\n"
    "                        the same output (default 0)\n"
    "documents (all by default):\n"
    "  --template NAME       only this template's documents\n"
    "  --since DATE          only documents processed at or after DATE:\n"
    "                        YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]\n"
    "                        (without a zone: UTC, as processed_at)\n"
    "  --status LIST         only documents of these statuses: a comma list of\n"
    "                        ok, review, unmatched, error\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "exit status: 0 every document kept was written, 1 the database could not\n"
    "be read (missing, not formocr's, of a newer formocr) or the documents of a\n"
    "template it could not take were left out, 2 usage, 3 the output could not\n"
    "be written or is locked.\n";

enum {
    OPT_TEMPLATE = 256,
    OPT_SINCE,
    OPT_STATUS,
    OPT_CSV_LAYOUT,
    OPT_CSV_SEP,
    OPT_DECIMAL_COMMA,
    OPT_BOM,
    OPT_LOCK_TIMEOUT
};

static void notice(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("%s", message);
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"template", required_argument, NULL, OPT_TEMPLATE},
        {"since", required_argument, NULL, OPT_SINCE},
        {"status", required_argument, NULL, OPT_STATUS},
        {"csv-layout", required_argument, NULL, OPT_CSV_LAYOUT},
        {"csv-sep", required_argument, NULL, OPT_CSV_SEP},
        {"decimal-comma", no_argument, NULL, OPT_DECIMAL_COMMA},
        {"bom", no_argument, NULL, OPT_BOM},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output = NULL;
    fo_export_options o;
    fo_export_summary sum;
    fo_error err;
    long long v;
    int c, status, quiet = 0, rc;

    fo_export_options_default(&o);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_TEMPLATE:
            /* names are what formocr writes; anything else finds nothing */
            if (!*optarg)
                return cli_usage_error("export", "--template wants a template name");
            o.template_name = optarg;
            break;
        case OPT_SINCE:
            if (fo_export_parse_since(optarg, o.since, &err) != FO_OK)
                return cli_usage_error("export", "%s", err.message);
            break;
        case OPT_STATUS:
            if (fo_export_parse_statuses(optarg, &o.statuses, &err) != FO_OK)
                return cli_usage_error("export", "%s", err.message);
            break;
        case OPT_CSV_LAYOUT:
            if ((status = cli_csv_layout("export", optarg, &o.sink)) >= 0)
                return status;
            break;
        case OPT_CSV_SEP:
            if ((status = cli_csv_sep("export", optarg, &o.sink)) >= 0)
                return status;
            break;
        case OPT_DECIMAL_COMMA: o.sink.decimal_comma = true; break;
        case OPT_BOM: o.sink.bom = true; break;
        case OPT_LOCK_TIMEOUT:
            if (!fo_parse_int(optarg, 0, 86400, &v))
                return cli_usage_error("export",
                                       "--lock-timeout wants seconds from 0 to "
                                       "86400, not \"%s\"",
                                       optarg);
            o.sink.lock_timeout = (double)v;
            break;
        case 'q': quiet = 1; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("export", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("export", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("export", "no database given");
    if (argc - optind > 1)
        return cli_usage_error("export", "one database at a time, not %d",
                               argc - optind);
    if (!output)
        return cli_usage_error("export", "-o FILE is required");
    rc = fo_export(argv[optind], output, &o, notice, NULL, &sum, &err);
    if (rc != FO_OK) {
        if (rc == FO_ERR_USAGE)
            return cli_usage_error("export", "%s", err.message);
        cli_error("%s", err.message);
        return rc == FO_ERR_IO ? EXIT_SOME_FAILED : EXIT_OUTPUT;
    }
    if (!quiet)
        fprintf(stderr, "formocr: %d documents exported to %s\n", sum.documents,
                output);
    if (sum.left_out > 0) {
        cli_error("%d documents left out (see above)", sum.left_out);
        return EXIT_SOME_FAILED;
    }
    return EXIT_OK;
}
