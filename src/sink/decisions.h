/*
 * decisions.h - people's decisions in a formocr database (schema 4): the
 * corrections table and what it makes of the fields and documents tables.
 * Shared by the SQLite sink, the merge and formocr review (src/review/).
 */
#ifndef FORMOCR_DECISIONS_H
#define FORMOCR_DECISIONS_H

#include <sqlite3.h>

/*
 * Makes the fields of document id (0: of every document) show the latest
 * decision recorded for them: value, status 'corrected' or 'unreadable',
 * reason none, the machine's reading kept in machine_value; a document
 * whose fields are all ok or decided becomes 'ok', one with a field still
 * flagged 'review'.  Runs inside the caller's transaction.  Returns
 * SQLITE_OK or SQLite's error code (sqlite3_errmsg(db) says why).
 */
int fo_sql_apply_decisions(sqlite3 *db, sqlite3_int64 id);

#endif
