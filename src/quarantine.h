/*
 * quarantine.h - moving a failed input aside (internal; run.c's
 * --quarantine).
 */
#ifndef FORMOCR_QUARANTINE_H
#define FORMOCR_QUARANTINE_H

/*
 * Copies the file at path into the folder dir, under its own name or, when
 * that is taken, NAME.1, NAME.2 ... (up to 999), synced with its folder
 * entry, then removes the original: a failed input is never lost.  0 on
 * success, -1 when it could not (the original then stays).
 */
int fo_quarantine(const char *path, const char *dir);

#endif
