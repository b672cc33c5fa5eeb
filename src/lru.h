/*
 * lru.h - a bounded set of items loaded on demand and shared by threads
 * (internal): the heavy data of hundreds of templates (matcher patches,
 * zone masks) is kept for the few that pages need, and read back from the
 * cache or derived again when needed after being dropped.
 *
 * Items are numbered 0 .. count - 1.  fo_lru_acquire gives an item, loading
 * it (outside the lock: two threads may load two items at once, and a
 * second thread asking for an item being loaded waits for it); the caller
 * hands it back with fo_lru_release.  Items in use are never dropped; of
 * the others, the least recently used are dropped once more than capacity
 * are held.
 */
#ifndef FORMOCR_LRU_H
#define FORMOCR_LRU_H

#include <stdbool.h>

/* Loads item id (NULL on failure: it is asked for again next time). */
typedef void *(*fo_lru_load_fn)(void *ctx, int id);
/* Frees an item the set holds. */
typedef void (*fo_lru_drop_fn)(void *item);

typedef struct fo_lru fo_lru;

/* A set of count items holding at most capacity unused ones; NULL when out
 * of memory.  ctx is passed to load, borrowed. */
fo_lru *fo_lru_create(int count, int capacity, fo_lru_load_fn load, fo_lru_drop_fn drop,
                      void *ctx);
/* Drops every item; accepts NULL and *l NULL. */
void fo_lru_destroy(fo_lru **l);

/* Item id, loaded if need be (borrowed until fo_lru_release); NULL when it
 * failed to load or id is out of range. */
void *fo_lru_acquire(fo_lru *l, int id);
void fo_lru_release(fo_lru *l, int id);

/* Hands item (owned from now on) to the set as id's, unless it holds one
 * already (then item is dropped). */
void fo_lru_put(fo_lru *l, int id, void *item);

/* Items held now (for tests and reports). */
int fo_lru_held(fo_lru *l);

#endif
