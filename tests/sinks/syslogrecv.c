/*
 * syslogrecv.c — a loopback syslog collector for the sink integration
 * tests: checks that what arrives is well-formed RFC 5424 (octet-counted on
 * TCP, RFC 6587) carrying one Sysmon XML event that libxml2 parses.
 *
 *   syslogrecv udp|tcp PORT COUNT TIMEOUT_S
 *   syslogrecv unix PATH COUNT TIMEOUT_S      (a datagram socket, like /dev/log)
 *
 * Receives until COUNT messages arrived or TIMEOUT_S passed, then prints
 * "received R valid V unique U app APP provider PROVIDER" and exits 0 only
 * when R == V == U == COUNT. Prints "ready" once listening. A message
 * holding a NUL byte anywhere (header or body) is not valid.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static unsigned long long received, valid, unique;
static unsigned char *seen;
static unsigned long long want;
static char app[64] = "?", provider[64] = "?";

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Skips one space-free header token; returns its end or NULL. */
static const char *token(const char *p, const char *end, char *out, size_t n)
{
	size_t i = 0;

	while (p < end && *p != ' ') {
		if (i + 1 < n)
			out[i++] = *p;
		p++;
	}
	if (n)
		out[i] = '\0';
	return p < end && i > 0 ? p + 1 : NULL;
}

static void check(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	char ts[64], host[256], a[64], pid[32], mid[64], sd[8];
	xmlDocPtr doc;
	xmlNodePtr sys, id;
	xmlChar *rid, *prov;
	int pri;
	unsigned long long k;

	received++;
	if (len < 4 || *p != '<' || sscanf(p, "<%d>1 ", &pri) != 1 || pri < 0 || pri > 191)
		return;
	p = strchr(p, '>') + 3;
	{
		/* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA */
		char *tok[6] = {ts, host, a, pid, mid, sd};
		size_t size[6] = {sizeof(ts),  sizeof(host), sizeof(a),
				  sizeof(pid), sizeof(mid),  sizeof(sd)};

		for (int i = 0; i < 6; i++) {
			p = token(p, end, tok[i], size[i]);
			if (p == NULL)
				return;
		}
	}
	/* 2023-11-14T22:13:20.123456Z */
	if (strlen(ts) != 27 || ts[4] != '-' || ts[10] != 'T' || ts[26] != 'Z' ||
	    strcmp(sd, "-") != 0)
		return;
	if (memchr(p, '\n', (size_t)(end - p)) != NULL)
		return; /* one event, one line */
	/* No NUL anywhere: XML forbids it, and a strict parser (or a
	 * collector that takes the datagram length as the message) rejects
	 * the whole event. libxml2 stops reading at a trailing NUL, so the
	 * parse below alone would not notice. */
	if (memchr(msg, '\0', len) != NULL)
		return;
	doc = xmlReadMemory(p, (int)(end - p), "msg.xml", "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return;
	sys = child(xmlDocGetRootElement(doc), "System");
	id = child(sys, "EventRecordID");
	rid = id ? xmlNodeGetContent(id) : NULL;
	prov = child(sys, "Provider") ? xmlGetProp(child(sys, "Provider"), (const xmlChar *)"Name")
				      : NULL;
	if (rid && prov && child(xmlDocGetRootElement(doc), "EventData") && child(sys, "EventID")) {
		valid++;
		snprintf(app, sizeof(app), "%s", a);
		snprintf(provider, sizeof(provider), "%s", (const char *)prov);
		k = strtoull((const char *)rid, NULL, 10);
		if (k >= 1 && k <= want && !seen[k - 1]++)
			unique++;
	}
	xmlFree(rid);
	xmlFree(prov);
	xmlFreeDoc(doc);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	bool tcp, unixdg;
	int lfd, cfd = -1, timeout;
	time_t until;
	static char buf[1 << 20];
	size_t have = 0;

	if (argc != 5)
		return 64;
	tcp = strcmp(argv[1], "tcp") == 0;
	unixdg = strcmp(argv[1], "unix") == 0;
	want = strtoull(argv[3], NULL, 10);
	timeout = atoi(argv[4]);
	seen = calloc(want + 1, 1);
	if (unixdg) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[2]);
		unlink(argv[2]);
		lfd = socket(AF_UNIX, SOCK_DGRAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){16 << 20}, sizeof(int));
		if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			perror("syslogrecv: bind");
			return 1;
		}
		goto ready;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int));
	if (!tcp)
		setsockopt(lfd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){16 << 20}, sizeof(int));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (tcp && listen(lfd, 4) < 0)) {
		perror("syslogrecv: bind");
		return 1;
	}
ready:
	printf("ready\n");
	fflush(stdout);
	until = time(NULL) + timeout;
	while (received < want && time(NULL) < until) {
		struct pollfd pfd = {.fd = cfd >= 0 ? cfd : lfd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if (!tcp) {
			n = recv(lfd, buf, sizeof(buf), 0);
			if (n > 0)
				check(buf, (size_t)n);
			continue;
		}
		if (cfd < 0) {
			cfd = accept(lfd, NULL, NULL);
			have = 0;
			continue;
		}
		n = read(cfd, buf + have, sizeof(buf) - have);
		if (n <= 0) {
			close(cfd);
			cfd = -1;
			continue;
		}
		have += (size_t)n;
		/* Octet counting: "LEN SP MSG", repeated. */
		for (;;) {
			char *sp = memchr(buf, ' ', have);
			unsigned long len;
			size_t hl;

			if (sp == NULL)
				break;
			hl = (size_t)(sp - buf);
			if (hl == 0 || hl > 7 || !isdigit((unsigned char)buf[0])) {
				received++; /* framing broken: count and resync */
				have = 0;
				break;
			}
			len = strtoul(buf, NULL, 10);
			if (have < hl + 1 + len)
				break;
			check(sp + 1, len);
			memmove(buf, sp + 1 + len, have - (hl + 1 + len));
			have -= hl + 1 + len;
		}
	}
	printf("received %llu valid %llu unique %llu app %s provider %s\n", received, valid, unique,
	       app, provider);
	return received == want && valid == want && unique == want ? 0 : 1;
}
