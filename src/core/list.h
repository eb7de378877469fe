/* list: an intrusive, circular, doubly linked list with a sentinel head (the shape of the
 * Linux kernel's list.h and libuv's queue.h). An element embeds a struct list_node and is found
 * again with container_of (util.h). No allocation, no ownership: the list only links what its
 * user owns. A removed node links to itself, so removing it again is harmless. */
#ifndef MXS_LIST_H
#define MXS_LIST_H
#include <stddef.h>

struct list_node {
    struct list_node *prev, *next;
};

/* An empty list (a head), or a node that is in no list. */
static inline void list_init(struct list_node *n)
{
    n->prev = n->next = n;
}

static inline int list_empty(const struct list_node *head)
{
    return head->next == head;
}

/* Links n first in head's list. */
static inline void list_push_front(struct list_node *head, struct list_node *n)
{
    n->next = head->next;
    n->prev = head;
    head->next->prev = n;
    head->next = n;
}

/* Links n last in head's list (a FIFO queue: push back, take from head->next). */
static inline void list_push_back(struct list_node *head, struct list_node *n)
{
    list_push_front(head->prev, n); /* after the last node */
}

/* Moves every node of src, in order, into dst (an empty head); src is left empty. */
static inline void list_take_all(struct list_node *dst, struct list_node *src)
{
    list_init(dst);
    if (src->next == src)
        return;
    dst->next = src->next;
    dst->prev = src->prev;
    dst->next->prev = dst;
    dst->prev->next = dst;
    list_init(src);
}

/* Unlinks n from its list (no effect on a node in none, once list_init'ed). */
static inline void list_remove(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    list_init(n);
}

#endif
