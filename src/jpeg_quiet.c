/*
 * jpeg_quiet.c - libjpeg's default messages caught, never printed.
 *
 * MuPDF decodes the JPEG images inside PDF pages with libjpeg and sets its
 * own error exit, but leaves libjpeg's default output_message, which
 * prints warnings ("Corrupt JPEG data: ...") to stderr: under cron that is
 * noise outside formocr's one-line messages, from worker threads
 * interleaved.  This file defines jpeg_std_error, which the linker gives to
 * every caller in the program (MuPDF is linked statically): it calls
 * libjpeg's own, then routes output_message into the buffer the calling
 * thread named with fo_jpeg_capture_messages (pdf.c: the document's
 * warning), or nowhere.  formocr's own JPEG decoders set their handlers and
 * never reach output_message.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "decode.h"

static _Thread_local char *capture;
static _Thread_local size_t capture_size;

void fo_jpeg_capture_messages(char *buf, size_t size)
{
    capture = buf;
    capture_size = size;
}

static void output_to_capture(j_common_ptr cinfo)
{
    char msg[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, msg);
    if (capture && capture_size > 0 && !capture[0])
        snprintf(capture, capture_size, "%s", msg);
}

typedef struct jpeg_error_mgr *(*std_error_fn)(struct jpeg_error_mgr *);
static std_error_fn real_std_error;
static pthread_once_t found_once = PTHREAD_ONCE_INIT;

static void find_real(void)
{
    /* POSIX's way to turn dlsym's object pointer into a function one */
    void *sym = dlsym(RTLD_NEXT, "jpeg_std_error");
    memcpy(&real_std_error, &sym, sizeof real_std_error);
}

struct jpeg_error_mgr *jpeg_std_error(struct jpeg_error_mgr *err)
{
    pthread_once(&found_once, find_real);
    if (!real_std_error)
        abort(); /* libjpeg is linked: cannot happen */
    real_std_error(err);
    err->output_message = output_to_capture;
    return err;
}
