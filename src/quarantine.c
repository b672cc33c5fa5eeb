/* quarantine.c - moving a failed input aside (see quarantine.h). */
#include "quarantine.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/* The largest input copied (a refused file may be larger than any scan). */
static const size_t MAX_QUARANTINE_BYTES = (size_t)1 << 34;
enum { MAX_SUFFIX = 1000 };

int fo_quarantine(const char *path, const char *dir)
{
    char *base = fo_path_basename(path), *target = NULL;
    uint8_t *data = NULL;
    size_t size = 0;
    fo_error err;
    int rc = -1, fd;

    for (int n = 0; base && n < MAX_SUFFIX && !target; n++) {
        char *t = n ? fo_asprintf("%s/%s.%d", dir, base, n) : fo_path_join(dir, base);
        if (t && access(t, F_OK) != 0)
            target = t;
        else
            free(t);
    }
    if (!target ||
        fo_read_file(path, MAX_QUARANTINE_BYTES, &data, &size, &err) != FO_OK ||
        fo_write_file_atomic(target, data, size, &err) != FO_OK)
        goto out;
    /* the folder entry too must reach the disk before the original goes */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    rc = unlink(path);
out:
    free(base);
    free(target);
    free(data);
    return rc;
}
