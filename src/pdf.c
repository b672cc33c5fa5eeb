/* pdf.c - the pages of a PDF as scans, with MuPDF (see pdf.h). */
#include "pdf.h"
#include "raster.h"

#include "decode.h"
#include "util.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MuPDF's cache of decoded objects (fonts, images) for one file. */
static const size_t PDF_STORE_BYTES = (size_t)64 << 20;
/* A scanned page's image covers the page: at least this share of it. */
static const double IMAGE_COVERS_PAGE = 0.95;
static const double POINTS_PER_INCH = 72.0;

struct fo_pdf {
    fz_context *ctx;
    fz_stream *stm;
    fz_document *doc;
    int npages;
    fo_image_limits limits;
    char warning[256];      /* MuPDF's first warning since it was cleared */
    char open_warning[256]; /* its first warning opening the file */
    char error[256];        /* MuPDF's last error message */
};

static void on_warning(void *user, const char *message)
{
    fo_pdf *p = user;
    if (!p->warning[0])
        snprintf(p->warning, sizeof p->warning, "%s", message);
}

static void on_error(void *user, const char *message)
{
    fo_pdf *p = user;
    snprintf(p->error, sizeof p->error, "%s", message);
}

const char *fo_pdf_open_warning(const fo_pdf *pdf)
{
    return pdf->open_warning;
}

void fo_pdf_close(fo_pdf **pp)
{
    fo_pdf *p = pp ? *pp : NULL;
    if (!p)
        return;
    if (p->ctx) {
        fz_drop_document(p->ctx, p->doc);
        fz_drop_stream(p->ctx, p->stm);
        fz_drop_context(p->ctx);
    }
    free(p);
    *pp = NULL;
}

int fo_pdf_open(const uint8_t *data, size_t size, const fo_image_limits *limits,
                fo_pdf **out, int *npages, fo_error *err)
{
    fo_pdf *p = calloc(1, sizeof *p);
    volatile int rc = FO_OK;

    *out = NULL;
    *npages = 0;
    if (!p)
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    p->limits = *limits;
    p->ctx = fz_new_context(NULL, NULL, PDF_STORE_BYTES);
    if (!p->ctx) {
        free(p);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory opening the pdf");
    }
    fz_set_warning_callback(p->ctx, on_warning, p);
    fz_set_error_callback(p->ctx, on_error, p);
    fz_try(p->ctx)
    {
        fz_register_document_handlers(p->ctx);
        p->stm = fz_open_memory(p->ctx, data, size);
        p->doc = fz_open_document_with_stream(p->ctx, "application/pdf", p->stm);
        if (fz_needs_password(p->ctx, p->doc))
            rc = fo_error_set(err, FO_ERR_FORMAT,
                              "encrypted pdf: a password is needed to read it");
        else
            p->npages = fz_count_pages(p->ctx, p->doc);
    }
    fz_catch(p->ctx)
    {
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf (%s)",
                          fz_caught_message(p->ctx));
    }
    fz_flush_warnings(p->ctx);
    snprintf(p->open_warning, sizeof p->open_warning, "%s", p->warning);
    if (rc == FO_OK && p->npages < 1)
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf (no page)");
    if (rc == FO_OK && p->npages > limits->max_pages)
        rc = fo_error_set(err, FO_ERR_LIMIT, "too many pages (%d, limit %d)", p->npages,
                          limits->max_pages);
    if (rc != FO_OK) {
        fo_pdf_close(&p);
        return rc;
    }
    *out = p;
    *npages = p->npages;
    return FO_OK;
}

/* How a page becomes pixels: its one image, or rendered. */
typedef struct page_plan {
    fz_image *image; /* kept; NULL: render */
    int width, height, xdpi, ydpi, bits;
    const char *codec;
} page_plan;

static const char *codec_name(fz_context *ctx, fz_image *image)
{
    fz_compressed_buffer *cb = fz_compressed_image_buffer(ctx, image);
    if (!cb)
        return "raw";
    switch (cb->params.type) {
    case FZ_IMAGE_RAW: return "none";
    case FZ_IMAGE_FAX: return cb->params.u.fax.k < 0 ? "g4" : "g3";
    case FZ_IMAGE_FLATE: return "deflate";
    case FZ_IMAGE_LZW: return "lzw";
    case FZ_IMAGE_RLD: return "rle";
    case FZ_IMAGE_JBIG2: return "jbig2";
    case FZ_IMAGE_JPEG: return "jpeg";
    case FZ_IMAGE_JPX: return "jpeg 2000";
    default: return "image";
    }
}

/* Whether the page is one upright image covering it, with nothing drawn on
 * it (no text, no other image, no annotation or form field): a scan. */
static fz_image *scanned_image(fz_context *ctx, fz_page *page, fz_rect bounds,
                               fz_rect *where)
{
    fz_stext_options opts = {.flags = FZ_STEXT_PRESERVE_IMAGES};
    fz_stext_page *text = NULL;
    fz_image *found = NULL;
    pdf_page *pp = pdf_page_from_fz_page(ctx, page);
    int images = 0, others = 0;
    double page_area = (bounds.x1 - bounds.x0) * (bounds.y1 - bounds.y0);

    if (pp && (pdf_first_annot(ctx, pp) || pdf_first_widget(ctx, pp)))
        return NULL;
    text = fz_new_stext_page_from_page(ctx, page, &opts);
    for (fz_stext_block *b = text->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_IMAGE) {
            others++;
            continue;
        }
        images++;
        fz_matrix m = b->u.i.transform;
        double area = (b->bbox.x1 - b->bbox.x0) * (b->bbox.y1 - b->bbox.y0);
        /* upright: no rotation, no mirror; PDF's image space is flipped
         * back by the page's own matrix */
        if (m.a > 0 && m.d > 0 && fabsf(m.b) < 1e-3f && fabsf(m.c) < 1e-3f &&
            area >= IMAGE_COVERS_PAGE * page_area) {
            found = b->u.i.image;
            *where = b->bbox;
        }
    }
    if (found && images == 1 && others == 0)
        found = fz_keep_image(ctx, found);
    else
        found = NULL;
    fz_drop_stext_page(ctx, text);
    return found;
}

/* The plan for page; the page is loaded into *loaded (caller drops). */
static int plan_page(fo_pdf *p, int page, fz_page **loaded, page_plan *plan,
                     fo_error *err)
{
    fz_context *ctx = p->ctx;
    fz_page *volatile pg = NULL;
    volatile int rc = FO_OK;

    memset(plan, 0, sizeof *plan);
    *loaded = NULL;
    if (page < 0 || page >= p->npages)
        return fo_error_set(err, FO_ERR_USAGE, "no page %d (the file has %d)", page + 1,
                            p->npages);
    fz_try(ctx)
    {
        fz_rect bounds, where = fz_empty_rect;
        double wpt, hpt;
        pg = fz_load_page(ctx, p->doc, page);
        bounds = fz_bound_page(ctx, pg);
        wpt = bounds.x1 - bounds.x0;
        hpt = bounds.y1 - bounds.y0;
        if (!(wpt > 0 && hpt > 0) || wpt > 14400 || hpt > 14400)
            fz_throw(ctx, FZ_ERROR_GENERIC, "page of %gx%g points", wpt, hpt);
        plan->image = scanned_image(ctx, pg, bounds, &where);
        if (plan->image) {
            double win = (where.x1 - where.x0) / POINTS_PER_INCH;
            double hin = (where.y1 - where.y0) / POINTS_PER_INCH;
            plan->width = plan->image->w;
            plan->height = plan->image->h;
            plan->xdpi = (int)lround(plan->width / win);
            plan->ydpi = (int)lround(plan->height / hin);
            plan->bits = plan->image->bpc * plan->image->n;
            plan->codec = codec_name(ctx, plan->image);
        } else {
            int dpi = p->limits.pdf_dpi > 0 ? p->limits.pdf_dpi : FO_DEFAULT_PDF_DPI;
            float s = (float)(dpi / POINTS_PER_INCH);
            /* the pixels MuPDF will render, rounded as it rounds them */
            fz_irect ir = fz_round_rect(fz_transform_rect(bounds, fz_scale(s, s)));
            plan->width = ir.x1 - ir.x0;
            plan->height = ir.y1 - ir.y0;
            plan->xdpi = plan->ydpi = dpi;
            plan->bits = 8;
            plan->codec = "rendered";
        }
    }
    fz_catch(ctx)
    {
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf page (%s)",
                          fz_caught_message(ctx));
    }
    if (rc == FO_OK && (plan->width < 1 || plan->height < 1))
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf page (no pixels)");
    if (rc == FO_OK &&
        (uint64_t)plan->width * (uint64_t)plan->height > p->limits.max_pixels)
        rc = fo_error_set(
            err, FO_ERR_LIMIT,
            "too large (%dx%d = %llu pixels, limit %llu: see --max-pixels)",
            plan->width, plan->height,
            (unsigned long long)plan->width * (unsigned long long)plan->height,
            (unsigned long long)p->limits.max_pixels);
    if (rc != FO_OK) {
        fz_drop_image(ctx, plan->image);
        plan->image = NULL;
        fz_drop_page(ctx, pg);
        return rc;
    }
    *loaded = pg;
    return FO_OK;
}

int fo_pdf_page_info(fo_pdf *p, int page, fo_page_info *info, fo_error *err)
{
    page_plan plan;
    fz_page *pg;
    int rc;
    fo_jpeg_capture_messages(p->warning, sizeof p->warning);
    rc = plan_page(p, page, &pg, &plan, err);
    fo_jpeg_capture_messages(NULL, 0);
    memset(info, 0, sizeof *info);
    if (rc != FO_OK)
        return rc;
    info->format = "pdf";
    info->compression = plan.codec;
    info->width = plan.width;
    info->height = plan.height;
    info->bits_per_pixel = plan.bits;
    info->xdpi = plan.xdpi;
    info->ydpi = plan.ydpi;
    info->dpi_from_file = true;
    fz_drop_image(p->ctx, plan.image);
    fz_drop_page(p->ctx, pg);
    return FO_OK;
}

/* A grey MuPDF pixmap (one component, no alpha) into a new 8-bit PIX. */
/* A grey (1 component) or RGB (3 components) pixmap without alpha, as 8-bit
 * grey; RGB through fo_ink_grey, as every colour decoder. */
static PIX *pix_from_grey(fz_context *ctx, fz_pixmap *pm)
{
    int w = fz_pixmap_width(ctx, pm), h = fz_pixmap_height(ctx, pm);
    int n = fz_pixmap_components(ctx, pm);
    ptrdiff_t stride = fz_pixmap_stride(ctx, pm);
    const unsigned char *src = fz_pixmap_samples(ctx, pm);
    PIX *pix = pixCreate(w, h, 8);
    if (!pix)
        return NULL;
    l_uint32 *base = pixGetData(pix);
    l_int32 wpl = pixGetWpl(pix);
    for (int y = 0; y < h; y++) {
        l_uint32 *line = base + (size_t)y * wpl;
        const unsigned char *row = src + (size_t)y * (size_t)stride;
        for (int x = 0; x < w; x++)
            SET_DATA_BYTE(line, x,
                          n == 3 ? (l_uint32)(fo_ink_grey(row[3 * x], row[3 * x + 1],
                                                          row[3 * x + 2]) +
                                              0.5)
                                 : row[x]);
    }
    return pix;
}

/* One little-endian TIFF IFD entry of one SHORT or LONG value. */
static uint8_t *ifd_entry(uint8_t *at, uint16_t tag, uint16_t type, uint32_t value)
{
    at[0] = (uint8_t)tag;
    at[1] = (uint8_t)(tag >> 8);
    at[2] = (uint8_t)type;
    at[3] = 0;
    at[4] = 1; /* one value */
    at[5] = at[6] = at[7] = 0;
    for (int i = 0; i < 4; i++)
        at[8 + i] = (uint8_t)(value >> (8 * i));
    return at + 12;
}

/* A CCITT G3/G4 scan, decoded by the decoder that reads G4 TIFFs: its data
 * wrapped in a one-strip TIFF (TIFF 6.0, sections 8, 11; T4Options and
 * T6Options, sections 3 and 4 of TIFF Class F), read by Leptonica to a
 * bilevel page.  MuPDF's own fax decoder expands to 8-bit grey first: this
 * costs what the same page costs from a TIFF.  NULL when the parameters are
 * not a TIFF's (a Decode array, byte-aligned G4, a width that is not the
 * image's): MuPDF decodes those. */
static PIX *fax_as_tiff(fz_context *ctx, fz_image *image)
{
    enum { SHORT = 3, LONG = 4, ENTRIES = 11 };
    fz_compressed_buffer *cb = fz_compressed_image_buffer(ctx, image);
    unsigned char *data = NULL;
    size_t n, head = 8 + 2 + ENTRIES * 12 + 4;
    uint8_t *tiff, *at;
    PIX *pix;
    int k;

    if (!cb || cb->params.type != FZ_IMAGE_FAX || image->use_decode ||
        image->imagemask || image->colorspace != fz_device_gray(ctx) ||
        (cb->params.u.fax.columns != 0 && cb->params.u.fax.columns != image->w))
        return NULL;
    k = cb->params.u.fax.k;
    if (k < 0 && cb->params.u.fax.encoded_byte_align)
        return NULL;
    n = fz_buffer_storage(ctx, cb->buffer, &data);
    if (n == 0 || n > UINT32_MAX - head || !(tiff = malloc(head + n)))
        return NULL;
    memcpy(tiff, "II*\0\x08\0\0\0", 8);
    at = tiff + 8;
    *at++ = ENTRIES;
    *at++ = 0;
    at = ifd_entry(at, 256, LONG, (uint32_t)image->w);
    at = ifd_entry(at, 257, LONG, (uint32_t)image->h);
    at = ifd_entry(at, 258, SHORT, 1);
    at = ifd_entry(at, 259, SHORT, k < 0 ? 4 : 3);
    /* a fax codes white and black runs; PDF's decoder gives black runs 1
     * bits when BlackIs1, 0 bits otherwise, and DeviceGray shows 0 as black
     * (PDF 1.7, 7.4.6): MinIsBlack then, MinIsWhite by default */
    at = ifd_entry(at, 262, SHORT, cb->params.u.fax.black_is_1 ? 1 : 0);
    at = ifd_entry(at, 273, LONG, (uint32_t)head);
    at = ifd_entry(at, 277, SHORT, 1);
    at = ifd_entry(at, 278, LONG, (uint32_t)image->h);
    at = ifd_entry(at, 279, LONG, (uint32_t)n);
    if (k < 0)
        at = ifd_entry(at, 293, LONG, 0); /* T6Options */
    else
        at = ifd_entry(at, 292, LONG,
                       (k > 0 ? 1u : 0u) |
                           (cb->params.u.fax.encoded_byte_align ? 4u : 0u));
    at = ifd_entry(at, 296, SHORT, 2); /* ResolutionUnit: inch (set later) */
    memset(at, 0, 4);                  /* no next directory */
    memcpy(tiff + head, data, n);
    pix = pixReadMemTiff(tiff, head + n, 0);
    free(tiff);
    if (pix && (pixGetWidth(pix) != image->w || pixGetHeight(pix) != image->h ||
                pixGetDepth(pix) != 1))
        pixDestroy(&pix);
    return pix;
}

static int decode_page(fo_pdf *p, int page, PIX **out, fo_error *err)
{
    fz_context *ctx = p->ctx;
    fz_pixmap *volatile pm = NULL, *volatile grey = NULL;
    page_plan plan;
    fz_page *pg;
    volatile int rc = plan_page(p, page, &pg, &plan, err);

    *out = NULL;
    if (rc != FO_OK)
        return rc;
    /* a warning during the decoding is this image's (MuPDF holds back a
     * repeated message: flushed first) */
    fz_flush_warnings(ctx);
    p->warning[0] = '\0';
    if (plan.image && (*out = fax_as_tiff(ctx, plan.image)) != NULL) {
        pixSetResolution(*out, plan.xdpi, plan.ydpi);
        fz_drop_image(ctx, plan.image);
        fz_drop_page(ctx, pg);
        return FO_OK;
    }
    if (plan.image && strcmp(plan.codec, "jpeg") == 0 && !plan.image->use_decode &&
        !plan.image->imagemask && (plan.image->n == 1 || plan.image->n == 3)) {
        /* a JPEG scan: decoded by formocr's own JPEG reader, which keeps
         * libjpeg's messages off stderr (MuPDF's lets them through) and
         * stops at damaged data */
        unsigned char *bytes = NULL;
        size_t n = fz_buffer_storage(
            ctx, fz_compressed_image_buffer(ctx, plan.image)->buffer, &bytes);
        char warning[FO_JPEG_WARNING_LEN];
        rc = fo_jpeg_decode_grey(bytes, n, out, warning, err);
        if (rc == FO_OK && warning[0]) {
            /* a PDF page's image must decode whole, as MuPDF's own must */
            pixDestroy(out);
            rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf page (%s)", warning);
        }
        if (rc == FO_OK) {
            int w = pixGetWidth(*out), h = pixGetHeight(*out);
            if (w != plan.width || h != plan.height) {
                pixDestroy(out);
                rc = fo_error_set(err, FO_ERR_CORRUPT,
                                  "the pdf page's jpeg is %dx%d, not %dx%d", w, h,
                                  plan.width, plan.height);
            }
        }
        if (rc == FO_OK)
            pixSetResolution(*out, plan.xdpi, plan.ydpi);
        fz_drop_image(ctx, plan.image);
        fz_drop_page(ctx, pg);
        return rc;
    }
    fz_try(ctx)
    {
        if (plan.image) {
            pm = fz_get_pixmap_from_image(ctx, plan.image, NULL, NULL, NULL, NULL);
            /* grey stays grey; colour (and alpha) becomes RGB, made grey
             * below like every colour scan */
            if (fz_pixmap_colorspace(ctx, pm) != fz_device_gray(ctx) ||
                fz_pixmap_alpha(ctx, pm))
                grey = fz_convert_pixmap(ctx, pm,
                                         fz_pixmap_colorspace(ctx, pm) ==
                                                 fz_device_gray(ctx)
                                             ? fz_device_gray(ctx)
                                             : fz_device_rgb(ctx),
                                         NULL, NULL, fz_default_color_params, 0);
        } else {
            double scale = plan.xdpi / POINTS_PER_INCH;
            /* the page with its annotations and form fields, as printed */
            pm = fz_new_pixmap_from_page(ctx, pg, fz_scale((float)scale, (float)scale),
                                         fz_device_rgb(ctx), 0);
        }
    }
    fz_catch(ctx)
    {
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf page (%s)",
                          fz_caught_message(ctx));
    }
    if (rc == FO_OK) {
        fz_pixmap *use = grey ? grey : pm;
        if (fz_pixmap_width(ctx, use) != plan.width ||
            fz_pixmap_height(ctx, use) != plan.height)
            rc = fo_error_set(err, FO_ERR_CORRUPT,
                              "the pdf page gives %dx%d pixels, not %dx%d",
                              fz_pixmap_width(ctx, use), fz_pixmap_height(ctx, use),
                              plan.width, plan.height);
        else if (!(*out = pix_from_grey(ctx, use)))
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %dx%d page",
                              plan.width, plan.height);
        else
            pixSetResolution(*out, plan.xdpi, plan.ydpi);
    }
    fz_flush_warnings(ctx);
    if (rc == FO_OK && plan.image && p->warning[0]) {
        /* the image's data ended early or is corrupt: a damaged scan is an
         * error, not a page with a blank band */
        rc = fo_error_set(err, FO_ERR_CORRUPT, "damaged pdf page (%s)", p->warning);
        pixDestroy(out);
    }
    if (rc == FO_OK && plan.image && plan.image->bpc == 1 && plan.image->n == 1) {
        /* a bilevel scan (fax, G4, JBIG2) stays bilevel: the same page as
         * from a TIFF, at an eighth of the memory */
        PIX *bin = pixConvertTo1(*out, 128);
        pixDestroy(out);
        if (!bin)
            rc = fo_error_set(err, FO_ERR_NOMEM, "out of memory for a %dx%d page",
                              plan.width, plan.height);
        else
            pixSetResolution(bin, plan.xdpi, plan.ydpi);
        *out = bin;
    }
    fz_drop_pixmap(ctx, grey);
    fz_drop_pixmap(ctx, pm);
    fz_drop_image(ctx, plan.image);
    fz_drop_page(ctx, pg);
    return rc;
}

int fo_pdf_decode(fo_pdf *p, int page, PIX **out, fo_error *err)
{
    int rc;
    /* libjpeg's messages from MuPDF's decoding are this file's warnings */
    fo_jpeg_capture_messages(p->warning, sizeof p->warning);
    rc = decode_page(p, page, out, err);
    fo_jpeg_capture_messages(NULL, 0);
    return rc;
}

int fo_pdf_form_values(fo_pdf *p, int page, fo_form_value **out, int *n, fo_error *err)
{
    enum { MAX_VALUES = 5000 };
    fz_context *ctx = p->ctx;
    fz_page *volatile pg = NULL;
    fo_form_value *volatile v = NULL;
    volatile int count = 0;
    volatile int rc = FO_OK;

    *out = NULL;
    *n = 0;
    if (page < 0 || page >= p->npages)
        return FO_OK;
    fz_try(ctx)
    {
        pdf_page *pp;
        pg = fz_load_page(ctx, p->doc, page);
        pp = pdf_page_from_fz_page(ctx, pg);
        for (pdf_annot *a = pp ? pdf_first_widget(ctx, pp) : NULL;
             a && count < MAX_VALUES; a = pdf_next_widget(ctx, a)) {
            pdf_obj *obj = pdf_annot_obj(ctx, a);
            const char *value = pdf_field_value(ctx, obj);
            char *name = pdf_field_name(ctx, obj);
            fo_form_value *grown;
            if (!name)
                continue;
            grown = realloc(v, sizeof *grown * (size_t)(count + 1));
            if (!grown) {
                fz_free(ctx, name);
                rc = FO_ERR_NOMEM;
                break;
            }
            v = grown;
            v[count].name = fo_strdup(name);
            v[count].value = fo_strdup(value ? value : "");
            fz_free(ctx, name);
            count++;
            if (!v[count - 1].name || !v[count - 1].value) {
                rc = FO_ERR_NOMEM;
                break;
            }
        }
    }
    fz_always(ctx) fz_drop_page(ctx, pg);
    fz_catch(ctx)
    {
        /* fields that cannot be read: the page is read as an image */
        fo_form_values_free(v, count);
        return FO_OK;
    }
    if (rc != FO_OK) {
        fo_form_values_free(v, count);
        return fo_error_set(err, FO_ERR_NOMEM, "out of memory");
    }
    *out = v;
    *n = count;
    return FO_OK;
}
