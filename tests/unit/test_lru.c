/* test_lru.c - the bounded set of items loaded on demand: loads once, drops
 * the least recently used, never an item in use, and a load shared by
 * threads asking for the same item at once. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "lru.h"

typedef struct counts {
    pthread_mutex_t lock;
    int loads[8], drops;
    int fail_id; /* this id fails to load; -1: none */
} counts;

static void *load_item(void *ctx, int id)
{
    counts *c = ctx;
    int *item;
    usleep(2000); /* a load takes time: threads meet on it */
    if (id == c->fail_id)
        return NULL;
    item = malloc(sizeof *item);
    *item = id * 10;
    pthread_mutex_lock(&c->lock);
    c->loads[id]++;
    pthread_mutex_unlock(&c->lock);
    return item;
}

static counts *the_counts;

static void drop_item(void *item)
{
    pthread_mutex_lock(&the_counts->lock);
    the_counts->drops++;
    pthread_mutex_unlock(&the_counts->lock);
    free(item);
}

static void test_lru_bounded(void)
{
    counts c = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_id = 7};
    fo_lru *l;
    int *a, *b;

    the_counts = &c;
    l = fo_lru_create(8, 2, load_item, drop_item, &c);
    OK(l != NULL);
    a = fo_lru_acquire(l, 0);
    OK(a && *a == 0);
    fo_lru_release(l, 0);
    a = fo_lru_acquire(l, 0); /* held: not loaded again */
    fo_lru_release(l, 0);
    INT_EQ(c.loads[0], 1);
    b = fo_lru_acquire(l, 1);
    OK(b && *b == 10);
    fo_lru_release(l, 1);
    fo_lru_release(l, 1); /* one release too many does no harm */
    INT_EQ(fo_lru_held(l), 2);
    /* a third: the least recently used (0) goes */
    OK(fo_lru_acquire(l, 2) != NULL);
    fo_lru_release(l, 2);
    INT_EQ(fo_lru_held(l), 2);
    INT_EQ(c.drops, 1);
    a = fo_lru_acquire(l, 0);
    INT_EQ(c.loads[0], 2);
    /* items in use are kept, beyond capacity */
    b = fo_lru_acquire(l, 3);
    OK(fo_lru_acquire(l, 4) != NULL);
    OK(a && *a == 0 && b && *b == 30);
    INT_EQ(fo_lru_held(l), 3);
    fo_lru_release(l, 0);
    fo_lru_release(l, 3);
    fo_lru_release(l, 4);
    INT_EQ(fo_lru_held(l), 2);
    /* a failed load gives NULL, holds nothing, and is tried again */
    OK(fo_lru_acquire(l, 7) == NULL);
    OK(fo_lru_acquire(l, 7) == NULL);
    OK(fo_lru_acquire(l, 8) == NULL && fo_lru_acquire(l, -1) == NULL);
    /* put: kept; a second put for the same id is dropped */
    {
        int *p = malloc(sizeof *p), *q = malloc(sizeof *q);
        int drops = c.drops;
        *p = 55;
        *q = 66;
        fo_lru_put(l, 5, p);
        fo_lru_put(l, 5, q);
        INT_EQ(c.drops, drops + 1 + 1); /* q, and one evicted for p */
        a = fo_lru_acquire(l, 5);
        OK(a && *a == 55);
        fo_lru_release(l, 5);
        INT_EQ(c.loads[5], 0);
    }
    fo_lru_destroy(&l);
    OK(l == NULL);
    fo_lru_destroy(&l);
}

typedef struct worker_arg {
    fo_lru *l;
    int n;   /* the worker's number */
    int bad; /* items seen with the wrong value */
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    for (int i = 0; i < 200; i++) {
        int id = (i * 7 + w->n) % 6;
        int *item = fo_lru_acquire(w->l, id);
        if (!item || *item != id * 10)
            w->bad++;
        fo_lru_release(w->l, id);
    }
    return NULL;
}

static void test_lru_threads(void)
{
    counts c = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_id = -1};
    worker_arg args[4];
    pthread_t th[4];
    fo_lru *l;
    int total = 0;

    the_counts = &c;
    l = fo_lru_create(6, 3, load_item, drop_item, &c);
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){l, i, 0};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        INT_EQ(args[i].bad, 0);
    }
    OK(fo_lru_held(l) <= 3);
    for (int i = 0; i < 6; i++)
        total += c.loads[i];
    /* every load not held at the end was dropped */
    INT_EQ(total - c.drops, fo_lru_held(l));
    fo_lru_destroy(&l);
    INT_EQ(total, c.drops);
}

int main(void)
{
    RUN(test_lru_bounded);
    RUN(test_lru_threads);
    return harness_done();
}
