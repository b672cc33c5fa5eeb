/* cli.h - the formocr command line: subcommands and shared helpers. */
#ifndef FORMOCR_CLI_H
#define FORMOCR_CLI_H

#include <stdbool.h>

#include "formocr/sink.h"

/* Exit statuses (DESIGN.md §2). */
enum {
    EXIT_OK = 0,
    EXIT_SOME_FAILED = 1, /* done, but some input failed */
    EXIT_USAGE = 2,       /* usage, template or configuration error */
    EXIT_OUTPUT = 3,      /* an output could not be written, or is locked */
    /* run stopped by a signal (SIGINT, SIGTERM): 128 + its number, as a
     * shell reports a command the signal killed (130, 143), though the
     * run first finished the documents in flight and completed its outputs */
    EXIT_SIGNAL_BASE = 128
};

int cmd_info(int argc, char **argv);
int cmd_template(int argc, char **argv);
int cmd_prep(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Prints "formocr: " and the formatted message on stderr, one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error: prints the message and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --csv-layout wide|long and --csv-sep C into so: -1 when taken, else the
 * exit status of the usage error printed (run and export share them). */
int cli_csv_layout(const char *command, const char *arg, fo_sink_options *so);
int cli_csv_sep(const char *command, const char *arg, fo_sink_options *so);

#endif
