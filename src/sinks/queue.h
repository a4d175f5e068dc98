/*
 * queue.h — a bounded, thread-safe FIFO of byte messages between the event
 * thread and a sink's I/O thread.
 *
 * Bounded in both messages and bytes, so a stalled collector costs at most
 * the configured memory; push never blocks (a full queue refuses and the
 * caller counts a drop). Messages are single allocations holding a small
 * key (a message id) and a payload.
 */
#ifndef VIGIL_SINK_QUEUE_H
#define VIGIL_SINK_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct mq_msg {
	struct mq_msg *next;
	uint32_t key_len; /* key bytes first, NUL-terminated, then data */
	uint32_t len;	  /* payload bytes (a NUL follows them, not counted) */
	char *data;	  /* points into buf */
	char buf[];
};

struct mqueue;

/* Creates a queue holding at most max_msgs messages and max_bytes payload
 * bytes. Returns NULL with errno set. */
struct mqueue *mqueue__new(size_t max_msgs, size_t max_bytes);
void mqueue__free(struct mqueue *q);

/* Copies key and data into a new message and appends it. Returns 0,
 * -ENOBUFS when full, -ENOMEM, or -EPIPE once closed. Never blocks. */
int mqueue__push(struct mqueue *q, const char *key, size_t key_len, const void *data, size_t len);
/* Appends an already built message (from mq_msg__new) or frees it and
 * returns -ENOBUFS / -EPIPE. */
int mqueue__push_msg(struct mqueue *q, struct mq_msg *m);

/* Takes every queued message, oldest first, as a linked list; waits up to
 * timeout_ms for one to arrive (0: don't wait). Returns NULL when none. */
struct mq_msg *mqueue__pop_all(struct mqueue *q, int timeout_ms);

/* Wakes a waiting consumer and refuses further pushes. */
void mqueue__close(struct mqueue *q);
/* Wakes a waiting consumer without closing (e.g. to stop it). */
void mqueue__kick(struct mqueue *q);

size_t mqueue__depth(struct mqueue *q);

/* Allocates a message with the given key and payload copied in. */
struct mq_msg *mq_msg__new(const char *key, size_t key_len, const void *data, size_t len);
/* Frees a list of messages. */
void mq_msg__free_list(struct mq_msg *m);

#endif
