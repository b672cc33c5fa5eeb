/* test_util.c - helpers: JSON positions, hashing, paths, files. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "harness.h"
#include "jsonpos.h"
#include "strbuf.h"
#include "util.h"

static void at(const char *text, const char *path, int line, int col)
{
    int l = 0, c = 0;
    fo_json_locate(text, strlen(text), path, &l, &c);
    harness_current = path;
    INT_EQ(l, line);
    INT_EQ(c, col);
}

static void test_json_locate(void)
{
    const char *text = "{\n"
                       "  \"a\": \"x]}\\\"\",\n"
                       "  \"pages\": [\n"
                       "    {\"fields\": [{\"n\": 1}, {\"n\": [2, 3]}]},\n"
                       "    {\"é\": 1, \"fields\": []}\n"
                       "  ]\n"
                       "}\n";
    at(text, "", 1, 1);
    at(text, "a", 2, 8);
    at(text, "pages", 3, 12);
    at(text, "pages/0", 4, 5);
    at(text, "pages/0/fields/1", 4, 27);
    at(text, "pages/0/fields/1/n", 4, 33);
    at(text, "pages/0/fields/1/n/1", 4, 37);
    /* columns count characters, not bytes (é is two bytes) */
    at(text, "pages/1/fields", 5, 24);
    /* a path that does not resolve stops at the deepest value found */
    at(text, "pages/0/fields/7", 4, 16);
    at(text, "nothing", 1, 1);
}

static void test_sha256(void)
{
    uint8_t sum[FO_SHA256_LEN];
    char hex[FO_SHA256_HEX_LEN + 1];
    fo_sha256("abc", 3, sum);
    fo_hex(sum, sizeof sum, hex);
    /* FIPS 180-2 test vector */
    STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_paths(void)
{
    char *s;
    STR_EQ(s = fo_path_dirname("a/b/c.json"), "a/b");
    free(s);
    STR_EQ(s = fo_path_dirname("c.json"), ".");
    free(s);
    STR_EQ(s = fo_path_dirname("/c.json"), "/");
    free(s);
    STR_EQ(s = fo_path_basename("a/b/"), "b");
    free(s);
    STR_EQ(s = fo_path_join("a/", "b"), "a/b");
    free(s);
    STR_EQ(s = fo_path_join("a", "b"), "a/b");
    free(s);
}

static void test_identifier(void)
{
    OK(fo_is_identifier("cerfa_12485_03"));
    OK(!fo_is_identifier("Cerfa"));
    OK(!fo_is_identifier("1abc"));
    OK(!fo_is_identifier(""));
    OK(!fo_is_identifier("a-b"));
    OK(!fo_is_identifier("a\"b"));
    OK(fo_is_identifier(
        "a23456789012345678901234567890123456789012345678901234567890123"));
    OK(!fo_is_identifier(
        "a234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_files(void)
{
    char dir[] = "/tmp/formocr-test-XXXXXX";
    char *path;
    uint8_t *data = NULL;
    size_t size = 0;
    fo_error err;

    OK(mkdtemp(dir) != NULL);
    path = fo_path_join(dir, "f.txt");
    INT_EQ(fo_write_file_atomic(path, "hello", 5, &err), FO_OK);
    INT_EQ(fo_read_file(path, 5, &data, &size, &err), FO_OK);
    INT_EQ(size, 5);
    OK(data && memcmp(data, "hello", 6) == 0); /* NUL-terminated */
    free(data);
    INT_EQ(fo_read_file(path, 4, &data, &size, &err), FO_ERR_LIMIT);
    OK(data == NULL);
    INT_EQ(fo_read_file(dir, 100, &data, &size, &err), FO_ERR_IO);
    STR_EQ(err.message, "is a folder, not a file");
    /* a file whose size is not what its inode said when opened (as one still
     * being written): /proc's files say 0 and hold more */
    INT_EQ(fo_read_file("/proc/self/status", 1 << 20, &data, &size, &err),
           FO_ERR_CHANGED);
    STR_CONTAINS(err.message, "changed while it was read");
    OK(data == NULL);
    /* a folder and its missing parents, as mkdir -p; a file in the way */
    char *deep = fo_asprintf("%s/a/b/c/", dir), *a = fo_path_join(dir, "a");
    INT_EQ(fo_make_dir(deep, &err), FO_OK);
    OK(fo_is_dir(deep));
    INT_EQ(fo_make_dir(deep, &err), FO_OK);
    char *blocked = fo_asprintf("%s/sub", path);
    INT_EQ(fo_make_dir(blocked, &err), FO_ERR_OUTPUT);
    STR_CONTAINS(err.message, "f.txt: not a folder");
    *strrchr(deep, '/') = '\0';   /* "dir/a/b/c" */
    for (int i = 0; i < 3; i++) { /* c, then b, then a */
        OK(rmdir(deep) == 0);
        *strrchr(deep, '/') = '\0';
    }
    OK(!fo_is_dir(a));
    free(blocked);
    free(deep);
    free(a);
    unlink(path);
    rmdir(dir);
    free(path);
}

static void test_strbuf(void)
{
    fo_strbuf b = FO_STRBUF_INIT;
    char *text, big[300];

    /* nothing added: "" (not NULL) */
    text = fo_strbuf_detach(&b);
    STR_EQ(text, "");
    free(text);
    STR_EQ(fo_strbuf_str(&b), "");
    /* grows past its first allocation, keeps every byte */
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    fo_strbuf_add(&b, "a");
    fo_strbuf_addc(&b, ',');
    fo_strbuf_addf(&b, "%d-%s", 42, "b");
    fo_strbuf_addn(&b, "cdef", 2);
    fo_strbuf_add(&b, big);
    INT_EQ((long long)b.len, (long long)(8 + sizeof big - 1));
    OK(strncmp(fo_strbuf_str(&b), "a,42-bcd", 8) == 0);
    text = fo_strbuf_detach(&b);
    OK(text && strlen(text) == 8 + sizeof big - 1 && text[8] == 'x');
    free(text);
    OK(b.s == NULL && b.len == 0); /* detaching resets */
    /* a failure is sticky: later text is ignored and detach gives NULL */
    fo_strbuf_add(&b, "kept?");
    fo_strbuf_addn(&b, "x", SIZE_MAX);
    OK(b.failed);
    fo_strbuf_add(&b, "more");
    STR_EQ(fo_strbuf_str(&b), "");
    OK(fo_strbuf_detach(&b) == NULL);
    OK(!b.failed);
    fo_strbuf_free(&b);
}

/* Names are bytes: fo_escape_text gives valid UTF-8, reversibly. */
static void test_escape_text(void)
{
    static const struct {
        const char *in;
        int flags;
        const char *out;
    } cases[] = {
        {"scans/Déclaration_été.tif", 0, "scans/Déclaration_été.tif"}, /* valid: kept */
        {"caf\xe9.jpg", 0, "caf\\xE9.jpg"},                            /* Latin-1 */
        {"a\\b", 0, "a\\b"},
        {"a\\b", FO_ESCAPE_BACKSLASH, "a\\\\b"},
        {"caf\xe9\\x", FO_ESCAPE_BACKSLASH, "caf\\xE9\\\\x"}, /* reversible */
        {"l1\nl2\x7f", 0, "l1\nl2\x7f"},
        {"l1\nl2\x7f", FO_ESCAPE_CONTROL, "l1\\x0Al2\\x7F"},
        {"\xc0\xaf", 0, "\\xC0\\xAF"},                   /* overlong '/' */
        {"\xed\xa0\x80", 0, "\\xED\\xA0\\x80"},          /* a surrogate */
        {"\xf4\x90\x80\x80", 0, "\\xF4\\x90\\x80\\x80"}, /* beyond U+10FFFF */
        {"\xf0\x9f\x93\x84", 0, "\xf0\x9f\x93\x84"},     /* U+1F4C4: kept */
        {"\xe2\x82", 0, "\\xE2\\x82"},                   /* cut short at the end */
        {"", FO_ESCAPE_CONTROL | FO_ESCAPE_BACKSLASH, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = fo_escape_text(cases[i].in, cases[i].flags);
        STR_EQ(got, cases[i].out);
        free(got);
    }
}

static void test_parse_int(void)
{
    long long v = 7;
    OK(fo_parse_int("42", 0, 100, &v) && v == 42);
    OK(fo_parse_int("-3", -5, 5, &v) && v == -3);
    v = 7;
    OK(!fo_parse_int("101", 0, 100, &v));
    OK(!fo_parse_int("", 0, 100, &v));
    OK(!fo_parse_int("4x", 0, 100, &v));
    OK(!fo_parse_int(NULL, 0, 100, &v));
    OK(!fo_parse_int("99999999999999999999", 0, 100, &v));
    INT_EQ(v, 7); /* untouched by failures */
}

int main(void)
{
    RUN(test_json_locate);
    RUN(test_sha256);
    RUN(test_paths);
    RUN(test_identifier);
    RUN(test_files);
    RUN(test_strbuf);
    RUN(test_parse_int);
    RUN(test_escape_text);
    return harness_done();
}
