/* cmd_info.c - `formocr info`: what each page of each scan is. */
#include <getopt.h>
#include <leptonica/allheaders.h>
#include <stdio.h>

#include "cli.h"
#include "formocr/image.h"

static const char USAGE[] =
    "usage: formocr info [options] FILE...\n"
    "\n"
    "Reads each scan as the pipeline does and prints, for every page: format,\n"
    "compression, width x height, bits per pixel and resolution. The format is\n"
    "detected from the file's bytes (TIFF, PNG, JPEG, PNM, WebP, PDF). A PDF page\n"
    "that is one scanned image shows that image's codec and resolution; any\n"
    "other PDF page shows \"rendered\" at the --pdf-dpi resolution.\n"
    "\n"
    "options:\n"
    "  --dpi N           resolution to assume when a file has none (default 300)\n"
    "  --max-pixels N    refuse pages larger than N pixels, before decoding them\n"
    "                    (default 60000000: A4 at 900 dpi)\n"
    "  --pdf-dpi N       render PDF pages that are not one scanned image at N dpi\n"
    "                    (default 300)\n"
    "  -h, --help        show this help and exit\n"
    "\n"
    "exit status: 0 every file read, 1 some file could not be read, 2 usage.\n";

enum { OPT_DPI = 256, OPT_MAX_PIXELS, OPT_PDF_DPI };

static int info_file(const char *path, const fo_image_limits *limits)
{
    fo_image *img = NULL;
    fo_error err;
    int npages, failed = 0;

    if (fo_image_open(path, limits, &img, &err) != FO_OK) {
        cli_error("%s: %s", path, err.message);
        return 1;
    }
    npages = fo_image_page_count(img);
    for (int p = 0; p < npages; p++) {
        fo_page_info info;
        PIX *pix = NULL;
        if (fo_image_decode(img, p, &pix, &info, &err) != FO_OK) {
            cli_error("%s: page %d: %s", path, p + 1, err.message);
            failed = 1;
            continue;
        }
        printf("%s: page %d/%d: %s, %s, %dx%d, %d bpp, %dx%d dpi%s%s%s\n", path, p + 1,
               npages, info.format, info.compression, info.width, info.height,
               info.bits_per_pixel, info.xdpi, info.ydpi,
               info.dpi_from_file ? "" : " (assumed)", info.warning[0] ? "; " : "",
               info.warning);
        pixDestroy(&pix);
    }
    fo_image_destroy(&img);
    return failed;
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dpi", required_argument, NULL, OPT_DPI},
        {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
        {"pdf-dpi", required_argument, NULL, OPT_PDF_DPI},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    fo_image_limits limits;
    long long v;
    int c, failed = 0;

    fo_image_limits_default(&limits);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case OPT_DPI:
            if (!fo_parse_int(optarg, 10, 10000, &v))
                return cli_usage_error("info",
                                       "--dpi wants a resolution from 10 to "
                                       "10000, not \"%s\"",
                                       optarg);
            limits.default_dpi = (int)v;
            break;
        case OPT_MAX_PIXELS:
            if (!fo_parse_int(optarg, 1, 4000000000LL, &v))
                return cli_usage_error("info",
                                       "--max-pixels wants a pixel count from "
                                       "1 to 4000000000, not \"%s\"",
                                       optarg);
            limits.max_pixels = (uint64_t)v;
            break;
        case OPT_PDF_DPI:
            if (!fo_parse_int(optarg, 50, 1200, &v))
                return cli_usage_error("info",
                                       "--pdf-dpi wants a resolution from 50 to 1200, "
                                       "not \"%s\"",
                                       optarg);
            limits.pdf_dpi = (int)v;
            break;
        case ':':
            return cli_usage_error("info", "option \"%s\" needs a value",
                                   argv[optind - 1]);
        default:
            return cli_usage_error("info", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("info", "no file given");
    for (int i = optind; i < argc; i++)
        failed |= info_file(argv[i], &limits);
    return failed ? EXIT_SOME_FAILED : EXIT_OK;
}
