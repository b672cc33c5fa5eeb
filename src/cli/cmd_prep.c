/* cmd_prep.c - `formocr prep IN OUT`: write the cleaned page. */
#include <getopt.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "formocr/image.h"
#include "formocr/prep.h"

static const char USAGE[] =
    "usage: formocr prep [options] IN OUT\n"
    "\n"
    "Writes page IN as the pipeline sees it once cleaned: turned upright\n"
    "(0/90/180/270), deskewed, background normalised and binarized, at the\n"
    "target resolution. OUT's extension chooses the format: .tif (G4), .png,\n"
    ".pbm.\n"
    "\n"
    "options:\n"
    "  --dpi N         resolution of the result (default 300)\n"
    "  --page N        page of a multi-page file (default 1)\n"
    "  --no-orient     do not look for 90/180/270 turns\n"
    "  --no-deskew     do not remove the skew\n"
    "  -v, --verbose   print what was found: turn, skew, resolution\n"
    "  -h, --help      show this help and exit\n";

enum { OPT_DPI = 256, OPT_PAGE, OPT_NO_ORIENT, OPT_NO_DESKEW };

static int output_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return IFF_UNKNOWN;
    if (strcmp(dot, ".tif") == 0 || strcmp(dot, ".tiff") == 0)
        return IFF_TIFF_G4;
    if (strcmp(dot, ".png") == 0)
        return IFF_PNG;
    if (strcmp(dot, ".pbm") == 0)
        return IFF_PNM;
    return IFF_UNKNOWN;
}

int cmd_prep(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dpi", required_argument, NULL, OPT_DPI},
        {"page", required_argument, NULL, OPT_PAGE},
        {"no-orient", no_argument, NULL, OPT_NO_ORIENT},
        {"no-deskew", no_argument, NULL, OPT_NO_DESKEW},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    fo_prep_options opts;
    fo_prep_result res;
    fo_sheet sheet;
    fo_image *img = NULL;
    fo_page_info info;
    fo_error err;
    PIX *pix = NULL;
    long long v;
    int c, page = 0, verbose = 0, format, status = EXIT_OK;

    fo_prep_options_default(&opts);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DPI:
            if (!fo_parse_int(optarg, 50, 1200, &v))
                return cli_usage_error("prep",
                                       "--dpi wants a resolution from 50 to "
                                       "1200, not \"%s\"",
                                       optarg);
            opts.dpi = (int)v;
            break;
        case OPT_PAGE:
            if (!fo_parse_int(optarg, 1, 100000, &v))
                return cli_usage_error("prep", "--page wants a page number, not \"%s\"",
                                       optarg);
            page = (int)v - 1;
            break;
        case OPT_NO_ORIENT: opts.orient = false; break;
        case OPT_NO_DESKEW: opts.deskew = false; break;
        case 'v': verbose = 1; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case ':':
            return cli_usage_error("prep", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("prep", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("prep", "wants IN and OUT");
    format = output_format(argv[optind + 1]);
    if (format == IFF_UNKNOWN)
        return cli_usage_error("prep",
                               "cannot tell the format of \"%s\" (use .tif, "
                               ".png or .pbm)",
                               argv[optind + 1]);
    if (fo_image_open(argv[optind], NULL, &img, &err) != FO_OK ||
        fo_image_decode(img, page, &pix, &info, &err) != FO_OK) {
        cli_error("%s: %s", argv[optind], err.message);
        fo_image_destroy(&img);
        return EXIT_SOME_FAILED;
    }
    if (info.warning[0])
        cli_error("%s: %s", argv[optind], info.warning);
    if (fo_prep_find_sheet(pix, &sheet)) {
        /* a photo of a sheet on a table: the sheet, straightened */
        if (fo_prep_straighten(&pix, &sheet, &info.xdpi, &info.dpi_from_file, &err) !=
            FO_OK) {
            cli_error("%s: %s", argv[optind], err.message);
            status = EXIT_SOME_FAILED;
            goto out;
        }
        if (verbose)
            fprintf(stderr,
                    "formocr: %s: a photo: sheet found at (%.0f,%.0f) (%.0f,%.0f) "
                    "(%.0f,%.0f) (%.0f,%.0f), straightened to %dx%d px\n",
                    argv[optind], sheet.corner[0].x, sheet.corner[0].y,
                    sheet.corner[1].x, sheet.corner[1].y, sheet.corner[2].x,
                    sheet.corner[2].y, sheet.corner[3].x, sheet.corner[3].y,
                    pixGetWidth(pix), pixGetHeight(pix));
    }
    if (fo_prep_page(pix, info.xdpi, info.dpi_from_file, &opts, &res, &err) != FO_OK) {
        cli_error("%s: %s", argv[optind], err.message);
        status = EXIT_SOME_FAILED;
        goto out;
    }
    if (verbose)
        fprintf(stderr,
                "formocr: %s: turn %d, skew %.2f degrees (confidence %.1f), "
                "%d dpi%s -> %d dpi\n",
                argv[optind], res.turn, res.skew, res.skew_confidence, res.scan_dpi,
                res.dpi_estimated ? " (estimated from the page size)" : "", opts.dpi);
    if (pixWrite(argv[optind + 1], res.upright, format) != 0) {
        cli_error("%s: cannot write", argv[optind + 1]);
        status = EXIT_OUTPUT;
    }
    fo_prep_result_free(&res);
out:
    pixDestroy(&pix);
    fo_image_destroy(&img);
    return status;
}
