/*
 * queue.c — bounded message FIFO with a mutex and a condition variable; see
 * queue.h. The consumer takes the whole list at once, so the lock is held
 * once per batch rather than once per record.
 */
#include "sinks/queue.h"

#include "common/duration.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mqueue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mq_msg *head, *tail;
	size_t n, bytes;
	size_t max_msgs, max_bytes;
	bool closed, kicked;
};

struct mqueue *mqueue__new(size_t max_msgs, size_t max_bytes)
{
	struct mqueue *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (q == NULL)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	q->max_msgs = max_msgs;
	q->max_bytes = max_bytes;
	return q;
}

void mq_msg__free_list(struct mq_msg *m)
{
	while (m != NULL) {
		struct mq_msg *next = m->next;
		free(m);
		m = next;
	}
}

void mqueue__free(struct mqueue *q)
{
	if (q == NULL)
		return;
	mq_msg__free_list(q->head);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

struct mq_msg *mq_msg__new(const char *key, size_t key_len, const void *data, size_t len)
{
	struct mq_msg *m;

	if (key_len > UINT32_MAX / 2 || len > UINT32_MAX / 2)
		return NULL;
	m = malloc(sizeof(*m) + key_len + 1 + len + 1);
	if (m == NULL)
		return NULL;
	m->next = NULL;
	m->key_len = (uint32_t)key_len;
	m->len = (uint32_t)len;
	if (key_len)
		memcpy(m->buf, key, key_len);
	m->buf[key_len] = '\0';
	m->data = m->buf + key_len + 1;
	if (len)
		memcpy(m->data, data, len);
	m->data[len] = '\0';
	return m;
}

int mqueue__push_msg(struct mqueue *q, struct mq_msg *m)
{
	int err = 0;

	pthread_mutex_lock(&q->lock);
	if (q->closed)
		err = -EPIPE;
	else if (q->n >= q->max_msgs || q->bytes + m->len > q->max_bytes)
		err = -ENOBUFS;
	if (err == 0) {
		m->next = NULL;
		if (q->tail)
			q->tail->next = m;
		else
			q->head = m;
		q->tail = m;
		q->n++;
		q->bytes += m->len;
		/* Only an empty→non-empty transition needs a wake-up. */
		if (q->n == 1)
			pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	if (err)
		free(m);
	return err;
}

int mqueue__push(struct mqueue *q, const char *key, size_t key_len, const void *data, size_t len)
{
	struct mq_msg *m = mq_msg__new(key, key_len, data, len);

	if (m == NULL)
		return -ENOMEM;
	return mqueue__push_msg(q, m);
}

struct mq_msg *mqueue__pop_all(struct mqueue *q, int timeout_ms)
{
	struct mq_msg *m;

	pthread_mutex_lock(&q->lock);
	if (q->head == NULL && timeout_ms > 0 && !q->closed && !q->kicked) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / (int)MSEC_PER_SEC;
		ts.tv_nsec += (long)(timeout_ms % (int)MSEC_PER_SEC) * (long)NSEC_PER_MSEC;
		if (ts.tv_nsec >= (long)NSEC_PER_SEC) {
			ts.tv_sec++;
			ts.tv_nsec -= (long)NSEC_PER_SEC;
		}
		while (q->head == NULL && !q->closed && !q->kicked)
			if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) == ETIMEDOUT)
				break;
	}
	q->kicked = false;
	m = q->head;
	q->head = q->tail = NULL;
	q->n = 0;
	q->bytes = 0;
	pthread_mutex_unlock(&q->lock);
	return m;
}

void mqueue__close(struct mqueue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void mqueue__kick(struct mqueue *q)
{
	pthread_mutex_lock(&q->lock);
	q->kicked = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

size_t mqueue__depth(struct mqueue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->n;
	pthread_mutex_unlock(&q->lock);
	return n;
}
