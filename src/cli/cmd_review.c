/* cmd_review.c - `formocr review`: the flagged fields of a database, on a
 * local web page. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "formocr/review.h"

static const char USAGE[] =
    "usage: formocr review OUT.sqlite [options]\n"
    "\n"
    "Serves a page, on this machine only, that goes through the fields formocr\n"
    "flagged (low_confidence, invalid, missing) document by document: each\n"
    "field's image cut from its scan, upright and aligned, with the form's\n"
    "label, the reading, the reason and the confidence. Enter accepts the value\n"
    "shown or what was typed over it, F2 marks the field unreadable, Tab and\n"
    "the arrows move; the next document follows (PageDown: leave one for\n"
    "later). Each decision is saved at once\n"
    "(one transaction; several people may review one database) in the\n"
    "corrections table, and the field takes the value with status corrected\n"
    "or unreadable; a later `run --force` keeps it. Prints the page's address,\n"
    "which carries this session's token (no token, no page). Stops on Ctrl-C.\n"
    "\n"
    "options:\n"
    "  --port N              listen on port N (default 8765; 0: any free port)\n"
    "  --template NAME       only documents of this template\n"
    "  --who NAME            who decides, recorded with each decision (default:\n"
    "                        the system user)\n"
    "  --scans-dir DIR       where relative scan paths start (default: the\n"
    "                        current folder, as for the run)\n"
    "  --host ADDR           listen on ADDR instead of 127.0.0.1: with\n"
    "                        --allow-remote only, as anyone who can reach it\n"
    "                        and has the address sees the scans\n"
    "  --allow-remote        allow a --host other than the loopback\n"
    "  -h, --help            show this help and exit\n"
    "\n"
    "exit status: 0 stopped by Ctrl-C or SIGTERM, 1 the database cannot be\n"
    "served (missing, not formocr's, another schema; the port taken), 2 usage.\n";

enum { OPT_PORT = 256, OPT_TEMPLATE, OPT_WHO, OPT_SCANS, OPT_HOST, OPT_REMOTE };
enum { DEFAULT_PORT = 8765, MAX_WHO = 64 };

static bool is_loopback(const char *host)
{
    /* 127.0.0.0/8 is the loopback, all of it */
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
           strcmp(host, "::1") == 0;
}

static void listening(void *ctx, const char *url)
{
    const char *host = ctx;
    if (host && !is_loopback(host))
        cli_error("warning: serving scans on %s: anyone who can reach it and has the "
                  "address sees them",
                  host);
    printf("formocr review: open %s\n", url);
    fflush(stdout);
}

int cmd_review(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, OPT_PORT},
        {"template", required_argument, NULL, OPT_TEMPLATE},
        {"who", required_argument, NULL, OPT_WHO},
        {"scans-dir", required_argument, NULL, OPT_SCANS},
        {"host", required_argument, NULL, OPT_HOST},
        {"allow-remote", no_argument, NULL, OPT_REMOTE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    fo_review_options o = {.port = DEFAULT_PORT, .listening = listening};
    bool remote = false;
    const struct passwd *pw;
    struct stat st;
    fo_error err;
    long long v;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_PORT:
            if (!fo_parse_int(optarg, 0, 65535, &v))
                return cli_usage_error("review", "--port wants 0 to 65535, not \"%s\"",
                                       optarg);
            o.port = (int)v;
            break;
        case OPT_TEMPLATE: o.template_ = optarg; break;
        case OPT_WHO: o.who = optarg; break;
        case OPT_SCANS: o.scans_dir = optarg; break;
        case OPT_HOST: o.host = optarg; break;
        case OPT_REMOTE: remote = true; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("review", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("review", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("review", optind >= argc ? "no database given"
                                                        : "one database at a time");
    o.database = argv[optind];
    if (o.host && !is_loopback(o.host) && !remote)
        return cli_usage_error("review",
                               "--host %s would show the scans to the network: add "
                               "--allow-remote if that is meant",
                               o.host);
    o.ctx = (void *)o.host;
    if (!o.who) {
        pw = getpwuid(geteuid());
        o.who = pw && pw->pw_name ? pw->pw_name : getenv("USER");
    }
    if (o.scans_dir && (stat(o.scans_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        return cli_usage_error("review", "--scans-dir %s: no such folder", o.scans_dir);
    if (!o.who || !*o.who || strlen(o.who) > MAX_WHO)
        return cli_usage_error("review", "--who wants a name of 1 to %d bytes",
                               MAX_WHO);
    if (fo_review_serve(&o, &err) != FO_OK) {
        cli_error("%s", err.message);
        return err.code == FO_ERR_USAGE ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    return EXIT_OK;
}
