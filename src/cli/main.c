/* main.c - formocr's entry point: dispatches to the subcommands. */
#include <jansson.h>
#include <leptonica/allheaders.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "formocr/error.h"
#include "formocr/read.h"

static const char USAGE[] =
    "usage: formocr COMMAND [options] ...\n"
    "\n"
    "Turns scanned administrative forms into data.\n"
    "\n"
    "commands:\n"
    "  info FILE...                 format, compression, size, depth and DPI of\n"
    "                               each page of each scan\n"
    "  template check FILE|DIR...   validate templates (file:line:col on error)\n"
    "  template from-pdf FORM.pdf -o DIR\n"
    "                               make a template from a PDF form (its form\n"
    "                               fields, or the boxes drawn on a flat one)\n"
    "  template from-scan BLANK -o DIR\n"
    "                               make a template from a scanned blank form\n"
    "  template preview TEMPLATE -o DIR\n"
    "                               draw a template's fields on its pages\n"
    "  template import-formiable MAP.json REFERENCE.png -o DIR\n"
    "                               convert a FormIAble field map into a template\n"
    "  prep IN OUT                  write the cleaned page: upright, deskewed,\n"
    "                               binarized\n"
    "  match [-t TEMPLATES] PATH... which template each page is, and where: one\n"
    "                               JSON line per page\n"
    "  run [-t TEMPLATES] [-o OUT] PATH...\n"
    "                               read the scans' fields: values, confidence,\n"
    "                               status, as JSON Lines\n"
    "  eval --truth truth.json RESULTS.jsonl\n"
    "                               field-level accuracy of results\n"
    "  merge -o ALL.sqlite PART.sqlite...\n"
    "                               merge the SQLite outputs of shards\n"
    "  review OUT.sqlite            a local page to decide the flagged fields\n"
    "  export OUT.sqlite -o FILE    every document of a database, with people's\n"
    "                               corrections, as .csv, .jsonl or .xlsx\n"
    "\n"
    "options:\n"
    "  -h, --help                   show this help and exit\n"
    "  -V, --version                show the version and exit\n"
    "\n"
    "'formocr COMMAND --help' describes a command's options.\n"
    "exit status: 0 all inputs done, 1 some input failed, 2 usage or template\n"
    "error, 3 output error; run stopped by SIGINT or SIGTERM: 130 or 143.\n";

/* Prints "formocr: " and the message, one line: names are bytes, so a
 * control character or a byte that is not UTF-8 is shown escaped (\xHH),
 * and a newline in a file name cannot forge a second line. */
static void print_message(const char *fmt, va_list ap, const char *tail)
    __attribute__((format(printf, 1, 0)));

static void print_message(const char *fmt, va_list ap, const char *tail)
{
    char message[2 * FO_ERROR_MESSAGE_MAX], *shown;
    vsnprintf(message, sizeof message, fmt, ap);
    shown = fo_escape_text(message, FO_ESCAPE_CONTROL);
    fprintf(stderr, "formocr: %s%s\n", shown ? shown : message, tail);
    free(shown);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_message(fmt, ap, "");
    va_end(ap);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    char tail[64];
    va_list ap;
    snprintf(tail, sizeof tail, " (see 'formocr %s%s--help')", command ? command : "",
             command ? " " : "");
    va_start(ap, fmt);
    print_message(fmt, ap, tail);
    va_end(ap);
    return EXIT_USAGE;
}

/*
 * Tesseract's OpenMP reads OMP_THREAD_LIMIT once, when the process starts:
 * setting it later has no effect.  Unless the user chose a value, formocr
 * starts itself again with OMP_THREAD_LIMIT=1 (Tesseract runs several times
 * slower on small machines otherwise; formocr's own workers are the
 * parallelism).  If that fails, the run goes on as it is.
 */
static void ensure_single_openmp_thread(char **argv)
{
    if (getenv("OMP_THREAD_LIMIT"))
        return;
    if (setenv("OMP_THREAD_LIMIT", "1", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
}

/* The versions, and the OCR language data a run would use (that of
 * $TESSDATA_PREFIX, else Tesseract's own): what a bug report needs. */
static void print_version(void)
{
    char *libs = getImagelibVersions(), *dir = NULL, *languages = NULL;
    fo_error err;
    printf("formocr %s\n", fo_version());
    printf("leptonica %d.%d.%d (%s), jansson %s\n", LIBLEPT_MAJOR_VERSION,
           LIBLEPT_MINOR_VERSION, LIBLEPT_PATCH_VERSION, libs ? libs : "",
           jansson_version_str());
    printf("tesseract %s\n", fo_ocr_version());
    if (fo_ocr_data(NULL, &dir, &languages, &err) == FO_OK)
        printf("language data: %s in %s\n", *languages ? languages : "none", dir);
    else
        printf("language data: unknown (%s)\n", err.message);
    free(libs);
    free(dir);
    free(languages);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        print_version();
        return EXIT_OK;
    }
    if (strcmp(cmd, "info") == 0)
        return cmd_info(argc - 1, argv + 1);
    if (strcmp(cmd, "template") == 0)
        return cmd_template(argc - 1, argv + 1);
    if (strcmp(cmd, "prep") == 0)
        return cmd_prep(argc - 1, argv + 1);
    if (strcmp(cmd, "match") == 0)
        return cmd_match(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0)
        return cmd_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "review") == 0)
        return cmd_review(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0) {
        ensure_single_openmp_thread(argv);
        return cmd_run(argc - 1, argv + 1);
    }
    if (cmd[0] == '-')
        return cli_usage_error(NULL, "unknown option \"%s\"", cmd);
    return cli_usage_error(NULL, "unknown command \"%s\"", cmd);
}
