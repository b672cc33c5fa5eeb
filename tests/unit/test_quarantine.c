/* test_quarantine.c - moving failed inputs aside: never lost, never leaked. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "quarantine.h"
#include "util.h"

static char *make_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = fo_path_join(dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
    return path;
}

/* Within one file system: renamed, mode kept; a taken name gets .1. */
static void test_same_file_system(const char *scans, const char *quar)
{
    char *a = make_file(scans, "a.tif", "first", 0640);
    char *a2 = make_file(scans, "b", "second", 0600), *moved, *text;
    char *renamed = fo_path_join(scans, "a.tif");
    fo_error err;
    struct stat st;

    INT_EQ(fo_quarantine(a, 5, quar, &err), FO_OK);
    OK(access(a, F_OK) != 0);
    moved = fo_path_join(quar, "a.tif");
    text = harness_slurp(moved);
    STR_EQ(text, "first");
    OK(stat(moved, &st) == 0 && (st.st_mode & 0777) == 0640);
    free(text);
    /* another a.tif: beside the first, not over it */
    OK(rename(a2, renamed) == 0);
    INT_EQ(fo_quarantine(renamed, 6, quar, &err), FO_OK);
    text = harness_slurp(moved);
    STR_EQ(text, "first");
    free(text);
    free(moved);
    moved = fo_path_join(quar, "a.tif.1");
    text = harness_slurp(moved);
    STR_EQ(text, "second");
    free(text);
    free(moved);
    free(a);
    free(a2);
    free(renamed);
}

/* Never a link's target, never a folder, never a file that changed since
 * it was read: each stays where it is. */
static void test_refusals(const char *scans, const char *quar)
{
    char *secret = make_file(scans, "secret", "do not leak", 0600);
    char *link = fo_path_join(scans, "link.png"), *grown, *folder;
    char *leaked = fo_path_join(quar, "link.png");
    fo_error err;

    OK(symlink(secret, link) == 0);
    INT_EQ(fo_quarantine(link, FO_QUARANTINE_ANY_SIZE, quar, &err), FO_ERR_IO);
    STR_CONTAINS(err.message, "cannot open it (");
    OK(access(leaked, F_OK) != 0);
    OK(access(secret, F_OK) == 0);

    grown = make_file(scans, "upload.png", "0123456789", 0644);
    INT_EQ(fo_quarantine(grown, 4, quar, &err), FO_ERR_IO);
    STR_EQ(err.message,
           "changed since it was read (4 bytes, now 10): left for the next run");
    OK(access(grown, F_OK) == 0);

    folder = fo_path_join(scans, "x.tif");
    OK(mkdir(folder, 0755) == 0);
    INT_EQ(fo_quarantine(folder, FO_QUARANTINE_ANY_SIZE, quar, &err), FO_ERR_IO);
    STR_EQ(err.message, "not a regular file: left in place");
    rmdir(folder);
    unlink(link);
    unlink(secret);
    unlink(grown);
    free(secret);
    free(link);
    free(leaked);
    free(grown);
    free(folder);
}

/* Onto another file system (/dev/shm, when it is one): copied, checked,
 * mode kept, then the original removed. */
static void test_other_file_system(const char *scans)
{
    char shm[] = "/dev/shm/formocr-quarantine-XXXXXX", *src, *moved, *text;
    struct stat a, b;
    fo_error err;

    if (!mkdtemp(shm))
        return;
    if (stat(scans, &a) != 0 || stat(shm, &b) != 0 || a.st_dev == b.st_dev) {
        rmdir(shm);
        return; /* one file system: nothing to copy across */
    }
    src = make_file(scans, "far.jpg", "across file systems", 0604);
    INT_EQ(fo_quarantine(src, 19, shm, &err), FO_OK);
    OK(access(src, F_OK) != 0);
    moved = fo_path_join(shm, "far.jpg");
    text = harness_slurp(moved);
    STR_EQ(text, "across file systems");
    OK(stat(moved, &b) == 0 && (b.st_mode & 0777) == 0604);
    unlink(moved);
    rmdir(shm);
    free(text);
    free(moved);
    free(src);
}

int main(void)
{
    char top[] = "/tmp/formocr-quarantine-XXXXXX";
    char *scans, *quar, *cmd;
    int status;

    OK(mkdtemp(top) != NULL);
    scans = fo_path_join(top, "scans");
    quar = fo_path_join(top, "quarantine");
    OK(mkdir(scans, 0755) == 0 && mkdir(quar, 0755) == 0);
    harness_current = "test_same_file_system";
    test_same_file_system(scans, quar);
    harness_current = "test_refusals";
    test_refusals(scans, quar);
    harness_current = "test_other_file_system";
    test_other_file_system(scans);
    status = harness_done();
    cmd = fo_asprintf("rm -rf '%s'", top);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", top);
    free(cmd);
    free(scans);
    free(quar);
    return status;
}
