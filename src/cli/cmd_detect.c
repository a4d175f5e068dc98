/*
 * cmd_detect.c — `vigil detect`: Sigma, correlations included, over the
 * events in a NATS JetStream stream (what the NATS output publishes), read
 * with a durable pull consumer, scaled out over worker threads by host.
 *
 *   vigil detect --from nats://H:P[,H:P]?stream=S&durable=D[&subject=F]
 *                --sigma RULES [--sigma RULES...] [--fleet-sigma RULES...]
 *                [--output SPEC...] [--workers N] [--alerts-subject SUBJ]
 *                [--idle-exit DURATION] [--status-interval DURATION]
 *
 * Flow, one fetched batch at a time (at most batch= messages, so memory is
 * bounded by the batch and the consumer's max_ack_pending):
 *   1. the main thread fetches a batch and gives each message to worker
 *      hash(Computer) mod N (dstream.h), so a host's events reach one worker
 *      in stream order and per-host correlations stay exact; with
 *      --fleet-sigma, the fleet stage also gets every message, in order;
 *   2. each worker parses its messages (record_json__parse, as `vigil sigma
 *      scan` does) and runs them through its own engine (correlation state
 *      is per engine); alerts go to the outputs and the alerts subject;
 *   3. once every stage is done, the outputs and the connection are flushed,
 *      and only then is the batch acked (ack policy all: one ack, the last
 *      message's). A refused alert or a failed flush naks the batch with a
 *      delay instead: it comes again (stall rather than lose).
 * At-least-once: a crash between 3's flush and its ack redelivers the
 * batch, and its alerts are written again — with the same AlertId (rule,
 * Computer, Nats-Msg-Id; dstream.h), so a duplicate is recognisable, and a
 * JetStream stream on the alerts subject drops it (the id is also the
 * alert's Nats-Msg-Id). Correlation state lives in memory; at start the
 * last warmup= messages the durable had acked are replayed into it with
 * alerts suppressed (warm_up), so a correlation whose window spans a
 * restart still sees the events before it.
 */
#include "cli/commands.h"
#include "common/duration.h"
#include "common/json.h"
#include "common/record_json.h"
#include "common/strbuf.h"
#include "detect/dstream.h"
#include "detect/sigma.h"
#include "fleet/link.h"
#include "sinks/sink.h"
#include "sinks/sinkopt.h"

#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define DT_MAX_WORKERS	 64
#define DT_MAX_PATHS	 64
#define DT_MAX_OUTPUTS	 16
#define DT_CONNECT_TRIES 5

struct dt_cfg {
	struct fleet_link link;
	char stream[128];
	char durable[128];
	char subject[256];
	uint64_t batch;
	uint64_t ack_wait_s;
	uint64_t warmup;
	const char *sigma[DT_MAX_PATHS], *fleet_sigma[DT_MAX_PATHS], *placeholders;
	int nsigma, nfleet;
	const char *outputs[DT_MAX_OUTPUTS];
	int noutputs;
	const char *alerts_subject; /* NULL: none */
	const char *state_dir;	    /* the NATS output's default spool dir */
	unsigned workers;
	uint64_t idle_exit_ms, status_ms;
};

struct detect;

/* A stage: one partition worker, or the fleet-wide stage. */
struct stage {
	struct detect *d;
	struct sigma_engine *e;
	pthread_t thr;
	unsigned idx; /* worker number; the fleet stage has idx == workers */
	bool fleet;
	unsigned *items; /* indexes into the batch, in stream order */
	unsigned nitems;
	struct vrec *rec, *alert;
	struct strbuf sb;
	const char *msg_id; /* the message being matched */
	char id_buf[64];
	/* stage counters, read by the main thread between batches */
	uint64_t events, bad, alerts;
};

struct detect {
	struct dt_cfg *cfg;
	natsConnection *nc;
	struct sink **sinks;
	size_t nsinks;
	pthread_mutex_t out_mu; /* sinks and the alerts subject */
	/* batch handoff */
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	uint64_t gen;
	unsigned running;
	bool quit;
	natsMsgList list;
	/* Each message's Nats-Msg-Id (NULL: none), looked up by the main
	 * thread before the stages start: nats.c parses a message's headers
	 * lazily on the first natsMsgHeader_Get, unlocked, so two stages
	 * reading the same message's header at once race on that parse (seen
	 * as an alert with another message's id). */
	const char **msg_ids;
	struct dstream_batch *held;
	struct stage st[DT_MAX_WORKERS + 1];
	unsigned nstages;
	bool warming; /* replaying acked history: feed correlations, emit nothing */
	uint64_t warmed;
	uint64_t crash_batch; /* VIGIL_DETECT_CRASH_BEFORE_ACK, tests only */
	uint64_t alert_pub_failed, sink_write_failed;
	bool batch_failed;  /* an alert of this batch was not taken: nak it */
	uint64_t alert_seq; /* SequenceNumber of this process's alerts */
};

static atomic_bool dt_stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&dt_stop, true);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil detect --from nats://H:P[,H:P]?stream=S&durable=D[&subject=F]\n"
		   "                    --sigma RULES [--sigma RULES...] [--fleet-sigma RULES...]\n"
		   "                    [--placeholders FILE] [--output SPEC...] [--workers N]\n"
		   "                    [--alerts-subject SUBJ|-] [--idle-exit DURATION]\n"
		   "                    [--status-interval DURATION]\n"
		   "\nRuns Sigma rules, correlations included, over the events of a JetStream\n"
		   "stream with a durable pull consumer. Events are partitioned over N worker\n"
		   "threads by Computer; --fleet-sigma rules (correlations over several hosts)\n"
		   "run in one more stage that sees every event. Alerts (DetectionAlert, 242,\n"
		   "with a stable AlertId) go to the outputs and to the alerts subject\n"
		   "(default vigil.alerts); a message is acked once its alerts are written.\n"
		   "--from options: batch=N (default 256), ack_wait=30s, warmup=N (default\n"
		   "10000), creds=FILE, tls_ca=FILE.\n"
		   "Exits 64 on bad usage, 65 on rules that do not load, 69 when the server\n"
		   "or the stream is unreachable, 73 when an output cannot be opened.\n");
}

static int parse_from(struct dt_cfg *c, const char *url)
{
	char shown[4096], key[32], val[1024];
	const char *rest, *q;
	int r;

	sinkopt__redact(url, shown, sizeof(shown));
	if (strncmp(url, "nats://", 7) != 0) {
		fprintf(stderr, "vigil detect: --from '%s': expected nats://HOST:PORT[,...]?...\n",
			shown);
		return -EINVAL;
	}
	rest = url + 7;
	q = strchr(rest, '?');
	c->link.nurls =
	    sinkopt__nats_servers(rest, q ? (size_t)(q - rest) : strlen(rest), c->link.urls,
				  c->link.shown, FLEET_MAX_SERVERS, "--from", shown);
	if (c->link.nurls < 0)
		return -EINVAL;
	q = q ? q + 1 : NULL;
	while ((r = sinkopt__next(&q, key, sizeof(key), val, sizeof(val))) > 0) {
		bool ok = true;

		if (strcmp(key, "stream") == 0 && val[0] && strlen(val) < sizeof(c->stream) &&
		    strpbrk(val, " \t.*>/\\") == NULL)
			strcpy(c->stream, val);
		else if (strcmp(key, "durable") == 0 && val[0] &&
			 strlen(val) < sizeof(c->durable) && strpbrk(val, " \t.*>/\\") == NULL)
			strcpy(c->durable, val);
		else if (strcmp(key, "subject") == 0 && val[0] &&
			 strlen(val) < sizeof(c->subject) && strpbrk(val, " \t") == NULL)
			strcpy(c->subject, val);
		else if (strcmp(key, "batch") == 0)
			ok = sinkopt__uint(val, 1, 4096, &c->batch) == 0;
		else if (strcmp(key, "warmup") == 0)
			ok = sinkopt__uint(val, 0, 10000000, &c->warmup) == 0;
		else if (strcmp(key, "ack_wait") == 0)
			ok = sinkopt__duration(val, &c->ack_wait_s) == 0 && c->ack_wait_s;
		else if (strcmp(key, "creds") == 0 && val[0])
			snprintf(c->link.creds, sizeof(c->link.creds), "%s", val);
		else if (strcmp(key, "tls_ca") == 0 && val[0])
			snprintf(c->link.tls_ca, sizeof(c->link.tls_ca), "%s", val);
		else
			ok = false;
		if (!ok) {
			fprintf(
			    stderr,
			    "vigil detect: --from %s: bad option '%s=%s' (options: stream=, "
			    "durable=, subject=, batch=1-4096, ack_wait=30s, warmup=N, creds=FILE, "
			    "tls_ca=FILE)\n",
			    shown, key, val);
			return -EINVAL;
		}
	}
	if (r < 0) {
		fprintf(stderr, "vigil detect: --from %s: malformed options (expected k=v&k=v)\n",
			shown);
		return -EINVAL;
	}
	if (!c->stream[0] || !c->durable[0]) {
		fprintf(stderr, "vigil detect: --from %s: needs stream= and durable=\n", shown);
		return -EINVAL;
	}
	return 0;
}

/* Builds one engine from paths; the first build reports problems. Returns
 * 0, EX_CONFIG (placeholders), EX_DATAERR (a rule did not load, or none
 * did) or EX_SOFTWARE. */
static int build_engine(const struct dt_cfg *c, const char *const *paths, int n, bool verbose,
			struct sigma_engine **out)
{
	struct sigma_cli_counts counts = {.quiet_loaded = true};
	struct sigma_engine *e = sigma__new();
	char err[512];
	int rc;

	*out = NULL;
	if (e == NULL)
		return EX_OSERR;
	if (c->placeholders && sigma__load_placeholders(e, c->placeholders, err, sizeof(err))) {
		fprintf(stderr, "vigil detect: %s\n", err);
		sigma__free(e);
		return EX_CONFIG;
	}
	for (int i = 0; i < n; i++) {
		if (sigma__add_path(e, paths[i]) < 0) {
			fprintf(stderr, "vigil detect: %s: %s\n", paths[i], strerror(errno));
			sigma__free(e);
			return EX_DATAERR;
		}
	}
	rc = sigma__compile(e, verbose ? sigma_cli__report : NULL, &counts);
	if (rc < 0) {
		fprintf(stderr, "vigil detect: cannot build the matcher: %s\n", strerror(-rc));
		sigma__free(e);
		return EX_SOFTWARE;
	}
	/* A service must not run with half its rules silently: any rule that
	 * did not load is fatal (reported as FILE:LINE above). */
	if (rc > 0 || sigma__rule_count(e) == 0) {
		if (verbose && rc == 0)
			fprintf(stderr, "vigil detect: %s: no rule loaded\n", paths[0]);
		sigma__free(e);
		return EX_DATAERR;
	}
	*out = e;
	return 0;
}

/* Called with out_mu held: one alert to every output and the subject. */
static void emit(struct stage *s, const struct sigma_rule_info *rule, const struct vrec *ev)
{
	struct detect *d = s->d;
	char id[DSTREAM_ID_LEN + 1];
	const char *computer = ev->computer ? ev->computer : "";

	dstream__alert_id(rule->id[0] ? rule->id : rule->title, computer, s->msg_id, id);
	sigma__alert(rule, ev, s->alert);
	/* Numbered like a sensor's records (the NATS output's message ids
	 * need distinct numbers); the AlertId is what names the alert. */
	s->alert->seq = ++d->alert_seq;
	vrec__add_dyn(s->alert, "AlertId", id, DSTREAM_ID_LEN, false);
	vrec__add_dyn(s->alert, "AlertStage", s->fleet ? "fleet" : "host", s->fleet ? 5 : 4, false);
	for (size_t i = 0; i < d->nsinks; i++)
		if (sink__write(d->sinks[i], s->alert) < 0) {
			d->sink_write_failed++;
			d->batch_failed = true;
		}
	if (d->cfg->alerts_subject) {
		natsMsg *m = NULL;

		strbuf__clear(&s->sb);
		json__add_record(&s->sb, s->alert);
		if (natsMsg_Create(&m, d->cfg->alerts_subject, NULL, s->sb.buf, (int)s->sb.len) !=
			NATS_OK ||
		    natsMsgHeader_Set(m, "Nats-Msg-Id", id) != NATS_OK ||
		    natsConnection_PublishMsg(d->nc, m) != NATS_OK) {
			d->alert_pub_failed++;
			d->batch_failed = true;
		}
		natsMsg_Destroy(m);
	}
}

static int on_alert(const struct sigma_rule_info *rule, const struct vrec *rec, void *ctx)
{
	struct stage *s = ctx;

	if (s->d->warming)
		return 0;
	pthread_mutex_lock(&s->d->out_mu);
	emit(s, rule, rec);
	pthread_mutex_unlock(&s->d->out_mu);
	s->alerts++;
	return 0;
}

static void run_items(struct stage *s)
{
	struct detect *d = s->d;
	char err[256];

	for (unsigned k = 0; k < s->nitems; k++) {
		natsMsg *m = d->list.Msgs[s->items[k]];
		const char *id = d->msg_ids[s->items[k]];

		if (record_json__parse(s->rec, natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m),
				       err, sizeof(err))) {
			/* Counted; the message is still acked: it can never
			 * become an event, and redelivering it forever would
			 * stall the consumer. */
			s->bad++;
			continue;
		}
		s->events++;
		if (id != NULL) {
			s->msg_id = id;
		} else {
			snprintf(s->id_buf, sizeof(s->id_buf), "%s:%llu",
				 s->rec->computer ? s->rec->computer : "",
				 (unsigned long long)s->rec->seq);
			s->msg_id = s->id_buf;
		}
		if (s->e != NULL && sigma__match(s->e, s->rec, on_alert, s) < 0)
			s->bad++;
	}
}

static void *stage_main(void *arg)
{
	struct stage *s = arg;
	struct detect *d = s->d;
	uint64_t seen = 0;

	for (;;) {
		pthread_mutex_lock(&d->mu);
		while (!d->quit && d->gen == seen)
			pthread_cond_wait(&d->go, &d->mu);
		if (d->quit) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		seen = d->gen;
		pthread_mutex_unlock(&d->mu);
		run_items(s);
		pthread_mutex_lock(&d->mu);
		for (unsigned k = 0; k < s->nitems; k++)
			dstream__batch_done(d->held, s->items[k]);
		if (--d->running == 0)
			pthread_cond_signal(&d->done);
		pthread_mutex_unlock(&d->mu);
	}
	sigma__thread_done();
	record_json__thread_done();
	return NULL;
}

struct dt_totals {
	uint64_t msgs, events, bad, alerts_host, alerts_fleet, acked, naked, batches;
	uint64_t first_ms, last_ms; /* first fetch that returned messages, last ack */
};

static void status_line(struct detect *d, const struct dt_totals *t, const char *when)
{
	uint64_t drops = 0;

	for (size_t i = 0; i < d->nsinks; i++)
		drops += d->sinks[i]->st.dropped;
	fprintf(stderr,
		"vigil detect: %s: %llu messages, %llu events, %llu bad, %llu alerts "
		"(%llu host, %llu fleet), %llu acked, %llu naked, %llu output drops, "
		"%llu alert publish failures, %.0f messages/s\n",
		when, (unsigned long long)t->msgs, (unsigned long long)t->events,
		(unsigned long long)t->bad, (unsigned long long)(t->alerts_host + t->alerts_fleet),
		(unsigned long long)t->alerts_host, (unsigned long long)t->alerts_fleet,
		(unsigned long long)t->acked, (unsigned long long)t->naked,
		(unsigned long long)drops, (unsigned long long)d->alert_pub_failed,
		t->last_ms > t->first_ms
		    ? (double)t->msgs * 1000.0 / (double)(t->last_ms - t->first_ms)
		    : 0.0);
}

/* The Nats-Msg-Id of batch message i, into d->msg_ids; main thread only. */
static void resolve_msg_id(struct detect *d, unsigned i)
{
	const char *id = NULL;

	if (natsMsgHeader_Get(d->list.Msgs[i], "Nats-Msg-Id", &id) != NATS_OK)
		id = NULL;
	d->msg_ids[i] = id;
}

/* Runs one fetched batch through every stage and acks it. */
static void run_batch(struct detect *d, struct dt_totals *t)
{
	unsigned n = (unsigned)d->list.Count, workers = d->cfg->workers;
	bool ok = true;

	d->held = dstream__batch_new(n, d->nstages > workers ? 2 : 1);
	for (unsigned i = 0; i < d->nstages; i++)
		d->st[i].nitems = 0;
	for (unsigned i = 0; i < n; i++) {
		natsMsg *m = d->list.Msgs[i];
		const char *c = "";
		size_t clen = 0;
		unsigned w;

		resolve_msg_id(d, i);
		dstream__computer(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &c, &clen);
		w = dstream__partition(c, clen, workers);
		d->st[w].items[d->st[w].nitems++] = i;
		if (d->nstages > workers)
			d->st[workers].items[d->st[workers].nitems++] = i;
	}
	pthread_mutex_lock(&d->mu);
	d->running = d->nstages;
	d->gen++;
	pthread_cond_broadcast(&d->go);
	while (d->running > 0)
		pthread_cond_wait(&d->done, &d->mu);
	pthread_mutex_unlock(&d->mu);
	/* Every alert of the batch is written: flush, then ack. */
	for (size_t i = 0; i < d->nsinks; i++)
		if (sink__flush(d->sinks[i]) < 0)
			ok = false;
	if (d->cfg->alerts_subject && natsConnection_FlushTimeout(d->nc, 5000) != NATS_OK)
		ok = false;
	if (d->held == NULL || dstream__batch_held(d->held) != 0 || d->batch_failed)
		ok = false;
	d->batch_failed = false;
	/* Test hook (tests/e2e/detect_nats.bats): die like kill -9 in the one
	 * window at-least-once cannot close — alerts written, message not yet
	 * acked — so the test can check what a redelivery writes again. */
	if (d->crash_batch && t->batches + 1 == d->crash_batch)
		raise(SIGKILL);
	/* AckAll: acking the batch's last message acks the whole batch (one
	 * message to the server instead of n). */
	if (ok && n > 0 && natsMsg_Ack(d->list.Msgs[n - 1], NULL) == NATS_OK) {
		t->acked += n;
	} else {
		/* Stall rather than lose: the batch comes again after a
		 * second, and again, until its alerts can be written (its
		 * alerts already written go out again, with the same ids). */
		for (unsigned i = 0; i < n; i++)
			natsMsg_NakWithDelay(d->list.Msgs[i], 1000, NULL);
		t->naked += n;
	}
	natsConnection_FlushTimeout(d->nc, 5000);
	t->msgs += n;
	t->batches++;
	free(d->held);
	d->held = NULL;
}

static int parse_args(struct dt_cfg *c, int argc, char **argv)
{
	const char *from = NULL;

	c->batch = 256;
	c->warmup = 10000;
	c->ack_wait_s = 30;
	c->workers = 1;
	c->alerts_subject = "vigil.alerts";
	c->status_ms = 30000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return -1;
		}
		if (v == NULL) {
			fprintf(stderr, "vigil detect: unknown option or missing argument '%s'\n",
				a);
			return EX_USAGE;
		}
		i++;
		if (strcmp(a, "--from") == 0) {
			from = v;
		} else if (strcmp(a, "--sigma") == 0 && c->nsigma < DT_MAX_PATHS) {
			c->sigma[c->nsigma++] = v;
		} else if (strcmp(a, "--fleet-sigma") == 0 && c->nfleet < DT_MAX_PATHS) {
			c->fleet_sigma[c->nfleet++] = v;
		} else if (strcmp(a, "--state-dir") == 0) {
			c->state_dir = v;
		} else if (strcmp(a, "--placeholders") == 0) {
			c->placeholders = v;
		} else if ((strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0) &&
			   c->noutputs < DT_MAX_OUTPUTS) {
			if (sink__check_spec(v) < 0)
				return EX_USAGE;
			c->outputs[c->noutputs++] = v;
		} else if (strcmp(a, "--workers") == 0) {
			if (sinkopt__uint(v, 1, DT_MAX_WORKERS, &u)) {
				fprintf(stderr, "vigil detect: --workers: 1-%d\n", DT_MAX_WORKERS);
				return EX_USAGE;
			}
			c->workers = (unsigned)u;
		} else if (strcmp(a, "--alerts-subject") == 0) {
			if (strpbrk(v, " \t*>") != NULL || v[0] == '\0') {
				fprintf(stderr,
					"vigil detect: --alerts-subject '%s': not a subject\n", v);
				return EX_USAGE;
			}
			c->alerts_subject = strcmp(v, "-") == 0 ? NULL : v;
		} else if (strcmp(a, "--idle-exit") == 0 || strcmp(a, "--status-interval") == 0) {
			if (sinkopt__duration(v, &u) || u == 0) {
				fprintf(stderr, "vigil detect: %s '%s': expected a duration (5s)\n",
					a, v);
				return EX_USAGE;
			}
			if (a[2] == 'i')
				c->idle_exit_ms = u * 1000;
			else
				c->status_ms = u * 1000;
		} else {
			fprintf(stderr, "vigil detect: unknown option '%s'\n", a);
			return EX_USAGE;
		}
	}
	if (from == NULL || c->nsigma + c->nfleet == 0) {
		usage(stderr);
		return EX_USAGE;
	}
	if (parse_from(c, from))
		return EX_USAGE;
	return 0;
}

/* Rebuilds correlation state after a restart: the last cfg->warmup messages
 * the durable consumer had already acked (up to its ack floor) go through
 * every stage's engine again, in stream order and partitioned as usual, with
 * alerts suppressed — they were written before. Messages after the floor
 * are then delivered again by the consumer and alert normally. Without it a
 * correlation whose window spans a crash would only see the events after
 * it. Bounded by warmup= (0 turns it off); a message the stream no longer
 * holds is skipped. */
static void warm_up(struct detect *d, jsCtx *js)
{
	struct dt_cfg *c = d->cfg;
	jsConsumerInfo *ci = NULL;
	jsErrCode jerr = 0;
	uint64_t floor, first;
	natsMsg *one[1];

	if (c->warmup == 0 ||
	    js_GetConsumerInfo(&ci, js, c->stream, c->durable, NULL, &jerr) != NATS_OK)
		return;
	floor = ci->AckFloor.Stream;
	jsConsumerInfo_Destroy(ci);
	if (floor == 0)
		return;
	first = floor > c->warmup ? floor - c->warmup + 1 : 1;
	d->warming = true;
	d->list.Msgs = one;
	d->list.Count = 1;
	for (uint64_t seq = first; seq <= floor && !atomic_load(&dt_stop); seq++) {
		natsMsg *m = NULL;
		const char *comp = "";
		size_t clen = 0;
		unsigned w;

		if (js_GetMsg(&m, js, c->stream, seq, NULL, &jerr) != NATS_OK)
			continue;
		if (c->subject[0] && strcmp(natsMsg_GetSubject(m), c->subject) != 0) {
			natsMsg_Destroy(m);
			continue;
		}
		one[0] = m;
		resolve_msg_id(d, 0);
		dstream__computer(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), &comp,
				  &clen);
		w = dstream__partition(comp, clen, c->workers);
		d->st[w].items[0] = 0;
		d->st[w].nitems = 1;
		run_items(&d->st[w]);
		if (d->nstages > c->workers) {
			d->st[c->workers].items[0] = 0;
			d->st[c->workers].nitems = 1;
			run_items(&d->st[c->workers]);
		}
		natsMsg_Destroy(m);
		d->warmed++;
	}
	/* What was replayed is not new work: the counters start at zero. */
	for (unsigned i = 0; i < d->nstages; i++)
		d->st[i].events = d->st[i].bad = d->st[i].alerts = 0;
	memset(&d->list, 0, sizeof(d->list));
	d->warming = false;
	fprintf(stderr,
		"vigil detect: warm-up: %llu acked message(s) before stream sequence %llu "
		"replayed into the correlations\n",
		(unsigned long long)d->warmed, (unsigned long long)floor + 1);
}

/* Connects (bounded retry) and binds the durable pull consumer. */
static int attach(struct detect *d, natsSubscription **sub)
{
	struct dt_cfg *c = d->cfg;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus st = NATS_ERR;
	const char *subj = c->subject[0] ? c->subject : NULL;

	/* Bounded: a detection service under systemd should fail visibly and
	 * be restarted rather than hang silently at start. Once connected,
	 * the library reconnects forever. */
	for (int i = 0; i < DT_CONNECT_TRIES && !atomic_load(&dt_stop); i++) {
		st = fleet__link_connect(&c->link, false, &d->nc);
		if (st == NATS_OK)
			break;
		fprintf(stderr, "vigil detect: %s: %s (try %d of %d)\n", c->link.shown[0],
			natsStatus_GetText(st), i + 1, DT_CONNECT_TRIES);
		sleep(1);
	}
	if (st != NATS_OK)
		return EX_UNAVAILABLE;
	if (natsConnection_JetStream(&js, d->nc, NULL) != NATS_OK)
		return EX_UNAVAILABLE;
	st = js_GetStreamInfo(&si, js, c->stream, NULL, &jerr);
	if (st != NATS_OK) {
		fprintf(stderr, "vigil detect: stream %s: %s\n", c->stream,
			nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(st));
		jsCtx_Destroy(js);
		return EX_UNAVAILABLE;
	}
	if (subj == NULL && si->Config->SubjectsLen > 0)
		subj = si->Config->Subjects[0];
	jsSubOptions_Init(&so);
	so.Stream = c->stream;
	so.Config.AckPolicy = js_AckAll;
	so.Config.DeliverPolicy = js_DeliverAll;
	so.Config.AckWait = (int64_t)c->ack_wait_s * 1000000000ll;
	/* One batch in flight: the next is fetched only once this one is
	 * acked anyway, and after a crash the unacked batch blocks delivery
	 * until it comes again — so a host's events still arrive in stream
	 * order, which correlations need. (A durable keeps the batch= it was
	 * created with; a different one is a configuration mismatch, 69.) */
	so.Config.MaxAckPending = (int64_t)c->batch;
	st = js_PullSubscribe(sub, js, subj ? subj : ">", c->durable, NULL, &so, &jerr);
	jsStreamInfo_Destroy(si);
	if (st == NATS_OK)
		warm_up(d, js);
	jsCtx_Destroy(js);
	if (st != NATS_OK) {
		fprintf(stderr, "vigil detect: consumer %s on %s: %s\n", c->durable, c->stream,
			nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(st));
		return EX_UNAVAILABLE;
	}
	return 0;
}

int cmd_detect(int argc, char **argv)
{
	struct dt_cfg *c = calloc(1, sizeof(*c));
	struct detect *d = calloc(1, sizeof(*d));
	struct dt_totals t = {0};
	natsSubscription *sub = NULL;
	struct sink_env env = {0};
	uint64_t last_msg, last_status;
	unsigned started = 0;
	int rc;

	if (c == NULL || d == NULL) {
		free(c);
		free(d);
		return EX_OSERR;
	}
	d->cfg = c;
	rc = parse_args(c, argc, argv);
	if (rc != 0) {
		rc = rc < 0 ? 0 : rc;
		goto out_free;
	}
	d->nstages = c->workers + (c->nfleet > 0 ? 1 : 0);
	d->msg_ids = calloc(c->batch, sizeof(*d->msg_ids));
	if (d->msg_ids == NULL) {
		rc = EX_OSERR;
		goto out_free;
	}
	if (getenv("VIGIL_DETECT_CRASH_BEFORE_ACK"))
		d->crash_batch = strtoull(getenv("VIGIL_DETECT_CRASH_BEFORE_ACK"), NULL, 10);
	/* One engine per stage: correlation state is per engine. */
	for (unsigned i = 0; i < d->nstages; i++) {
		struct stage *s = &d->st[i];

		s->d = d;
		s->idx = i;
		s->fleet = i == c->workers;
		if (s->fleet)
			rc = build_engine(c, c->fleet_sigma, c->nfleet, true, &s->e);
		else if (c->nsigma > 0)
			rc = build_engine(c, c->sigma, c->nsigma, i == 0, &s->e);
		if (rc == 0 && s->e != NULL && !s->fleet)
			sigma__per_host(s->e);
		if (rc)
			goto out_free;
		s->items = calloc(c->batch, sizeof(*s->items));
		s->rec = calloc(1, sizeof(*s->rec));
		s->alert = calloc(1, sizeof(*s->alert));
		strbuf__init(&s->sb, 0);
		if (s->items == NULL || s->rec == NULL || s->alert == NULL) {
			rc = EX_OSERR;
			goto out_free;
		}
	}
	env.state_dir = c->state_dir ? c->state_dir : "/var/lib/vigil";
	env.computer = "vigil-detect";
	for (int i = 0; i < c->noutputs; i++) {
		if (sink__open_spec(c->outputs[i], &env, &d->sinks, &d->nsinks) != 0) {
			rc = EX_CANTCREAT;
			goto out_free;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = attach(d, &sub);
	if (rc)
		goto out_free;
	pthread_mutex_init(&d->mu, NULL);
	pthread_mutex_init(&d->out_mu, NULL);
	pthread_cond_init(&d->go, NULL);
	pthread_cond_init(&d->done, NULL);
	for (; started < d->nstages; started++) {
		/* A worker without an engine (only --fleet-sigma given) still
		 * takes its partition, so the batch bookkeeping is uniform. */
		if (pthread_create(&d->st[started].thr, NULL, stage_main, &d->st[started]) != 0) {
			rc = EX_OSERR;
			goto out_stop;
		}
	}
	fprintf(stderr,
		"vigil detect: consumer %s on stream %s, %u worker(s)%s, %zu rule(s) per "
		"worker\n",
		c->durable, c->stream, c->workers, c->nfleet ? " + fleet stage" : "",
		d->st[0].e ? sigma__rule_count(d->st[0].e) : 0);
	last_msg = last_status = mono_ms();
	while (!atomic_load(&dt_stop)) {
		jsErrCode jerr = 0;
		natsStatus st = natsSubscription_Fetch(&d->list, sub, (int)c->batch, 1000, &jerr);
		uint64_t now = mono_ms();

		if (st == NATS_OK && d->list.Count > 0) {
			if (t.first_ms == 0)
				t.first_ms = now;
			run_batch(d, &t);
			t.last_ms = mono_ms();
			natsMsgList_Destroy(&d->list);
			last_msg = now;
		} else if (st != NATS_TIMEOUT && st != NATS_OK) {
			/* Disconnected or the server restarting: the library
			 * reconnects; try again shortly. */
			fprintf(stderr, "vigil detect: fetch: %s\n", natsStatus_GetText(st));
			usleep(500000);
		}
		t.events = t.bad = t.alerts_host = t.alerts_fleet = 0;
		for (unsigned i = 0; i < d->nstages; i++) {
			t.events += d->st[i].fleet ? 0 : d->st[i].events;
			t.bad += d->st[i].fleet ? 0 : d->st[i].bad;
			if (d->st[i].fleet)
				t.alerts_fleet += d->st[i].alerts;
			else
				t.alerts_host += d->st[i].alerts;
		}
		if (now - last_status >= c->status_ms) {
			status_line(d, &t, "status");
			last_status = now;
		}
		if (c->idle_exit_ms && now - last_msg >= c->idle_exit_ms)
			break;
	}
	status_line(d, &t, "exit");
	rc = 0;
out_stop:
	pthread_mutex_lock(&d->mu);
	d->quit = true;
	pthread_cond_broadcast(&d->go);
	pthread_mutex_unlock(&d->mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(d->st[i].thr, NULL);
	/* The durable consumer stays: Unsubscribe would delete it. */
	natsSubscription_Destroy(sub);
out_free:
	for (size_t i = 0; i < d->nsinks; i++)
		sink__close(d->sinks[i]);
	free(d->sinks);
	natsConnection_Destroy(d->nc);
	for (unsigned i = 0; i < d->nstages; i++) {
		sigma__free(d->st[i].e);
		free(d->st[i].items);
		free(d->st[i].rec);
		free(d->st[i].alert);
		strbuf__free(&d->st[i].sb);
	}
	record_json__thread_done(); /* the warm-up parsed on this thread */
	free(d->msg_ids);
	free(d);
	free(c);
	return rc;
}
