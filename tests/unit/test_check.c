/* test_check.c - normalising, validating and flagging field values. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "formocr/check.h"
#include <time.h>

#include "harness.h"

static const double SURE = 95.0; /* above every min_confidence used here */
static const double UNSURE = 10.0;

static char FIELD_NAME[] = "field";

/* A field as the template loader would make it, before the test's tweaks. */
static fo_field make_field(fo_field_type type)
{
    fo_field f;
    memset(&f, 0, sizeof f);
    f.name = FIELD_NAME;
    f.type = type;
    f.geometry = type == FO_FIELD_CHOICE ? FO_GEOM_OPTIONS : FO_GEOM_BOX;
    f.min = 0;
    f.max = 1;
    f.min_confidence = FO_DEFAULT_MIN_CONFIDENCE;
    return f;
}

static pcre2_code *compile(const char *pattern)
{
    int errcode;
    PCRE2_SIZE erroffset;
    return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_UCP, &errcode, &erroffset, NULL);
}

/* Checks raw against f and compares everything fo_check_field sets; a
 * macro so that a failure names the line of the case. */
#define EXPECT(f, raw, conf, want_value, want_status, want_reason)                     \
    do {                                                                               \
        fo_value v_;                                                                   \
        const char *want_reason_ = (want_reason);                                      \
        INT_EQ(fo_check_field((f), (raw), (conf), &v_), FO_OK);                        \
        STR_EQ(v_.value, (want_value));                                                \
        STR_EQ(fo_field_status_name(v_.status), fo_field_status_name(want_status));    \
        if (want_reason_)                                                              \
            STR_EQ(v_.reason, want_reason_);                                           \
        else                                                                           \
            OK(v_.reason == NULL);                                                     \
        fo_value_free(&v_);                                                            \
    } while (0)

#define EXPECT_OK(f, raw, want_value)                                                  \
    EXPECT(f, raw, SURE, want_value, FO_STATUS_OK, NULL)
#define EXPECT_INVALID(f, raw, want_value, want_reason)                                \
    EXPECT(f, raw, SURE, want_value, FO_STATUS_INVALID, want_reason)

static void test_status_names(void)
{
    STR_EQ(fo_field_status_name(FO_STATUS_OK), "ok");
    STR_EQ(fo_field_status_name(FO_STATUS_LOW_CONFIDENCE), "low_confidence");
    STR_EQ(fo_field_status_name(FO_STATUS_INVALID), "invalid");
    STR_EQ(fo_field_status_name(FO_STATUS_MISSING), "missing");
    STR_EQ(fo_field_status_name((fo_field_status)42), "unknown");
}

static void test_text_is_trimmed_and_collapsed(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);
    EXPECT_OK(&f, "DUPONT", "DUPONT");
    EXPECT_OK(&f, "  Jean \t  DUPONT\xC2\xA0 ", "Jean DUPONT");
    EXPECT_OK(&f, "Jean\xC2\xA0\xC2\xA0Pierre", "Jean Pierre"); /* U+00A0 */
    EXPECT_OK(&f,
              "12\xE2\x80\xAF"
              "bis",
              "12 bis"); /* U+202F */
    EXPECT_OK(&f, "H\xC3\xA9l\xC3\xA8ne   M\xC3\xBCller",
              "H\xC3\xA9l\xC3\xA8ne M\xC3\xBCller");
    /* A tall box holding several lines (an address block) keeps them:
     * each trimmed, blank lines dropped. */
    EXPECT_OK(&f, "12 rue\n  des Lilas \n", "12 rue\ndes Lilas");
    EXPECT_OK(&f, "a\r\nb", "a\nb");

    f.geometry = FO_GEOM_LINES;
    EXPECT_OK(&f, " 12 rue  des Lilas \n\n \t \n 75001  PARIS ",
              "12 rue des Lilas\n75001 PARIS");
    EXPECT_OK(&f, "\n\nBAT B\n", "BAT B");
    EXPECT_OK(&f, "\n \n", "");
}

static void test_text_combs_lose_their_blanks(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);
    f.comb = 5;
    EXPECT_OK(&f, "7 5 0 0 1", "75001");
    EXPECT_OK(&f,
              " 75\xC2\xA0"
              "001 ",
              "75001");
    f.comb = 0;
    f.geometry = FO_GEOM_CELLS;
    EXPECT_OK(&f, " A B  C", "ABC");
    EXPECT_OK(&f, "     ", "");
}

static void test_text_charset(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);
    static char digits[] = "0123456789";
    static char letters[] = "ABCDE\xC3\x89"; /* É */

    f.comb = 5;
    f.charset = digits;
    EXPECT_OK(&f, "75 001", "75001");
    EXPECT_INVALID(&f, "75O01", "75O01", "character outside charset");

    f.comb = 0;
    f.charset = letters;
    EXPECT_OK(&f,
              "\xC3\x89"
              "CE",
              "\xC3\x89"
              "CE");
    EXPECT_OK(&f, "A  B", "A B"); /* the spaces normalisation leaves are fine */
    EXPECT_INVALID(&f,
                   "\xC3\x88"
                   "CE",
                   "\xC3\x88"
                   "CE",
                   "character outside charset");
    EXPECT_INVALID(&f, "A\xFF", "A\xFF", "character outside charset"); /* not UTF-8 */
    f.geometry = FO_GEOM_LINES;
    EXPECT_OK(&f, "AB\nCD", "AB\nCD");
    EXPECT_INVALID(&f, "AB\nCF", "AB\nCF", "character outside charset");
}

static void test_empty_and_required(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);

    /* Nothing read and not required: ok, whatever the confidence. */
    EXPECT(&f, NULL, 0.0, "", FO_STATUS_OK, NULL);
    EXPECT(&f, " \t\xC2\xA0 ", 0.0, "", FO_STATUS_OK, NULL);

    f.required = true;
    EXPECT(&f, NULL, SURE, "", FO_STATUS_MISSING, "required field is empty");
    EXPECT(&f, "", 0.0, "", FO_STATUS_MISSING, "required field is empty");
    EXPECT(&f, " \t\xC2\xA0\n ", SURE, "", FO_STATUS_MISSING,
           "required field is empty");

    f.type = FO_FIELD_INTEGER;
    EXPECT(&f, "  ", SURE, "", FO_STATUS_MISSING, "required field is empty");
    f.type = FO_FIELD_DECIMAL;
    EXPECT(&f, "\xE2\x80\xAF", SURE, "", FO_STATUS_MISSING, "required field is empty");
    /* An empty date comb printed with its slashes is still empty. */
    f.type = FO_FIELD_DATE;
    EXPECT(&f, "  /  /    ", SURE, "", FO_STATUS_MISSING, "required field is empty");
    f.required = false;
    EXPECT(&f, "  /  /    ", SURE, "", FO_STATUS_OK, NULL);

    f = make_field(FO_FIELD_CHECKBOX);
    f.required = true;
    EXPECT(&f, NULL, SURE, "", FO_STATUS_MISSING, "required field is empty");
    EXPECT(&f, "", SURE, "", FO_STATUS_MISSING, "required field is empty");
}

static void test_integer(void)
{
    fo_field f = make_field(FO_FIELD_INTEGER);
    EXPECT_OK(&f, "42", "42");
    EXPECT_OK(&f, " 1 234 ", "1234");
    EXPECT_OK(&f,
              "1\xC2\xA0"
              "000",
              "1000");
    EXPECT_OK(&f,
              "1\xE2\x80\xAF"
              "000",
              "1000");
    EXPECT_OK(&f, "007", "007"); /* leading zeros kept as read */
    EXPECT_OK(&f, "-12", "-12");
    EXPECT_OK(&f, "- 12", "-12");
    EXPECT_INVALID(&f, "12a", "12a", "not an integer");
    EXPECT_INVALID(&f, "1 2a ", "1 2a", "not an integer"); /* value: the reading */
    EXPECT_INVALID(&f, "-", "-", "not an integer");
    EXPECT_INVALID(&f, "+3", "+3", "not an integer");
    EXPECT_INVALID(&f, "1.5", "1.5", "not an integer");
    EXPECT_INVALID(&f, "1-2", "1-2", "not an integer");
}

static void test_decimal_accepted(void)
{
    static const struct {
        const char *raw, *value;
    } cases[] = {
        {"1234.56", "1234.56"},
        {"1234,56", "1234.56"},
        {"1 234,56", "1234.56"},
        {"1\xC2\xA0"
         "234,56",
         "1234.56"}, /* no-break space */
        {"1\xE2\x80\xAF"
         "234,56",
         "1234.56"}, /* narrow no-break space */
        {"1.234,56", "1234.56"},
        {"1,234.56", "1234.56"},
        {"-12", "-12"},
        {"12", "12"},
        {"0,5", "0.5"},
        {"-1 234,5", "-1234.5"},
        {"1,234", "1.234"},       /* a lone ',' is decimal */
        {"1.234", "1.234"},       /* a lone '.' too */
        {"1.234.567", "1234567"}, /* several '.' group */
        {"1.234.567,89", "1234567.89"},
        {"1,234,567.89", "1234567.89"},
        {"007,50", "007.50"}, /* digits as read */
        /* a currency unit after the number is not a digit */
        {"35 \u20AC", "35"},
        {"120,50 EUR", "120.50"},
        {"1 536,55 euros", "1536.55"},
        {"12EUR", "12"},
        {"80 Euro\n", "80"},
    };
    fo_field f = make_field(FO_FIELD_DECIMAL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        EXPECT_OK(&f, cases[i].raw, cases[i].value);
}

static void test_decimal_rejected(void)
{
    static const char *const cases[] = {
        "1,2,3",                          /* several ',' and no '.' */
        "1,234,567", "12.345,6.7",        /* two '.' around the decimal ',' */
        "1.234,5,6", "abc",        "12,", /* a separator without digits after it */
        ",5",        ".5",         "-,5",  "1.23.456", /* groups of 3 */
        "12,34.5",   "1234.567,8", "1..2", "--1",      "1-2", "1e5",
    };
    fo_field f = make_field(FO_FIELD_DECIMAL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        EXPECT_INVALID(&f, cases[i], cases[i], "not a decimal");
    EXPECT_INVALID(&f, " 1 2x ", "1 2x", "not a decimal");
    /* letters that are no unit, or a unit inside the number, stay */
    EXPECT_INVALID(&f, "12 eu", "12 eu", "not a decimal");
    EXPECT_INVALID(&f, "1E5", "1E5", "not a decimal");
    EXPECT_INVALID(&f, "EUR 12", "EUR 12", "not a decimal");
    EXPECT_INVALID(&f, "\u20AC", "\u20AC", "not a decimal");
}

static void test_euro_read_as_e(void)
{
    /* a lone E after the number is a "€" the OCR read as a letter:
     * taken away, and the value flagged, never ok */
    static const char *const why =
        "a letter E after the number taken for the sign \u20AC";
    fo_field f = make_field(FO_FIELD_DECIMAL);
    EXPECT(&f, "74E", SURE, "74", FO_STATUS_LOW_CONFIDENCE, why);
    EXPECT(&f, "1 234,50 E", SURE, "1234.50", FO_STATUS_LOW_CONFIDENCE, why);
    EXPECT_INVALID(&f, "E", "E", "not a decimal");
    EXPECT_INVALID(&f, "12,5E3", "12,5E3", "not a decimal");
    f = make_field(FO_FIELD_INTEGER);
    EXPECT(&f, "35e", SURE, "35", FO_STATUS_LOW_CONFIDENCE, why);
    EXPECT_OK(&f, "35 EUR", "35");
    /* the guess flags only what passes every other check */
    f.required = true;
    EXPECT(&f, "      E", SURE, "", FO_STATUS_MISSING, "required field is empty");
    f.required = false;
    f.check = FO_CHECK_SIREN;
    EXPECT_INVALID(&f, "732829321E", "732829321", "siren fails luhn check");
    EXPECT(&f, "732829320E", SURE, "732829320", FO_STATUS_LOW_CONFIDENCE, why);
}

static void test_date_dd_mm_yyyy(void)
{
    fo_field f = make_field(FO_FIELD_DATE);
    static char format[] = "DD/MM/YYYY";
    f.date_format = format;

    EXPECT_OK(&f, "05/03/2021", "2021-03-05");
    EXPECT_OK(&f, "29/02/2000", "2000-02-29"); /* 2000 is a leap year */
    EXPECT_OK(&f, "29/02/2024", "2024-02-29");
    /* real days, but not on a form filled now: by default 1900-01-01 to a
     * year after today (a date read as 2094 was ok) */
    EXPECT_INVALID(&f, "31/12/2199", "2199-12-31",
                   "implausible date: later than the form allows");
    EXPECT_INVALID(&f, "07/05/2094", "2094-05-07",
                   "implausible date: later than the form allows");
    EXPECT_INVALID(&f, "01/01/1800", "1800-01-01",
                   "implausible date: earlier than the form allows");
    EXPECT_OK(&f, "01/01/1900", "1900-01-01");
    EXPECT_OK(&f, "05032021", "2021-03-05"); /* a comb without separators */
    EXPECT_OK(&f, "0 5 0 3 2 0 2 1", "2021-03-05");
    EXPECT_OK(&f, "05 03 2021", "2021-03-05");
    EXPECT_OK(&f, "5/3/2021", "2021-03-05"); /* three groups */
    EXPECT_OK(&f, " 5 . 3 . 2021 ", "2021-03-05");
    EXPECT_OK(&f, "31-1-1999", "1999-01-31");

    EXPECT_INVALID(&f, "29/02/1900", "29/02/1900", "impossible date"); /* not leap */
    EXPECT_INVALID(&f, "29/02/2023", "29/02/2023", "impossible date");
    EXPECT_INVALID(&f, "31/04/2021", "31/04/2021", "impossible date");
    EXPECT_INVALID(&f, "00/01/2021", "00/01/2021", "impossible date");
    EXPECT_INVALID(&f, "01/13/2021", "01/13/2021", "impossible date");
    EXPECT_INVALID(&f, "01/00/2021", "01/00/2021", "impossible date");
    EXPECT_INVALID(&f, "31/12/1799", "31/12/1799", "impossible date");
    EXPECT_INVALID(&f, "01/01/2200", "01/01/2200", "impossible date");
    EXPECT_INVALID(&f, "2021/03/05", "2021/03/05", "impossible date"); /* 20/21/0305 */

    EXPECT_INVALID(&f, "05/03/21", "05/03/21", "not a date"); /* year needs 4 digits */
    EXPECT_INVALID(&f, "5/3", "5/3", "not a date");
    EXPECT_INVALID(&f, "1/2/3/2021", "1/2/3/2021", "not a date");
    EXPECT_INVALID(&f, "12/3/202", "12/3/202", "not a date");
    /* A digit read as a letter must not drop out of the date. */
    EXPECT_INVALID(&f, "05/1O/2021", "05/1O/2021", "not a date");
    EXPECT_INVALID(&f, "05/03/2021x", "05/03/2021x", "not a date");
    EXPECT_INVALID(&f, "5 mars 2021", "5 mars 2021", "not a date");
    EXPECT_INVALID(&f,
                   "05\xE2\x80\x94"
                   "03\xE2\x80\x94"
                   "2021",
                   "05\xE2\x80\x94"
                   "03\xE2\x80\x94"
                   "2021",
                   "not a date"); /* em dashes: not ASCII separators */

    f.date_format = NULL; /* the default is DD/MM/YYYY */
    EXPECT_OK(&f, "05/03/2021", "2021-03-05");
}

/* A template's window: not_before / not_after, a day or "today". */
static void test_date_window(void)
{
    fo_field f = make_field(FO_FIELD_DATE);
    static char format[] = "DD/MM/YYYY";
    char today[16], tomorrow[16], iso_today[16], iso_tomorrow[16];
    time_t now = time(NULL);
    struct tm t, n;
    localtime_r(&now, &t);
    time_t next = now + 36 * 3600; /* tomorrow, whatever the hour */
    localtime_r(&next, &n);
    if (n.tm_mday == t.tm_mday) { /* a 36 h day cannot be: guard anyway */
        next += 12 * 3600;
        localtime_r(&next, &n);
    }
    snprintf(today, sizeof today, "%02d/%02d/%04d", t.tm_mday, t.tm_mon + 1,
             t.tm_year + 1900);
    snprintf(iso_today, sizeof iso_today, "%04d-%02d-%02d", t.tm_year + 1900,
             t.tm_mon + 1, t.tm_mday);
    snprintf(tomorrow, sizeof tomorrow, "%02d/%02d/%04d", n.tm_mday, n.tm_mon + 1,
             n.tm_year + 1900);
    snprintf(iso_tomorrow, sizeof iso_tomorrow, "%04d-%02d-%02d", n.tm_year + 1900,
             n.tm_mon + 1, n.tm_mday);
    f.date_format = format;

    EXPECT_OK(&f, tomorrow, iso_tomorrow); /* the default reaches a year on */
    f.not_after = FO_DATE_TODAY;           /* a birth date */
    EXPECT_OK(&f, today, iso_today);
    EXPECT_INVALID(&f, tomorrow, iso_tomorrow,
                   "implausible date: later than the form allows");
    f.not_before = 20000101;
    EXPECT_OK(&f, "01/01/2000", "2000-01-01");
    EXPECT_INVALID(&f, "31/12/1999", "1999-12-31",
                   "implausible date: earlier than the form allows");
    f.not_before = FO_DATE_TODAY;
    EXPECT_OK(&f, today, iso_today);
    EXPECT_INVALID(&f, "01/01/2000", "2000-01-01",
                   "implausible date: earlier than the form allows");
}

static void test_date_other_formats(void)
{
    fo_field f = make_field(FO_FIELD_DATE);
    static char ddmmyy[] = "DDMMYY", iso[] = "YYYY-MM-DD", us[] = "MM/DD/YYYY",
                bad[] = "DD/MM";

    f.date_format = ddmmyy;
    f.geometry = FO_GEOM_CELLS;
    EXPECT_OK(&f, "050321", "2021-03-05");
    EXPECT_OK(&f, "311249", "1949-12-31"); /* 20YY only up to a year on */
    EXPECT_OK(&f, "010150", "1950-01-01");
    EXPECT_OK(&f, "010120", "2020-01-01");
    EXPECT_OK(&f, "311299", "1999-12-31");
    EXPECT_OK(&f, "5/3/21", "2021-03-05");
    EXPECT_INVALID(&f, "290201", "290201", "impossible date");
    EXPECT_INVALID(&f, "05032021", "05032021", "not a date");

    f.date_format = iso;
    f.geometry = FO_GEOM_BOX;
    EXPECT_OK(&f, "2021-03-05", "2021-03-05");
    EXPECT_OK(&f, "2021-3-5", "2021-03-05");
    EXPECT_OK(&f, "20210305", "2021-03-05");
    EXPECT_INVALID(&f, "05-03-2021", "05-03-2021", "impossible date"); /* year 0503 */
    EXPECT_INVALID(&f, "5-3-2021", "5-3-2021", "not a date");

    f.date_format = us;
    EXPECT_OK(&f, "12/31/2020", "2020-12-31");
    EXPECT_INVALID(&f, "31/12/2020", "31/12/2020", "impossible date");

    f.date_format = bad; /* the template loader refuses it; never a value */
    EXPECT_INVALID(&f, "05/03", "05/03", "invalid date_format");
}

static void test_checkbox_and_signature(void)
{
    fo_field f = make_field(FO_FIELD_CHECKBOX);
    EXPECT_OK(&f, "1", "1");
    EXPECT_OK(&f, "0", "0");
    EXPECT_OK(&f, " 1\n", "1");
    EXPECT_INVALID(&f, "x", "x", "expected 0 or 1");
    EXPECT_INVALID(&f, "10", "10", "expected 0 or 1");
    /* "0" is a value, so the confidence counts for it too. */
    EXPECT(&f, "0", UNSURE, "0", FO_STATUS_LOW_CONFIDENCE, "below min_confidence");
    EXPECT(&f, "1", UNSURE, "1", FO_STATUS_LOW_CONFIDENCE, "below min_confidence");

    f.required = true;
    EXPECT_OK(&f, "1", "1");
    EXPECT(&f, "0", 100.0, "0", FO_STATUS_MISSING, "required box is not ticked");
    EXPECT(&f, "0", 0.0, "0", FO_STATUS_MISSING, "required box is not ticked");
    EXPECT_INVALID(&f, "?", "?", "expected 0 or 1");

    f = make_field(FO_FIELD_SIGNATURE);
    EXPECT_OK(&f, "0", "0");
    f.required = true;
    EXPECT_OK(&f, "1", "1");
    EXPECT(&f, "0", SURE, "0", FO_STATUS_MISSING, "required signature is absent");
}

static void test_choice(void)
{
    static char homme[] = "homme", femme[] = "femme", autre[] = "autre";
    fo_option options[] = {{homme, {0, 0, 10, 10}, NULL},
                           {femme, {20, 0, 10, 10}, NULL},
                           {autre, {40, 0, 10, 10}, NULL}};
    fo_field f = make_field(FO_FIELD_CHOICE);
    f.options = options;
    f.noptions = 3;
    f.min = 1;
    f.max = 1;

    EXPECT_OK(&f, "homme", "homme");
    EXPECT_OK(&f, "autre", "autre");
    EXPECT(&f, "", SURE, "", FO_STATUS_MISSING,
           "no option ticked, at least 1 required");
    EXPECT(&f, NULL, 0.0, "", FO_STATUS_MISSING,
           "no option ticked, at least 1 required");
    EXPECT_INVALID(&f, "homme,femme", "homme,femme",
                   "2 options ticked, at most 1 allowed");
    EXPECT_INVALID(&f, "homme,femme,autre", "homme,femme,autre",
                   "3 options ticked, at most 1 allowed");
    EXPECT_INVALID(&f, "chat", "chat", "unknown option");
    EXPECT_INVALID(&f, "homme,", "homme,", "unknown option");
    EXPECT(&f, "femme", UNSURE, "femme", FO_STATUS_LOW_CONFIDENCE,
           "below min_confidence");

    f.min = 2;
    f.max = 3;
    EXPECT_INVALID(&f, "homme", "homme", "1 option ticked, at least 2 required");
    EXPECT_OK(&f, "homme,femme", "homme,femme");
    EXPECT_OK(&f, "homme,femme,autre", "homme,femme,autre");
    EXPECT(&f, "", SURE, "", FO_STATUS_MISSING,
           "no option ticked, at least 2 required");

    f.min = 0;
    f.max = 1;
    EXPECT_OK(&f, "", "");
    EXPECT(&f, NULL, 0.0, "", FO_STATUS_OK, NULL);
    f.required = true; /* required with min 0 still means one option */
    EXPECT(&f, "", SURE, "", FO_STATUS_MISSING,
           "no option ticked, at least 1 required");
}

static void test_choice_beyond_spelled_out_counts(void)
{
    /* Built without options: the names are only counted. */
    fo_field f = make_field(FO_FIELD_CHOICE);
    f.min = 0;
    f.max = 10;
    EXPECT_OK(&f, "a,b,c,d,e,f,g,h,i,j", "a,b,c,d,e,f,g,h,i,j");
    EXPECT_INVALID(&f, "a,b,c,d,e,f,g,h,i,j,k", "a,b,c,d,e,f,g,h,i,j,k",
                   "too many options ticked");
    f.min = 12;
    f.max = 12;
    EXPECT_INVALID(&f, "a,b,c,d,e,f,g,h,i,j,k", "a,b,c,d,e,f,g,h,i,j,k",
                   "too few options ticked");
    f.min = 9;
    f.max = 9;
    EXPECT_INVALID(&f, "a,b", "a,b", "2 options ticked, at least 9 required");
}

static void test_pattern(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);
    pcre2_code *ref = compile("[A-Z]{2}[0-9]{3}");
    pcre2_code *alt = compile("a|ab");
    pcre2_code *four = compile("[0-9]{4}");
    pcre2_code *march = compile("2021-03-[0-9]{2}");
    pcre2_code *word = compile("\\w+");
    pcre2_code *redos = compile("^(\\d|\\w|[0-9A-Z]|.)*[!?]$");

    OK(ref && alt && four && march && word && redos);
    if (!ref || !alt || !four || !march || !word || !redos)
        goto out;

    f.pattern_code = ref;
    EXPECT_OK(&f, " AB123 ", "AB123");
    /* The whole value must match, not a part of it. */
    EXPECT_INVALID(&f, "AB1234", "AB1234", "does not match pattern");
    EXPECT_INVALID(&f, "xAB123", "xAB123", "does not match pattern");
    EXPECT_INVALID(&f, "ab123", "ab123", "does not match pattern");
    EXPECT_INVALID(&f, "AB  123", "AB 123", "does not match pattern");
    EXPECT_OK(&f, "", ""); /* nothing to match */
    EXPECT(&f, "AB123", UNSURE, "AB123", FO_STATUS_LOW_CONFIDENCE,
           "below min_confidence");
    EXPECT(&f, "AB12", UNSURE, "AB12", FO_STATUS_INVALID, "does not match pattern");

    f.pattern_code = alt;
    EXPECT_OK(&f, "ab", "ab");

    f.pattern_code = word; /* compiled for UTF-8 with Unicode classes */
    EXPECT_OK(&f, "H\xC3\xA9l\xC3\xA8ne", "H\xC3\xA9l\xC3\xA8ne");
    EXPECT_INVALID(&f, "H\xFFz", "H\xFFz", "pattern match failed"); /* not UTF-8 */

    /* catastrophic backtracking stops at formocr's limits (PCRE2's own would
     * take seconds a try): not confirmed, so flagged */
    f.type = FO_FIELD_TEXT;
    f.pattern_code = redos;
    EXPECT_INVALID(&f, "000000000000000000000000", "000000000000000000000000",
                   "pattern too costly to check");
    EXPECT_OK(&f, "00!", "00!");

    /* The pattern sees the normalised value. */
    f.type = FO_FIELD_INTEGER;
    f.pattern_code = four;
    EXPECT_OK(&f, " 1 234", "1234");
    EXPECT_INVALID(&f, "12 345", "12345", "does not match pattern");

    f.type = FO_FIELD_DATE;
    f.pattern_code = march;
    EXPECT_OK(&f, "05/03/2021", "2021-03-05");
    EXPECT_INVALID(&f, "05/04/2021", "2021-04-05", "does not match pattern");

    /* Pattern before check. */
    f.type = FO_FIELD_TEXT;
    f.pattern_code = four;
    f.check = FO_CHECK_CODE_POSTAL;
    EXPECT_INVALID(&f, "750011", "750011", "does not match pattern");
out:
    pcre2_code_free(ref);
    pcre2_code_free(alt);
    pcre2_code_free(four);
    pcre2_code_free(march);
    pcre2_code_free(word);
    pcre2_code_free(redos);
}

static void test_checks_on_fields(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);

    /* A value under a check is an identifier: written in groups, read whole. */
    f.check = FO_CHECK_NIR;
    EXPECT_OK(&f, "1 85 05 78 006 084 91", "185057800608491");
    EXPECT_OK(&f, "2 90 12 2a 004 012 81", "290122A00401281"); /* capitals */
    EXPECT_INVALID(&f, "1 85 05 78 006 084 92", "185057800608492", "nir key mismatch");
    EXPECT_INVALID(&f, "1 85 05 78 006 084", "1850578006084",
                   "nir must have 15 characters");
    EXPECT_INVALID(&f, "5 85 05 78 006 084 91", "585057800608491", "not a nir");

    f.check = FO_CHECK_IBAN;
    EXPECT_OK(&f, "fr76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189");
    EXPECT_INVALID(&f, "FR76 3000 6000 0112 3456 7890 198",
                   "FR7630006000011234567890198", "iban key mismatch");
    EXPECT_INVALID(&f, "FR53 2004 1010 0505 0013 M026 06", "FR532004101005050013M02606",
                   "french iban must have 27 characters");
    EXPECT_INVALID(&f, "FR76-3000", "FR76-3000", "iban must have 15 to 34 characters");
    EXPECT_INVALID(&f, "FR7A 3000 6000 0112 3456 7890 189",
                   "FR7A30006000011234567890189", "not an iban");

    f.check = FO_CHECK_SIREN;
    EXPECT_OK(&f, "732 829 320", "732829320");
    EXPECT_INVALID(&f, "732 829 321", "732829321", "siren fails luhn check");
    EXPECT_INVALID(&f, "732 829 32", "73282932", "siren must have 9 digits");

    f.check = FO_CHECK_SIRET;
    EXPECT_OK(&f, "732 829 320 00074", "73282932000074");
    EXPECT_INVALID(&f, "732 829 320 00075", "73282932000075", "siret fails luhn check");
    EXPECT_INVALID(&f, "356 000 000 00002", "35600000000002",
                   "siret fails la poste checksum");
    EXPECT_INVALID(&f, "732 829 321 00072", "73282932100072",
                   "siret's siren fails luhn check");

    f.check = FO_CHECK_CODE_POSTAL;
    f.comb = 5;
    EXPECT_OK(&f, "7 5 0 0 1", "75001");
    EXPECT_INVALID(&f, "9 6 0 0 0", "96000", "no such d\xC3\xA9partement");
    EXPECT_INVALID(&f, "7 5 0 0", "7500", "postal code must have 5 digits");

    f = make_field(FO_FIELD_INTEGER);
    f.check = FO_CHECK_LUHN;
    EXPECT_OK(&f, "7992 7398 713", "79927398713");
    EXPECT_INVALID(&f, "79927398710", "79927398710", "fails luhn check");
    EXPECT_INVALID(&f, "-79927398713", "-79927398713", "luhn check needs digits");
}

static void test_check_nir(void)
{
    /* Computed for these tests: key = 97 - (n mod 97) on the first 13.
     *   1 85 05 78 006 084: 1850578006084 mod 97 = 6, key 97 - 6 = 91.
     *   Corsica, 2 90 12 2A 004 012: 2A reads 19, n = 2901219004012
     *     = 97 * 29909474268 + 16, key 97 - 16 = 81.  (Reading 2A as 20 gives
     *     2901220004012 mod 97 = 43, key 54: that is the key of the same
     *     person with the old Corsican département 20, not of 2A.)
     *   2B reads 18: 1 85 07 2B 123 456 -> 1850718123456 mod 97 = 5, key 92. */
    OK(fo_check_nir("185057800608491"));
    OK(fo_check_nir("290122A00401281"));
    OK(fo_check_nir("185072B12345692"));
    OK(fo_check_nir("290122000401254"));
    OK(fo_check_nir("290122a00401281")); /* the check itself takes a small a */

    OK(!fo_check_nir("185057800608591")); /* one digit changed (084 -> 085) */
    OK(!fo_check_nir("385057800608491")); /* sex 3 exists, but the key no longer fits */
    OK(!fo_check_nir("185057800604891")); /* two digits swapped (084 -> 048) */
    OK(!fo_check_nir("185057800608419")); /* key digits swapped */
    OK(!fo_check_nir("290122A00401254")); /* 2A read as 20 */
    OK(!fo_check_nir("290122B00401281")); /* 2B for 2A */
    OK(!fo_check_nir("290122C00401281"));
    OK(!fo_check_nir("585057800608491")); /* no sex 5 */
    OK(!fo_check_nir("18505780060849"));  /* 14 characters */
    OK(!fo_check_nir("1850578006084911"));
    OK(!fo_check_nir("1 85057800608491"));
    OK(!fo_check_nir("18505780060849A"));
    OK(!fo_check_nir(""));
    OK(!fo_check_nir(NULL));
}

static void test_check_luhn_siren_siret(void)
{
    OK(fo_check_luhn("79927398713"));
    OK(fo_check_luhn("0"));
    OK(!fo_check_luhn("79927398710"));
    OK(!fo_check_luhn(""));
    OK(!fo_check_luhn("7992 7398 713"));
    OK(!fo_check_luhn(NULL));

    OK(fo_check_siren("732829320"));  /* LVMH */
    OK(fo_check_siren("356000000"));  /* La Poste */
    OK(!fo_check_siren("732829321")); /* one digit changed */
    OK(!fo_check_siren("372829320")); /* two digits swapped */
    OK(!fo_check_siren("73282932"));
    OK(!fo_check_siren("7328293200"));
    OK(!fo_check_siren("73282932a"));
    OK(!fo_check_siren("732 829 320"));
    OK(!fo_check_siren(NULL));

    OK(fo_check_siret("73282932000074"));  /* LVMH */
    OK(fo_check_siret("35600000000048"));  /* La Poste, head office: Luhn */
    OK(fo_check_siret("35600000000001"));  /* La Poste (made up): digit sum 15 */
    OK(!fo_check_siret("73282932000075")); /* one digit changed */
    OK(!fo_check_siret("73282932000047")); /* two digits swapped */
    OK(!fo_check_siret("35600000000049")); /* one digit changed */
    OK(!fo_check_siret("35600000000084")); /* two digits swapped */
    OK(!fo_check_siret("35600000000002")); /* digit sum 16 */
    OK(!fo_check_siret("73282932100072")); /* Luhn holds, its SIREN's does not */
    OK(!fo_check_siret("7328293200007"));
    OK(!fo_check_siret("732829320000740"));
    OK(!fo_check_siret("732829320 00074"));
    OK(!fo_check_siret(NULL));
}

static void test_check_iban(void)
{
    OK(fo_check_iban("FR1420041010050500013M02606"));
    OK(fo_check_iban("FR7630006000011234567890189"));
    OK(fo_check_iban("GB82WEST12345698765432"));
    OK(fo_check_iban("fr1420041010050500013m02606")); /* lowercase accepted */

    OK(!fo_check_iban("FR1420041010050500013M02607")); /* one character changed */
    OK(!fo_check_iban("FR1420041010050500013N02606"));
    OK(!fo_check_iban("FR7630006000011234567890198")); /* two digits swapped */
    OK(!fo_check_iban("GB82WEST12345698765423"));
    OK(!fo_check_iban("GB28WEST12345698765432"));
    /* Its key is right (mod 97 = 1), but a French IBAN has 27 characters. */
    OK(!fo_check_iban("FR532004101005050013M02606"));
    OK(!fo_check_iban("FR14 2004 1010 0505 0001 3M02 606"));
    OK(!fo_check_iban("FR14-20041010050500013M02606"));
    OK(!fo_check_iban("1R1420041010050500013M02606"));
    OK(!fo_check_iban("FRA420041010050500013M02606"));
    /* Its remainder is 1, but check digits are digits. */
    OK(!fo_check_iban("FRAB20041010050500013M02600"));
    OK(!fo_check_iban("GB82WEST1234"));                        /* under 15 */
    OK(!fo_check_iban("GB82WEST123456987654321234567890123")); /* 35 */
    OK(!fo_check_iban(""));
    OK(!fo_check_iban(NULL));
}

static void test_check_code_postal(void)
{
    OK(fo_check_code_postal("75001"));
    OK(fo_check_code_postal("20000")); /* Corsica */
    OK(fo_check_code_postal("97400")); /* La Réunion */
    OK(fo_check_code_postal("01000"));
    OK(fo_check_code_postal("95000"));
    OK(fo_check_code_postal("97100"));
    OK(fo_check_code_postal("97600"));

    OK(!fo_check_code_postal("00100"));
    OK(!fo_check_code_postal("96000"));
    OK(!fo_check_code_postal("97000"));
    OK(!fo_check_code_postal("97700"));
    OK(!fo_check_code_postal("98000"));
    OK(!fo_check_code_postal("1234"));
    OK(!fo_check_code_postal("750011"));
    OK(!fo_check_code_postal("7500a"));
    OK(!fo_check_code_postal("75 001"));
    OK(!fo_check_code_postal(""));
    OK(!fo_check_code_postal(NULL));
}

static void test_precedence(void)
{
    fo_field f = make_field(FO_FIELD_INTEGER);
    double nan = strtod("nan", NULL);

    /* missing > invalid > low_confidence > ok */
    f.required = true;
    EXPECT(&f, "", 0.0, "", FO_STATUS_MISSING, "required field is empty");
    EXPECT(&f, "12a", 0.0, "12a", FO_STATUS_INVALID, "not an integer");
    EXPECT(&f, "12", 0.0, "12", FO_STATUS_LOW_CONFIDENCE, "below min_confidence");
    EXPECT(&f, "12", SURE, "12", FO_STATUS_OK, NULL);

    f.check = FO_CHECK_SIREN;
    EXPECT(&f, "732829321", UNSURE, "732829321", FO_STATUS_INVALID,
           "siren fails luhn check");
    EXPECT(&f, "732829320", UNSURE, "732829320", FO_STATUS_LOW_CONFIDENCE,
           "below min_confidence");

    /* The threshold itself is not below it. */
    f = make_field(FO_FIELD_TEXT);
    EXPECT(&f, "abc", 70.0, "abc", FO_STATUS_OK, NULL);
    EXPECT(&f, "abc", 69.9, "abc", FO_STATUS_LOW_CONFIDENCE, "below min_confidence");
    EXPECT(&f, "abc", nan, "abc", FO_STATUS_LOW_CONFIDENCE, "below min_confidence");
    f.min_confidence = 0;
    EXPECT(&f, "abc", 0.0, "abc", FO_STATUS_OK, NULL);
    f.min_confidence = 100;
    EXPECT(&f, "abc", 99.99, "abc", FO_STATUS_LOW_CONFIDENCE, "below min_confidence");
}

static void test_usage_and_free(void)
{
    fo_field f = make_field(FO_FIELD_TEXT);
    fo_value v;

    memset(&v, 0, sizeof v);
    fo_value_free(&v); /* a zeroed value */
    fo_value_free(NULL);

    v.value = (char *)"garbage";
    v.status = FO_STATUS_MISSING;
    INT_EQ(fo_check_field(NULL, "x", SURE, &v), FO_ERR_USAGE);
    OK(v.value == NULL && v.status == FO_STATUS_OK && v.reason == NULL);
    INT_EQ(fo_check_field(&f, "x", SURE, NULL), FO_ERR_USAGE);

    INT_EQ(fo_check_field(&f, "abc", SURE, &v), FO_OK);
    STR_EQ(v.value, "abc");
    fo_value_free(&v);
    OK(v.value == NULL && v.status == FO_STATUS_OK && v.reason == NULL);
    fo_value_free(&v); /* twice is harmless */
}

int main(void)
{
    RUN(test_status_names);
    RUN(test_text_is_trimmed_and_collapsed);
    RUN(test_text_combs_lose_their_blanks);
    RUN(test_text_charset);
    RUN(test_empty_and_required);
    RUN(test_integer);
    RUN(test_decimal_accepted);
    RUN(test_decimal_rejected);
    RUN(test_euro_read_as_e);
    RUN(test_date_dd_mm_yyyy);
    RUN(test_date_other_formats);
    RUN(test_date_window);
    RUN(test_checkbox_and_signature);
    RUN(test_choice);
    RUN(test_choice_beyond_spelled_out_counts);
    RUN(test_pattern);
    RUN(test_checks_on_fields);
    RUN(test_check_nir);
    RUN(test_check_luhn_siren_siret);
    RUN(test_check_iban);
    RUN(test_check_code_postal);
    RUN(test_precedence);
    RUN(test_usage_and_free);
    return harness_done();
}
