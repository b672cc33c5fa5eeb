/* csv_options.c - the CSV options that run and export share (cli.h). */
#include <string.h>

#include "cli.h"

int cli_csv_layout(const char *command, const char *arg, fo_sink_options *so)
{
    if (strcmp(arg, "wide") == 0)
        so->csv_layout = FO_CSV_WIDE;
    else if (strcmp(arg, "long") == 0)
        so->csv_layout = FO_CSV_LONG;
    else
        return cli_usage_error(command, "--csv-layout is wide or long, not \"%s\"",
                               arg);
    return -1;
}

int cli_csv_sep(const char *command, const char *arg, fo_sink_options *so)
{
    /* a quote or a line break would make the rows unreadable */
    if (strlen(arg) != 1 || strchr("\"\r\n", arg[0]))
        return cli_usage_error(command,
                               "--csv-sep wants one character (not a quote "
                               "or line break), not \"%s\"",
                               arg);
    so->csv_sep = arg[0];
    return -1;
}
