/*
 * lru.c - a bounded set of items loaded on demand and shared by threads
 * (lru.h).
 */
#include "lru.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct slot {
    void *item;
    int users;
    bool loading;
    uint64_t used; /* tick of the last acquire */
} slot;

struct fo_lru {
    pthread_mutex_t lock;
    pthread_cond_t loaded;
    slot *slots;
    int count, capacity, held;
    uint64_t tick;
    fo_lru_load_fn load;
    fo_lru_drop_fn drop;
    void *ctx;
};

fo_lru *fo_lru_create(int count, int capacity, fo_lru_load_fn load, fo_lru_drop_fn drop,
                      void *ctx)
{
    fo_lru *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->slots = calloc(count > 0 ? (size_t)count : 1, sizeof *l->slots);
    if (!l->slots) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->loaded, NULL);
    l->count = count;
    l->capacity = capacity > 0 ? capacity : 1;
    l->load = load;
    l->drop = drop;
    l->ctx = ctx;
    return l;
}

void fo_lru_destroy(fo_lru **lp)
{
    fo_lru *l = lp ? *lp : NULL;
    if (!l)
        return;
    for (int i = 0; i < l->count; i++)
        if (l->slots[i].item)
            l->drop(l->slots[i].item);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->loaded);
    free(l->slots);
    free(l);
    *lp = NULL;
}

/* Drops the least recently used unused items while more than capacity
 * are held; with the lock held. */
static void evict(fo_lru *l)
{
    while (l->held > l->capacity) {
        int victim = -1;
        for (int i = 0; i < l->count; i++) {
            const slot *s = &l->slots[i];
            if (s->item && s->users == 0 &&
                (victim < 0 || s->used < l->slots[victim].used))
                victim = i;
        }
        if (victim < 0)
            return; /* all in use */
        l->drop(l->slots[victim].item);
        l->slots[victim].item = NULL;
        l->held--;
    }
}

void *fo_lru_acquire(fo_lru *l, int id)
{
    slot *s;
    void *item;

    if (!l || id < 0 || id >= l->count)
        return NULL;
    s = &l->slots[id];
    pthread_mutex_lock(&l->lock);
    while (s->loading)
        pthread_cond_wait(&l->loaded, &l->lock);
    if (s->item) {
        s->users++;
        s->used = ++l->tick;
        item = s->item;
        pthread_mutex_unlock(&l->lock);
        return item;
    }
    s->loading = true;
    pthread_mutex_unlock(&l->lock);
    item = l->load(l->ctx, id);
    pthread_mutex_lock(&l->lock);
    s->loading = false;
    if (item) {
        s->item = item;
        s->users = 1;
        s->used = ++l->tick;
        l->held++;
        evict(l);
    }
    pthread_cond_broadcast(&l->loaded);
    pthread_mutex_unlock(&l->lock);
    return item;
}

void fo_lru_release(fo_lru *l, int id)
{
    if (!l || id < 0 || id >= l->count)
        return;
    pthread_mutex_lock(&l->lock);
    if (l->slots[id].users > 0)
        l->slots[id].users--;
    evict(l);
    pthread_mutex_unlock(&l->lock);
}

void fo_lru_put(fo_lru *l, int id, void *item)
{
    if (!l)
        return;
    if (id < 0 || id >= l->count) {
        l->drop(item);
        return;
    }
    pthread_mutex_lock(&l->lock);
    while (l->slots[id].loading)
        pthread_cond_wait(&l->loaded, &l->lock);
    if (l->slots[id].item) {
        pthread_mutex_unlock(&l->lock);
        l->drop(item);
        return;
    }
    l->slots[id].item = item;
    l->slots[id].used = ++l->tick;
    l->held++;
    evict(l);
    pthread_mutex_unlock(&l->lock);
}

int fo_lru_held(fo_lru *l)
{
    int n;
    pthread_mutex_lock(&l->lock);
    n = l->held;
    pthread_mutex_unlock(&l->lock);
    return n;
}
