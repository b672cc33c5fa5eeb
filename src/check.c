/*
 * check.c - the check stage (see check.h): turns what the read stage saw
 * into the value users get, and decides whether they can trust it.
 *
 * A field goes through the same steps in this order, so that the strongest
 * reason to look at it is the one reported (missing > invalid >
 * low_confidence > ok):
 *
 *   1. normalise by type; a reading that is not a value of its type (a
 *      date that does not parse, a character outside the charset, too many
 *      options ticked) is invalid;
 *   2. nothing read: missing when the field is required, whatever the
 *      confidence (there is nothing to be confident about), else ok;
 *   3. text-like types: the pattern, then the check (nir, siren ...);
 *   4. a confidence below the field's min_confidence: low_confidence.
 *
 * When a reading does not parse as its type, the value is the reading
 * trimmed with its blanks collapsed, so that a reviewer sees what was read
 * rather than a half-converted value.
 *
 * The checks exist to catch OCR errors, so they are exact: no separators,
 * no guessing.  The field normalisation removes spaces before them.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "formocr/check.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pattern.h"
#include "util.h"

enum {
    NIR_LEN = 15,     /* sex, year, month, département, commune, order, key */
    NIR_DEPT_POS = 5, /* département: 2 characters, "2A"/"2B" in Corsica */
    NIR_KEY_POS = 13, /* the key follows the 13-character number */
    NIR_MODULUS = 97,
    SIREN_LEN = 9,
    SIRET_LEN = 14,
    LA_POSTE_MODULUS = 5, /* La Poste's SIRETs: digit sum multiple of 5 */
    IBAN_MIN_LEN = 15,    /* Norway */
    IBAN_MAX_LEN = 34,    /* ISO 13616 */
    IBAN_FR_LEN = 27,
    IBAN_HEADER_LEN = 4, /* country code and check digits, moved to the end */
    IBAN_MODULUS = 97,
    POSTAL_CODE_LEN = 5,
    DEPT_MIN = 1, /* metropolitan départements 01-95 (Corsica: 20) */
    DEPT_MAX = 95,
    OVERSEAS_DEPT_MIN = 971, /* Guadeloupe ... Mayotte: 971-976 */
    OVERSEAS_DEPT_MAX = 976,
    YEAR_MIN = 1800, /* a date outside these years is a misreading */
    YEAR_MAX = 2199,
    DATE_WINDOW_FIRST = 19000101, /* the default earliest plausible date */
    YY_CENTURY_PIVOT = 50,        /* YY below: 20YY; from it on: 19YY */
    ISO_DATE_SIZE = sizeof "YYYY-MM-DD",
    CHOICE_REASON_MAX = 9 /* counts the choice messages spell out */
};

static const char DEFAULT_DATE_FORMAT[] = "DD/MM/YYYY";
static const char NIR_SEX_DIGITS[] = "123478";
static const char LA_POSTE_SIREN[] = "356000000";
/* La Poste's head office keeps the ordinary Luhn key (and its digit sum,
 * 26, is not a multiple of 5): python-stdnum makes the same exception. */
static const char LA_POSTE_HEAD_OFFICE_SIRET[] = "35600000000048";
/* French typography puts these in numbers ("1 234,56") and before ":". */
static const char NBSP[] = "\xC2\xA0";      /* U+00A0 no-break space */
static const char NNBSP[] = "\xE2\x80\xAF"; /* U+202F narrow no-break space */
static const char MARK_ON[] = "1", MARK_OFF[] = "0";

static const char REASON_EMPTY[] = "required field is empty";

/*
 * A reason is static (check.h), so the messages on choice bounds are
 * spelled out at compile time for the counts real forms have, indexed by
 * [options ticked][bound]; beyond CHOICE_REASON_MAX a message without
 * numbers is used.
 */
/* clang-format off */
#define TOO_MANY(ticked, m) ticked " ticked, at most " #m " allowed"
#define TOO_FEW(ticked, m) ticked " ticked, at least " #m " required"
#define BOUND_ROW(MSG, ticked)                                                  \
    {MSG(ticked, 0), MSG(ticked, 1), MSG(ticked, 2), MSG(ticked, 3),            \
     MSG(ticked, 4), MSG(ticked, 5), MSG(ticked, 6), MSG(ticked, 7),            \
     MSG(ticked, 8), MSG(ticked, 9)}
#define BOUND_TABLE(MSG)                                                        \
    {BOUND_ROW(MSG, "no option"), BOUND_ROW(MSG, "1 option"),                   \
     BOUND_ROW(MSG, "2 options"), BOUND_ROW(MSG, "3 options"),                  \
     BOUND_ROW(MSG, "4 options"), BOUND_ROW(MSG, "5 options"),                  \
     BOUND_ROW(MSG, "6 options"), BOUND_ROW(MSG, "7 options"),                  \
     BOUND_ROW(MSG, "8 options"), BOUND_ROW(MSG, "9 options")}

static const char *const TOO_MANY_TICKED[CHOICE_REASON_MAX + 1]
                                        [CHOICE_REASON_MAX + 1] = BOUND_TABLE(TOO_MANY);
static const char *const TOO_FEW_TICKED[CHOICE_REASON_MAX + 1]
                                       [CHOICE_REASON_MAX + 1] = BOUND_TABLE(TOO_FEW);
/* clang-format on */

#undef BOUND_TABLE
#undef BOUND_ROW
#undef TOO_FEW
#undef TOO_MANY

static const char *bound_reason(const char *const table[][CHOICE_REASON_MAX + 1],
                                int ticked, int bound, const char *generic)
{
    if (ticked < 0 || ticked > CHOICE_REASON_MAX || bound < 0 ||
        bound > CHOICE_REASON_MAX)
        return generic;
    return table[ticked][bound];
}

/* ---- characters ---------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* Bytes of the blank at p (before end), 0 if p is not one.  A blank is an
 * ASCII space other than the line break, or a no-break space. */
static size_t blank_len(const char *p, const char *end)
{
    size_t left = (size_t)(end - p);
    if (left == 0)
        return 0;
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
        return 1;
    if (left >= sizeof NBSP - 1 && memcmp(p, NBSP, sizeof NBSP - 1) == 0)
        return sizeof NBSP - 1;
    if (left >= sizeof NNBSP - 1 && memcmp(p, NNBSP, sizeof NNBSP - 1) == 0)
        return sizeof NNBSP - 1;
    return 0;
}

/* Length of the UTF-8 sequence at p (1 to 4), or 0 if it is not one.  p is
 * NUL-terminated, so a truncated sequence stops at the NUL. */
static size_t utf8_len(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t n;
    if (u[0] < 0x80)
        return 1;
    if ((u[0] & 0xE0) == 0xC0)
        n = 2;
    else if ((u[0] & 0xF0) == 0xE0)
        n = 3;
    else if ((u[0] & 0xF8) == 0xF0)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((u[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static bool in_charset(const char *charset, const char *c, size_t n)
{
    for (const char *p = charset; *p;) {
        size_t m = utf8_len(p);
        if (m == 0)
            m = 1; /* a stray byte in the template matches nothing */
        if (m == n && memcmp(p, c, n) == 0)
            return true;
        p += m;
    }
    return false;
}

/* Every character of value other than ' ' and '\n' (which normalisation
 * put there) is in charset; invalid UTF-8 never is. */
static bool within_charset(const char *value, const char *charset)
{
    for (const char *p = value; *p;) {
        size_t n = utf8_len(p);
        if (n == 0)
            return false;
        if (*p != ' ' && *p != '\n' && !in_charset(charset, p, n))
            return false;
        p += n;
    }
    return true;
}

/* ---- text normalisation -------------------------------------------------- */

/* Copies [p, end) to o without blanks or line breaks; returns the new end. */
static char *put_squeezed(char *o, const char *p, const char *end)
{
    while (p < end) {
        size_t n = *p == '\n' ? 1 : blank_len(p, end);
        if (n > 0) {
            p += n;
            continue;
        }
        *o++ = *p++;
    }
    return o;
}

/* Copies the line [p, end) to o trimmed, each run of blanks made one
 * space; returns the new end. */
static char *put_collapsed(char *o, const char *p, const char *end)
{
    char *start = o;
    bool gap = false;
    while (p < end) {
        size_t n = blank_len(p, end);
        if (n > 0) {
            gap = o != start;
            p += n;
            continue;
        }
        if (gap)
            *o++ = ' ';
        gap = false;
        *o++ = *p++;
    }
    return o;
}

/* s without any blank or line break (malloc'd). */
static char *squeeze(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    if (out)
        *put_squeezed(out, s, s + len) = '\0';
    return out;
}

/*
 * Each line of s trimmed with its blanks collapsed, empty lines dropped,
 * the others joined with sep (malloc'd).  The result is never longer than
 * s: a separator is only written for a line break that was read.
 */
static char *collapse_lines(const char *s, char sep)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1), *o = out;
    const char *p = s;

    if (!out)
        return NULL;
    for (;;) {
        const char *eol = strchr(p, '\n');
        char *line, *end;
        if (!eol)
            eol = s + len;
        line = o == out ? o : o + 1; /* room for sep */
        end = put_collapsed(line, p, eol);
        if (end != line) {
            if (line != o)
                *o = sep;
            o = end;
        }
        if (*eol == '\0')
            break;
        p = eol + 1;
    }
    *o = '\0';
    return out;
}

/* ---- helpers on out ------------------------------------------------------ */

static void set_status(fo_value *out, fo_field_status status, const char *reason)
{
    out->status = status;
    out->reason = reason;
}

/* The reading is not a value of its type: invalid, and the value becomes
 * the reading as a reviewer would type it (see the top of this file). */
static int reject_reading(const char *raw, const char *reason, fo_value *out)
{
    free(out->value);
    out->value = collapse_lines(raw, ' ');
    set_status(out, FO_STATUS_INVALID, reason);
    return out->value ? FO_OK : FO_ERR_NOMEM;
}

/* ---- text ---------------------------------------------------------------- */

static int normalise_text(const fo_field *f, const char *raw, fo_value *out)
{
    /* One character per cell, blanks for empty cells; a value under a check
     * is an identifier that people write in groups ("FR76 3000 ..."). */
    if (f->geometry == FO_GEOM_CELLS || f->comb > 0 || f->check != FO_CHECK_NONE)
        out->value = squeeze(raw);
    else
        /* lines stay lines, whether the form gave each its own box or one
         * tall box holds them all (an address block) */
        out->value = collapse_lines(raw, '\n');
    if (!out->value)
        return FO_ERR_NOMEM;
    /* The letters of these identifiers are capitals ("2A", "FR"). */
    if (f->check == FO_CHECK_NIR || f->check == FO_CHECK_IBAN)
        for (char *p = out->value; *p; p++)
            *p = to_upper(*p);
    if (f->charset && !within_charset(out->value, f->charset))
        set_status(out, FO_STATUS_INVALID, "character outside charset");
    return FO_OK;
}

/* ---- numbers --------------------------------------------------------------- */

/*
 * A copy of raw without the currency unit written after the number: "€",
 * "EUR", "euro" or "euros" (any case), after a space or the last digit.
 * NULL when out of memory.  Other letters stay, and make the value
 * invalid, but for a lone E after the last digit or a space: a "€" the
 * OCR read as the letter (Liberation Sans Narrow's, make-corpus2.py),
 * taken away with *guessed set: the caller flags the value once every
 * other check has passed (an empty, invalid or mismatched value says so).
 */
static char *without_unit(const char *raw, bool *guessed)
{
    static const char *const UNITS[] = {"\u20AC", "euros", "euro", "eur", NULL};
    size_t n = strlen(raw);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, raw, n + 1);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        s[--n] = '\0';
    *guessed = false;
    for (const char *const *u = UNITS; *u; u++) {
        size_t k = strlen(*u);
        if (n > k && strncasecmp(s + n - k, *u, k) == 0 &&
            (s[n - k - 1] == ' ' || is_digit(s[n - k - 1]))) {
            s[n - k] = '\0';
            return s;
        }
    }
    if (n > 1 && (s[n - 1] == 'E' || s[n - 1] == 'e') &&
        (s[n - 2] == ' ' || is_digit(s[n - 2]))) {
        s[n - 1] = '\0';
        *guessed = true;
    }
    return s;
}

/* The reason given to a number whose unit was guessed (without_unit). */
static const char *const REASON_EURO_GUESSED =
    "a letter E after the number taken for the sign \u20AC";

/* ---- integer ------------------------------------------------------------- */

static int normalise_integer(const char *raw, fo_value *out, bool *guessed)
{
    const char *digits;
    char *number = without_unit(raw, guessed);

    out->value = number ? squeeze(number) : NULL;
    free(number);
    if (!out->value)
        return FO_ERR_NOMEM;
    digits = out->value + (out->value[0] == '-');
    if (out->value[0] != '\0' &&
        (*digits == '\0' || !all_digits(digits, strlen(digits))))
        return reject_reading(raw, "not an integer", out);
    return FO_OK;
}

/* ---- decimal ------------------------------------------------------------- */

/*
 * Rewrites the decimal s (no blanks) in place as digits with '.' before
 * the fraction and no grouping; false if s is not a decimal as French or
 * English forms write one.  It never writes past what it has read, hence
 * in place.
 *
 * The separator that comes last is the decimal one when both ',' and '.'
 * appear ("1.234,56", "1,234.56"); the other then groups by 3.  Alone, one
 * ',' or one '.' is decimal, several '.' group ("1.234.567").  Several ','
 * and no '.' ("1,2,3") is nothing a French form means, so it is refused.
 */
static bool rewrite_decimal(char *s)
{
    char *o = s, *p = s;
    const char *last_sep = NULL;
    char decimal = '\0', group = '\0';
    int commas = 0, dots = 0, run = 0;
    bool grouped = false;

    if (*p == '-')
        *o++ = *p++;
    if (!is_digit(*p))
        return false;
    for (const char *q = p; *q; q++) {
        if (*q == ',' || *q == '.') {
            commas += *q == ',';
            dots += *q == '.';
            last_sep = q;
        } else if (!is_digit(*q)) {
            return false;
        }
    }
    if (commas > 0 && dots > 0) {
        decimal = *last_sep;
        group = decimal == ',' ? '.' : ',';
    } else if (commas == 1) {
        decimal = ',';
    } else if (commas > 1) {
        return false;
    } else if (dots == 1) {
        decimal = '.';
    } else if (dots > 1) {
        group = '.';
    }

    /* Integer part: a first group of 1 to 3 digits, then groups of 3.  A
     * second decimal separator ends it too, and is refused below. */
    for (; *p && *p != decimal; p++) {
        if (is_digit(*p)) {
            *o++ = *p;
            run++;
        } else if (*p == group && run >= 1 && run <= 3 && (!grouped || run == 3)) {
            grouped = true;
            run = 0;
        } else {
            return false;
        }
    }
    if (grouped && run != 3)
        return false;
    if (*p != '\0') { /* the decimal separator, then at least one digit */
        p++;
        *o++ = '.';
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            *o++ = *p++;
        if (*p != '\0')
            return false;
    }
    *o = '\0';
    return true;
}

static int normalise_decimal(const char *raw, fo_value *out, bool *guessed)
{
    char *number = without_unit(raw, guessed);
    out->value = number ? squeeze(number) : NULL;
    free(number);
    if (!out->value)
        return FO_ERR_NOMEM;
    if (out->value[0] != '\0' && !rewrite_decimal(out->value))
        return reject_reading(raw, "not a decimal", out);
    return FO_OK;
}

/* ---- date ---------------------------------------------------------------- */

/* Today as YYYYMMDD, local time. */
static int today_ymd(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 20000101;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

typedef enum date_part { PART_DAY, PART_MONTH, PART_YEAR, NPARTS } date_part;

/* What a date_format says: the parts in reading order and their digits. */
typedef struct date_layout {
    date_part order[NPARTS];
    int ndigits[NPARTS]; /* in reading order */
    int total;           /* digits in all */
    int year_digits;     /* 4, or 2 for YY */
} date_layout;

/* DD, MM and YYYY or YY once each; anything else but letters separates
 * (the template loader has checked this already). */
static bool parse_date_format(const char *fmt, date_layout *L)
{
    static const struct {
        const char *token;
        date_part part;
    } TOKENS[] = {
        {"YYYY", PART_YEAR}, {"YY", PART_YEAR}, {"DD", PART_DAY}, {"MM", PART_MONTH}};
    int n = 0, seen[NPARTS] = {0};

    L->total = 0;
    L->year_digits = 0;
    for (const char *p = fmt; *p;) {
        size_t i, len = 0;
        for (i = 0; i < sizeof TOKENS / sizeof *TOKENS; i++) {
            len = strlen(TOKENS[i].token);
            if (strncmp(p, TOKENS[i].token, len) == 0)
                break;
        }
        if (i == sizeof TOKENS / sizeof *TOKENS) {
            if (is_alpha(*p) || is_digit(*p))
                return false;
            p++;
            continue;
        }
        if (seen[TOKENS[i].part]++ || n == NPARTS)
            return false;
        L->order[n] = TOKENS[i].part;
        L->ndigits[n] = (int)len;
        if (TOKENS[i].part == PART_YEAR)
            L->year_digits = (int)len;
        L->total += (int)len;
        n++;
        p += len;
    }
    return n == NPARTS;
}

/*
 * Reads raw in layout L into part values (indexed by date_part).  Returns
 * NULL on success, else why not; *blank tells that raw holds no digit and
 * nothing but separators, i.e. that nothing was written.
 *
 * The digits alone, when there are as many as the format has, are read in
 * the format's order: that covers combs with or without separators.  Else
 * exactly three groups of digits, in the format's order ("5/3/2021").  A
 * letter anywhere refuses the date: a digit read as a letter ("1O") must
 * not silently drop out of it.
 */
static const char *read_date(const date_layout *L, const char *raw, int part[NPARTS],
                             bool *blank)
{
    const char *end = raw + strlen(raw);
    const char *group[NPARTS];
    int group_len[NPARTS], ngroups = 0, ndigits = 0;

    *blank = false;
    for (const char *p = raw; p < end;) {
        size_t n = blank_len(p, end);
        if (n > 0) {
            p += n;
            continue;
        }
        if (is_digit(*p)) {
            if (p == raw || !is_digit(p[-1])) {
                if (ngroups < NPARTS) {
                    group[ngroups] = p;
                    group_len[ngroups] = 0;
                }
                ngroups++;
            }
            if (ngroups <= NPARTS)
                group_len[ngroups - 1]++;
            ndigits++;
        } else if ((unsigned char)*p >= 0x80 || is_alpha(*p) ||
                   (*p < ' ' && *p != '\n')) {
            return "not a date";
        }
        p++;
    }
    if (ndigits == 0) {
        *blank = true;
        return NULL;
    }

    if (ndigits == L->total) {
        char digits[sizeof "YYYYMMDD"];
        int k = 0;
        for (const char *p = raw; *p; p++)
            if (is_digit(*p))
                digits[k++] = *p;
        k = 0;
        for (int i = 0; i < NPARTS; i++) {
            part[L->order[i]] = fo_parse_digits(digits + k, L->ndigits[i]);
            k += L->ndigits[i];
        }
    } else if (ngroups == NPARTS) {
        for (int i = 0; i < NPARTS; i++) {
            bool year = L->order[i] == PART_YEAR;
            if (year ? group_len[i] != L->ndigits[i]
                     : group_len[i] < 1 || group_len[i] > 2)
                return "not a date";
            part[L->order[i]] = fo_parse_digits(group[i], group_len[i]);
        }
    } else {
        return "not a date";
    }

    if (L->year_digits == 2) /* 20YY up to a year from now, else 19YY */
        part[PART_YEAR] +=
            2000 + part[PART_YEAR] <= today_ymd() / 10000 + 1 ? 2000 : 1900;
    if (part[PART_YEAR] < YEAR_MIN || part[PART_YEAR] > YEAR_MAX ||
        part[PART_MONTH] < 1 || part[PART_MONTH] > 12 || part[PART_DAY] < 1 ||
        part[PART_DAY] > fo_days_in_month(part[PART_YEAR], part[PART_MONTH]))
        return "impossible date";
    return NULL;
}

/* A date that parses but cannot be true on this form (issue 15, point 5): a
 * date read as 2094-05-07 on a form filled today is a misreading.  Outside
 * the field's window -- by default 1900-01-01 to a year after today; a
 * template narrows it with not_before / not_after ("today" for a birth
 * date) -- it is invalid, saying which bound it crossed. */
static void check_date_window(const fo_field *f, int ymd, fo_value *out)
{
    int today = today_ymd();
    int lo = f->not_before == FO_DATE_TODAY ? today
             : f->not_before > 0            ? f->not_before
                                            : DATE_WINDOW_FIRST;
    int hi = f->not_after == FO_DATE_TODAY ? today
             : f->not_after > 0            ? f->not_after
                                           : today + 10000; /* a year on */
    if (ymd < lo)
        set_status(out, FO_STATUS_INVALID,
                   "implausible date: earlier than the form allows");
    else if (ymd > hi)
        set_status(out, FO_STATUS_INVALID,
                   "implausible date: later than the form allows");
}

static int normalise_date(const fo_field *f, const char *raw, fo_value *out)
{
    const char *fmt = f->date_format ? f->date_format : DEFAULT_DATE_FORMAT;
    date_layout layout;
    int part[NPARTS];
    const char *problem;
    bool blank;

    if (!parse_date_format(fmt, &layout))
        return reject_reading(raw, "invalid date_format", out);
    problem = read_date(&layout, raw, part, &blank);
    if (problem)
        return reject_reading(raw, problem, out);
    if (blank)
        out->value = fo_strdup("");
    else if ((out->value = malloc(ISO_DATE_SIZE)))
        snprintf(out->value, ISO_DATE_SIZE, "%04d-%02d-%02d", part[PART_YEAR],
                 part[PART_MONTH], part[PART_DAY]);
    if (!out->value)
        return FO_ERR_NOMEM;
    if (!blank)
        check_date_window(
            f, part[PART_YEAR] * 10000 + part[PART_MONTH] * 100 + part[PART_DAY], out);
    return FO_OK;
}

/* ---- checkbox, signature ------------------------------------------------- */

static int normalise_mark(const char *raw, fo_value *out)
{
    if (!(out->value = collapse_lines(raw, ' ')))
        return FO_ERR_NOMEM;
    if (out->value[0] != '\0' && strcmp(out->value, MARK_ON) != 0 &&
        strcmp(out->value, MARK_OFF) != 0)
        set_status(out, FO_STATUS_INVALID, "expected 0 or 1");
    return FO_OK;
}

/* ---- choice -------------------------------------------------------------- */

static bool is_option(const fo_field *f, const char *name, size_t len)
{
    for (int i = 0; i < f->noptions; i++)
        if (strlen(f->options[i].name) == len &&
            memcmp(f->options[i].name, name, len) == 0)
            return true;
    return false;
}

static int normalise_choice(const fo_field *f, const char *raw, fo_value *out)
{
    int ticked = 0;

    if (!(out->value = fo_strdup(raw)))
        return FO_ERR_NOMEM;
    /* "" names no option; otherwise every comma starts one more name. */
    for (const char *p = raw; raw[0] != '\0'; p++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        /* The read stage names options from the template; anything else
         * ("a,,b" too) means a bug upstream, which must not pass for a
         * value.  A field built without options (tests, tools) only counts. */
        if (f->noptions > 0 && !is_option(f, p, len)) {
            set_status(out, FO_STATUS_INVALID, "unknown option");
            return FO_OK;
        }
        ticked++;
        if (!comma)
            break;
        p = comma;
    }
    if (ticked > f->max)
        set_status(
            out, FO_STATUS_INVALID,
            bound_reason(TOO_MANY_TICKED, ticked, f->max, "too many options ticked"));
    else if (ticked > 0 && ticked < f->min)
        set_status(
            out, FO_STATUS_INVALID,
            bound_reason(TOO_FEW_TICKED, ticked, f->min, "too few options ticked"));
    else if (ticked == 0 && (f->min >= 1 || f->required))
        set_status(out, FO_STATUS_MISSING,
                   bound_reason(TOO_FEW_TICKED, 0, f->min >= 1 ? f->min : 1,
                                "no option ticked"));
    return FO_OK;
}

/* ---- pattern and checks -------------------------------------------------- */

static int match_pattern(const fo_field *f, fo_value *out)
{
    pcre2_code *re = f->pattern_code;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc;

    if (!md)
        return FO_ERR_NOMEM;
    /* The whole value must match: a pattern that matched a part of it
     * would let a character the OCR added go through. */
    rc = fo_pattern_match(f, out->value, strlen(out->value),
                          PCRE2_ANCHORED | PCRE2_ENDANCHORED, md);
    pcre2_match_data_free(md);
    if (rc == FO_PATTERN_NO)
        set_status(out, FO_STATUS_INVALID, "does not match pattern");
    else if (rc == FO_PATTERN_LIMIT) /* not confirmed either */
        set_status(out, FO_STATUS_INVALID, "pattern too costly to check");
    else if (rc != FO_PATTERN_YES) /* invalid UTF-8: not a match */
        set_status(out, FO_STATUS_INVALID, "pattern match failed");
    return FO_OK;
}

/*
 * The check functions below return NULL for a valid value, else the
 * reason; fo_check_* wrap them for callers that only need yes or no.
 */

static bool luhn_ok(const char *s, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[n - 1 - i] - '0';
        if (i % 2 == 1) { /* every second digit from the right is doubled */
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum = (sum + d) % 10;
    }
    return sum == 0;
}

/*
 * NIR: sex (1, 2; 3, 4, 7, 8 for special and temporary numbers), year and
 * month of birth (any two digits: 20-42 and 50-99 mark unknown months),
 * département ("2A"/"2B" in Corsica), commune, order, then a key of
 * 97 - (n mod 97) on the first 13 characters read as a number n.
 *
 * Corsica: INSEE's rule reads 2A as 19 and 2B as 18.  The other usual
 * wording, "replace by 20 and subtract 1 000 000 (2A) or 2 000 000 (2B)",
 * is the same number, since the département's units digit weighs 10^6.
 * n < 10^13 fits 64 bits.
 */
static const char *nir_problem(const char *s)
{
    int64_t n = 0;
    char dept_units;

    if (strlen(s) != NIR_LEN)
        return "nir must have 15 characters";
    dept_units = to_upper(s[NIR_DEPT_POS + 1]);
    if (!strchr(NIR_SEX_DIGITS, s[0]) || !all_digits(s + 1, NIR_DEPT_POS - 1) ||
        !(all_digits(s + NIR_DEPT_POS, 2) ||
          (s[NIR_DEPT_POS] == '2' && (dept_units == 'A' || dept_units == 'B'))) ||
        !all_digits(s + NIR_DEPT_POS + 2, NIR_LEN - NIR_DEPT_POS - 2))
        return "not a nir";
    for (int i = 0; i < NIR_KEY_POS; i++) {
        int d = s[i] - '0';
        if (i == NIR_DEPT_POS && !is_digit(dept_units))
            d = 1; /* 2A -> 19, 2B -> 18 */
        else if (i == NIR_DEPT_POS + 1 && !is_digit(dept_units))
            d = dept_units == 'A' ? 9 : 8;
        n = n * 10 + d;
    }
    if (NIR_MODULUS - n % NIR_MODULUS != fo_parse_digits(s + NIR_KEY_POS, 2))
        return "nir key mismatch";
    return NULL;
}

static const char *luhn_problem(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || !all_digits(s, n))
        return "luhn check needs digits";
    return luhn_ok(s, n) ? NULL : "fails luhn check";
}

static const char *siren_problem(const char *s)
{
    if (strlen(s) != SIREN_LEN || !all_digits(s, SIREN_LEN))
        return "siren must have 9 digits";
    return luhn_ok(s, SIREN_LEN) ? NULL : "siren fails luhn check";
}

/* A SIRET is a SIREN (with its own key) and a 5-digit establishment
 * number whose last digit keys the 14.  La Poste numbers its many
 * establishments so that the digit sum is a multiple of 5 instead. */
static const char *siret_problem(const char *s)
{
    if (strlen(s) != SIRET_LEN || !all_digits(s, SIRET_LEN))
        return "siret must have 14 digits";
    if (strncmp(s, LA_POSTE_SIREN, SIREN_LEN) == 0 &&
        strcmp(s, LA_POSTE_HEAD_OFFICE_SIRET) != 0) {
        int sum = 0;
        for (int i = 0; i < SIRET_LEN; i++)
            sum += s[i] - '0';
        if (sum % LA_POSTE_MODULUS != 0)
            return "siret fails la poste checksum";
    } else if (!luhn_ok(s, SIRET_LEN)) {
        return "siret fails luhn check";
    }
    return luhn_ok(s, SIREN_LEN) ? NULL : "siret's siren fails luhn check";
}

/* ISO 13616: move the first 4 characters to the end, read letters as
 * 10..35, and the number must be 1 mod 97.  The number has up to 68
 * digits, so the remainder is carried digit by digit. */
static const char *iban_problem(const char *s)
{
    size_t n = strlen(s);
    int r = 0;

    if (n < IBAN_MIN_LEN || n > IBAN_MAX_LEN)
        return "iban must have 15 to 34 characters";
    if (!is_alpha(s[0]) || !is_alpha(s[1]) || !is_digit(s[2]) || !is_digit(s[3]))
        return "not an iban";
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]))
            return "not an iban";
    if (to_upper(s[0]) == 'F' && to_upper(s[1]) == 'R' && n != IBAN_FR_LEN)
        return "french iban must have 27 characters";
    for (size_t i = 0; i < n; i++) {
        char c = to_upper(s[(i + IBAN_HEADER_LEN) % n]);
        if (is_digit(c))
            r = (r * 10 + (c - '0')) % IBAN_MODULUS;
        else
            r = (r * 100 + (c - 'A' + 10)) % IBAN_MODULUS;
    }
    return r == 1 ? NULL : "iban key mismatch";
}

static const char *code_postal_problem(const char *s)
{
    int dept2, dept3;
    if (strlen(s) != POSTAL_CODE_LEN || !all_digits(s, POSTAL_CODE_LEN))
        return "postal code must have 5 digits";
    dept2 = fo_parse_digits(s, 2);
    dept3 = fo_parse_digits(s, 3);
    if ((dept2 >= DEPT_MIN && dept2 <= DEPT_MAX) ||
        (dept3 >= OVERSEAS_DEPT_MIN && dept3 <= OVERSEAS_DEPT_MAX))
        return NULL;
    return "no such département";
}

static const char *check_problem(fo_check check, const char *s)
{
    switch (check) {
    case FO_CHECK_NONE: return NULL;
    case FO_CHECK_NIR: return nir_problem(s);
    case FO_CHECK_SIREN: return siren_problem(s);
    case FO_CHECK_SIRET: return siret_problem(s);
    case FO_CHECK_IBAN: return iban_problem(s);
    case FO_CHECK_LUHN: return luhn_problem(s);
    case FO_CHECK_CODE_POSTAL: return code_postal_problem(s);
    }
    return "unknown check";
}

bool fo_check_nir(const char *s)
{
    return s && !nir_problem(s);
}

bool fo_check_luhn(const char *s)
{
    return s && !luhn_problem(s);
}

bool fo_check_siren(const char *s)
{
    return s && !siren_problem(s);
}

bool fo_check_siret(const char *s)
{
    return s && !siret_problem(s);
}

bool fo_check_iban(const char *s)
{
    return s && !iban_problem(s);
}

bool fo_check_code_postal(const char *s)
{
    return s && !code_postal_problem(s);
}

/* ---- the stage ----------------------------------------------------------- */

static bool is_text_like(fo_field_type t)
{
    return t == FO_FIELD_TEXT || t == FO_FIELD_INTEGER || t == FO_FIELD_DECIMAL ||
           t == FO_FIELD_DATE;
}

int fo_check_field(const fo_field *f, const char *raw, double confidence, fo_value *out)
{
    const char *problem;
    bool unit_guessed = false; /* see without_unit: flagged after every check */
    int rc;

    if (!out)
        return FO_ERR_USAGE;
    memset(out, 0, sizeof *out);
    if (!f)
        return FO_ERR_USAGE;
    if (!raw)
        raw = "";

    switch (f->type) {
    case FO_FIELD_TEXT: rc = normalise_text(f, raw, out); break;
    case FO_FIELD_INTEGER: rc = normalise_integer(raw, out, &unit_guessed); break;
    case FO_FIELD_DECIMAL: rc = normalise_decimal(raw, out, &unit_guessed); break;
    case FO_FIELD_DATE: rc = normalise_date(f, raw, out); break;
    case FO_FIELD_CHECKBOX:
    case FO_FIELD_SIGNATURE: rc = normalise_mark(raw, out); break;
    case FO_FIELD_CHOICE: rc = normalise_choice(f, raw, out); break;
    default: rc = FO_ERR_USAGE; break;
    }
    if (rc != FO_OK || out->status != FO_STATUS_OK)
        goto out;

    if (out->value[0] == '\0') {
        if (f->required)
            set_status(out, FO_STATUS_MISSING, REASON_EMPTY);
        goto out;
    }
    /* An unticked box or an absent signature is a value, "0", unless the
     * form requires the mark. */
    if ((f->type == FO_FIELD_CHECKBOX || f->type == FO_FIELD_SIGNATURE) &&
        f->required && strcmp(out->value, MARK_OFF) == 0) {
        set_status(out, FO_STATUS_MISSING,
                   f->type == FO_FIELD_CHECKBOX ? "required box is not ticked"
                                                : "required signature is absent");
        goto out;
    }

    if (is_text_like(f->type)) {
        if (f->pattern_code && (rc = match_pattern(f, out)) != FO_OK)
            goto out;
        if (out->status == FO_STATUS_OK &&
            (problem = check_problem(f->check, out->value)))
            set_status(out, FO_STATUS_INVALID, problem);
    }

    if (out->status == FO_STATUS_OK && unit_guessed)
        set_status(out, FO_STATUS_LOW_CONFIDENCE, REASON_EURO_GUESSED);
    /* Written so that a NaN confidence counts as low, not as certain. */
    if (out->status == FO_STATUS_OK && !(confidence >= f->min_confidence))
        set_status(out, FO_STATUS_LOW_CONFIDENCE, "below min_confidence");

out:
    if (rc != FO_OK)
        fo_value_free(out);
    return rc;
}

void fo_value_free(fo_value *v)
{
    if (!v)
        return;
    free(v->value);
    memset(v, 0, sizeof *v);
}
