/* test_source.c - listing inputs: folders, globs, recursion, loops; shards. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formocr/source.h"
#include "harness.h"
#include "util.h"

static char dir[] = "/tmp/formocr-source-XXXXXX";
static int reports;
static char last_report[512];

static void report(void *ctx, const char *path, const char *message)
{
    (void)ctx;
    reports++;
    snprintf(last_report, sizeof last_report, "%s: %s", path, message);
}

static void touch(const char *rel)
{
    char *p = fo_path_join(dir, rel);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
    free(p);
}

static void test_listing(void)
{
    fo_source_options o = {0};
    fo_inputs in;
    fo_error err;
    const char *args[] = {dir};
    char *sub = fo_path_join(dir, "sub"), *loop = fo_path_join(dir, "sub/loop");
    const char *globs[] = {"*.txt"};

    mkdir(sub, 0755);
    touch("b.TIF");
    touch("a.png");
    touch("notes.txt");
    touch(".hidden.png");
    touch("sub/c.jpg");
    OK(symlink("..", loop) == 0); /* sub/loop -> the top folder again */

    INT_EQ(fo_source_list(args, 1, &o, report, NULL, &in, &err), FO_OK);
    INT_EQ(in.count, 2); /* scans only, no sub-folder, no hidden file */
    if (in.count == 2) {
        STR_CONTAINS(in.paths[0], "/a.png");
        STR_CONTAINS(in.paths[1], "/b.TIF");
    }
    fo_inputs_free(&in);

    o.recursive = true;
    reports = 0;
    INT_EQ(fo_source_list(args, 1, &o, report, NULL, &in, &err), FO_OK);
    INT_EQ(in.count, 3);
    INT_EQ(reports, 1);
    INT_EQ(in.problems, 1);
    STR_CONTAINS(last_report, "sub/loop: a symbolic link, not followed");
    fo_inputs_free(&in);

    o.include = globs;
    o.ninclude = 1;
    INT_EQ(fo_source_list(args, 1, &o, report, NULL, &in, &err), FO_OK);
    INT_EQ(in.count, 1);
    if (in.count == 1)
        STR_CONTAINS(in.paths[0], "notes.txt");
    fo_inputs_free(&in);
    free(sub);
    free(loop);
}

static void test_named_files_are_always_taken(void)
{
    fo_inputs in;
    fo_error err;
    const char *args[] = {"no/such/file.xyz"};
    INT_EQ(fo_source_list(args, 1, NULL, report, NULL, &in, &err), FO_OK);
    INT_EQ(in.count, 1);
    fo_inputs_free(&in);
}

/* Entries named like scans that are not files are inputs (their rows say
 * what is wrong); symbolic links in a folder are never followed, those that
 * could be inputs reported; a link named on the command line is read;
 * repeats are dropped. */
static void test_odd_entries(void)
{
    char odd[] = "/tmp/formocr-source-odd-XXXXXX";
    fo_inputs in;
    fo_error err;
    char *p[6] = {NULL};

    OK(mkdtemp(odd) != NULL);
    p[0] = fo_path_join(odd, "x.tif");
    p[1] = fo_path_join(odd, "loop.png");
    p[2] = fo_path_join(odd, "gone.jpg");
    p[3] = fo_path_join(odd, "pipe.pgm");
    p[4] = fo_path_join(odd, "notes.txt");
    p[5] = fo_path_join(odd, "secret.png");
    OK(mkdir(p[0], 0755) == 0);
    OK(symlink("loop.png", p[1]) == 0);
    OK(symlink("nowhere.jpg", p[2]) == 0);
    OK(mkfifo(p[3], 0644) == 0);
    OK(symlink("nowhere.txt", p[4]) == 0);
    OK(symlink("/etc/passwd", p[5]) == 0); /* a link out of the folder */

    const char *args[] = {odd, p[1], odd};
    reports = 0;
    INT_EQ(fo_source_list(args, 3, NULL, report, NULL, &in, &err), FO_OK);
    INT_EQ(in.count, 3);
    if (in.count == 3) {
        STR_CONTAINS(in.paths[0], "/pipe.pgm");
        STR_CONTAINS(in.paths[1], "/x.tif");
        STR_CONTAINS(in.paths[2], "/loop.png"); /* named: read (and fails) */
    }
    INT_EQ(reports, 3); /* gone.jpg, loop.png, secret.png; not notes.txt */
    INT_EQ(in.problems, 3);
    STR_CONTAINS(last_report, "secret.png: a symbolic link, not followed");
    fo_inputs_free(&in);

    rmdir(p[0]);
    for (int i = 1; i < 6; i++)
        unlink(p[i]);
    rmdir(odd);
    for (int i = 0; i < 6; i++)
        free(p[i]);
}

static void test_shards_partition_and_balance(void)
{
    enum { FILES = 20000, SHARDS = 4 };
    int per[SHARDS] = {0};
    char path[64];
    for (int i = 0; i < FILES; i++) {
        int k;
        snprintf(path, sizeof path, "scans/2026/11/scan_%05d.tif", i);
        k = fo_source_shard(path, SHARDS);
        OK(k >= 0 && k < SHARDS);
        per[k]++;
        /* stable: the same path, the same shard */
        INT_EQ(fo_source_shard(path, SHARDS), k);
    }
    for (int k = 0; k < SHARDS; k++)
        OK(per[k] > FILES / SHARDS * 0.9 && per[k] < FILES / SHARDS * 1.1);
}

static void test_shard_specs(void)
{
    fo_shard sh;
    fo_error err;
    char *path;

    INT_EQ(fo_shard_parse("2/4", &sh, &err), FO_OK);
    OK(sh.k == 2 && sh.n == 4);
    static const char *const bad[] = {"4/4", "-1/4", "1/0", "1",
                                      "a/4", "1/4x", "/4",  ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        INT_EQ(fo_shard_parse(bad[i], &sh, &err), FO_ERR_USAGE);
        OK(sh.n == 0);
    }
    /* auto/N: the scheduler's index, Slurm's first */
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("JOB_COMPLETION_INDEX");
    INT_EQ(fo_shard_parse("auto/4", &sh, &err), FO_ERR_CONFIG);
    STR_EQ(err.message, "--shard auto/N needs SLURM_ARRAY_TASK_ID (Slurm) or "
                        "JOB_COMPLETION_INDEX (Kubernetes) in the environment");
    setenv("JOB_COMPLETION_INDEX", "1", 1);
    INT_EQ(fo_shard_parse("auto/4", &sh, &err), FO_OK);
    INT_EQ(sh.k, 1);
    setenv("SLURM_ARRAY_TASK_ID", "3", 1);
    INT_EQ(fo_shard_parse("auto/4", &sh, &err), FO_OK);
    INT_EQ(sh.k, 3);
    INT_EQ(fo_shard_parse("auto/3", &sh, &err), FO_ERR_CONFIG);
    STR_EQ(err.message, "the scheduler's task index is not between 0 and N-1");
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("JOB_COMPLETION_INDEX");

    path = fo_shard_path("out-{shard}.sqlite", (fo_shard){3, 4});
    STR_EQ(path, "out-3.sqlite");
    free(path);
    path = fo_shard_path("out.sqlite", (fo_shard){3, 4});
    STR_EQ(path, "out.sqlite");
    free(path);
}

/* The shards of a list are a partition of it, each in the list's order. */
static void test_inputs_keep_shard(void)
{
    enum { N = 50, SHARDS = 3 };
    int seen = 0;
    for (int k = 0; k < SHARDS; k++) {
        fo_inputs in = {0};
        int last = -1;
        in.paths = calloc(N, sizeof *in.paths);
        for (int i = 0; i < N; i++)
            in.paths[i] = fo_asprintf("scans/%02d.tif", i);
        in.count = N;
        fo_inputs_keep_shard(&in, (fo_shard){k, SHARDS});
        for (int i = 0; i < in.count; i++) {
            int num = atoi(in.paths[i] + strlen("scans/"));
            OK(fo_source_shard(in.paths[i], SHARDS) == k);
            OK(num > last);
            last = num;
        }
        seen += in.count;
        fo_inputs_free(&in);
    }
    INT_EQ(seen, N);
}

/* Files found in folders that changed less than min_age ago are left for
 * the next run, reported and counted; a file named is always kept. */
static void test_defer_recent(void)
{
    fo_source_options o = {0};
    fo_inputs in;
    fo_error err;
    char *named = fo_path_join(dir, "named.png");
    const char *args[] = {dir, named};

    touch("named.png");
    touch("fresh.png");
    INT_EQ(fo_source_list(args, 2, &o, report, NULL, &in, &err), FO_OK);
    int listed = in.count;
    OK(listed >= 2);
    fo_inputs_defer_recent(&in, 0, report, NULL); /* 0: nothing left */
    INT_EQ(in.count, listed);
    INT_EQ(in.deferred, 0);
    reports = 0;
    fo_inputs_defer_recent(&in, 3600, report, NULL);
    /* every file of the folder was just made; the named one stays */
    INT_EQ(in.count, 1);
    if (in.count == 1)
        STR_EQ(in.paths[0], named);
    INT_EQ(in.deferred, listed - 1);
    INT_EQ(reports, listed - 1);
    INT_EQ(in.problems, 0); /* not a problem: the next run reads them */
    STR_CONTAINS(last_report, "perhaps still being written: left for the next run "
                              "(--min-age 3600)");
    fo_inputs_free(&in);
    /* an hour-old file is read (its times set, then the check is older) */
    INT_EQ(fo_source_list(args, 2, &o, report, NULL, &in, &err), FO_OK);
    listed = in.count;
    usleep(1100000);
    fo_inputs_defer_recent(&in, 1, report, NULL);
    INT_EQ(in.count, listed);
    fo_inputs_free(&in);
    free(named);
}

int main(void)
{
    int status;
    OK(mkdtemp(dir) != NULL);
    RUN(test_listing);
    RUN(test_named_files_are_always_taken);
    RUN(test_odd_entries);
    RUN(test_shards_partition_and_balance);
    RUN(test_shard_specs);
    RUN(test_inputs_keep_shard);
    RUN(test_defer_recent);
    status = harness_done();
    {
        char *cmd = fo_asprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        free(cmd);
    }
    return status;
}
