/*
 * cmd_run.c — `vigil run`: start the sensor in the foreground.
 */
#include "cli/commands.h"
#include "cli/opts.h"

#include "common/datadir.h"
#include "common/log.h"
#include "fleet/responder.h"
#include "rules/rules.h"
#include "sensor/control.h"
#include "sensor/sensor.h"
#include "sinks/sink.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vigil run [--config FILE] [--output SPEC]... [--state-dir DIR] [-v]\n"
	    "\n"
	    "  -c, --config FILE      Sysmon XML configuration (default: Sysmon's built-in\n"
	    "                         defaults, ProcessCreate and ProcessTerminate only)\n"
	    "  -o, --output SPEC      where events go; repeatable:\n"
	    "                           jsonl:PATH[?rotate=100M&keep=5&compress=gzip] | jsonl:-\n"
	    "                                                  JSON lines to a file or stdout\n"
	    "                           sqlite:PATH[?max_age=7d&max_size=512M]\n"
	    "                           syslog | syslog:udp://H:P | syslog:tcp://H:P |\n"
	    "                           syslog:unix:PATH       Sysmon-format XML\n"
	    "                           nats://H:P[,H:P]?subject=S&stream=N\n"
	    "                           (jsonl, syslog and nats take ?format=sysmon|ocsf|ecs)\n"
	    "                           console:- | console:PATH  one readable line per event\n"
	    "                           default   events.jsonl and vigil.db in the state dir\n"
	    "  -s, --state-dir DIR    state and default outputs (default /var/lib/vigil)\n"
	    "      --health-interval S  SensorHealth every S seconds (default 60, 0 off)\n"
	    "      --computer NAME    the Computer of every event (default: the config's\n"
	    "                         <VigilComputer>, else the host name)\n"
	    "      --ringbuf-size BYTES ring buffer size, a power of two (default 16M)\n"
	    "      --proc-cache N     process cache entries (default 65536)\n"
	    "      --control-socket PATH  where `vigil status` asks (default\n"
	    "                         /run/vigil/control.sock, root only)\n"
	    "      --sigma PATH       Sigma rules (file or directory) to run on every\n"
	    "                         logged event; matches become DetectionAlert (242);\n"
	    "                         `shipped` = vigil's own rules (DATADIR/sigma)\n"
	    "      --insecure-config-perms  load configuration and Sigma files that\n"
	    "                         someone other than root could have written (refused\n"
	    "                         otherwise), with a warning\n"
	    "      --fleet nats://H:P[,H:P]  answer signed fleet hunts (vigil hunt --fleet)\n"
	    "                         from the SQLite output (sqlite:PATH, else the\n"
	    "                         default store STATE/vigil.db)\n"
	    "      --fleet-keys PATH  the public keys whose queries are answered (a .pub\n"
	    "                         file or a directory of them); needed with --fleet\n"
	    "      --fleet-name NAME  the fleet's subject vigil.fleet.NAME.hunt (default\n"
	    "                         'default')\n"
	    "  -v, --verbose          more logging; twice for libbpf's debug log\n"
	    "\nSee vigil(8).\n");
}

/* Refuses a configuration file (or Sigma path) that someone other than root
 * could have written, unless overridden: then it warns. A path that cannot
 * be resolved is left to the loader, which names the real error. */
bool config_perms_ok(const char *path, bool override)
{
	struct rules_error err;

	if (ruleset__check_perms(path, &err) != -EPERM)
		return true;
	if (override) {
		fprintf(stderr, "vigil: warning: %s: %s; loaded anyway (--insecure-config-perms)\n",
			err.file, err.msg);
		return true;
	}
	fprintf(stderr, "vigil: %s: refusing: %s (use --insecure-config-perms to override)\n",
		err.file, err.msg);
	return false;
}

/* --fleet: the responder's settings, answering from the first sqlite:
 * output, else the default store (with `default` or no --output). */
static int fleet_setup(struct sensor_opts *o, const char *url, const char *keys, const char *name)
{
	static char db[4096];
	bool dflt = o->n_outputs == 0;

	if (url == NULL) {
		fprintf(stderr, "vigil: --fleet-keys and --fleet-name need --fleet URL\n");
		return EX_USAGE;
	}
	db[0] = '\0';
	for (size_t i = 0; i < o->n_outputs && db[0] == '\0'; i++) {
		if (strncmp(o->outputs[i], "sqlite:", 7) == 0)
			snprintf(db, sizeof(db), "%.*s", (int)strcspn(o->outputs[i] + 7, "?"),
				 o->outputs[i] + 7);
		dflt = dflt || strcmp(o->outputs[i], "default") == 0;
	}
	if (db[0] == '\0' && dflt)
		snprintf(db, sizeof(db), "%s/vigil.db", o->state_dir);
	if (db[0] == '\0') {
		fprintf(stderr, "vigil: --fleet answers from a SQLite store: add --output "
				"sqlite:PATH or --output default\n");
		return EX_USAGE;
	}
	o->fleet = calloc(1, sizeof(*o->fleet));
	if (o->fleet == NULL)
		return EX_OSERR;
	switch (fleet__responder_setup(o->fleet, url, name, keys, NULL, db)) {
	case 0:
		snprintf(o->fleet->control_path, sizeof(o->fleet->control_path), "%s",
			 o->control_path ? o->control_path : CONTROL_DEFAULT_PATH);
		return EX_OK;
	case -EINVAL:
		return EX_USAGE;
	default:
		return EX_CONFIG;
	}
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"output", required_argument, NULL, 'o'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"health-interval", required_argument, NULL, 'H'},
	    {"ringbuf-size", required_argument, NULL, 'R'},
	    {"proc-cache", required_argument, NULL, 'P'},
	    {"sigma", required_argument, NULL, 'S'},
	    {"control-socket", required_argument, NULL, 'C'},
	    {"insecure-config-perms", no_argument, NULL, 'I'},
	    {"computer", required_argument, NULL, 'N'},
	    {"fleet", required_argument, NULL, 'F'},
	    {"fleet-keys", required_argument, NULL, 'K'},
	    {"fleet-name", required_argument, NULL, 'A'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sensor_opts o = {
	    .state_dir = "/var/lib/vigil",
	    .health_interval_s = 60,
	    .proc_cache_max = 65536,
	};
	char *abs_config = NULL;
	const char *fleet_url = NULL, *fleet_keys = NULL, *fleet_name = NULL;
	uint64_t v;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'o':
			if (o.n_outputs == SENSOR_MAX_OUTPUTS) {
				fprintf(stderr, "vigil: at most %d outputs\n", SENSOR_MAX_OUTPUTS);
				return EX_USAGE;
			}
			if (sink__check_spec(optarg) != 0) {
				usage(stderr);
				return EX_USAGE;
			}
			o.outputs[o.n_outputs++] = optarg;
			break;
		case 's':
			o.state_dir = optarg;
			break;
		case 'H':
			if (opts__uint(optarg, 0, UINT_MAX, &v) < 0) {
				fprintf(stderr, "vigil: bad --health-interval '%s'\n", optarg);
				return EX_USAGE;
			}
			o.health_interval_s = (unsigned)v;
			break;
		case 'R':
			/* A power of two: the kernel's ring buffer size rule. */
			if (opts__size(optarg, 4096, 1u << 30, &v) < 0 || (v & (v - 1)) != 0) {
				fprintf(stderr, "vigil: --ringbuf-size must be a power of two "
						"between 4K and 1G\n");
				return EX_USAGE;
			}
			o.ringbuf_bytes = (uint32_t)v;
			break;
		case 'P':
			if (opts__uint(optarg, 64, SIZE_MAX, &v) < 0) {
				fprintf(stderr, "vigil: bad --proc-cache '%s'\n", optarg);
				return EX_USAGE;
			}
			o.proc_cache_max = (size_t)v;
			break;
		case 'C':
			o.control_path = optarg;
			break;
		case 'S':
			if (o.n_sigma == SENSOR_MAX_OUTPUTS) {
				fprintf(stderr, "vigil: at most %d --sigma paths\n",
					SENSOR_MAX_OUTPUTS);
				return EX_USAGE;
			}
			if (strcmp(optarg, "shipped") == 0) {
				/* static: the sensor keeps the pointer */
				static char shipped[4096];
				if (datadir__sigma(shipped, sizeof(shipped)) != 0) {
					fprintf(stderr, "vigil: --sigma shipped: no shipped rules "
							"found (see vigil(8), FILES)\n");
					return EX_CONFIG;
				}
				optarg = shipped;
			}
			o.sigma_paths[o.n_sigma++] = optarg;
			break;
		case 'I':
			o.insecure_config_perms = true;
			break;
		case 'N': {
			char why[160];

			if (ruleset__check_computer(optarg, why, sizeof(why)) != 0) {
				fprintf(stderr, "vigil: --computer: %s\n", why);
				return EX_USAGE;
			}
			o.computer = optarg;
			break;
		}
		case 'F':
			fleet_url = optarg;
			break;
		case 'K':
			fleet_keys = optarg;
			break;
		case 'A':
			fleet_name = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vigil: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	log_init("vigil", o.verbose);
	/* ConfigChange names the file absolutely, and SIGHUP re-reads the
	 * same file whatever the cwd does later. */
	if (o.config_path) {
		abs_config = realpath(o.config_path, NULL);
		if (abs_config == NULL) {
			fprintf(stderr, "vigil: cannot read configuration %s: %s\n", o.config_path,
				strerror(errno));
			return EX_NOINPUT;
		}
		o.config_path = abs_config;
	}
	if (o.config_path && !config_perms_ok(o.config_path, o.insecure_config_perms))
		rc = EX_CONFIG;
	else
		rc = EX_OK;
	for (size_t i = 0; rc == EX_OK && i < o.n_sigma; i++)
		if (!config_perms_ok(o.sigma_paths[i], o.insecure_config_perms))
			rc = EX_CONFIG;
	if (rc == EX_OK && (fleet_url || fleet_keys || fleet_name))
		rc = fleet_setup(&o, fleet_url, fleet_keys, fleet_name);
	if (rc == EX_OK)
		rc = sensor__run(&o);
	if (o.fleet != NULL) {
		fleet__trust_free(&o.fleet->trust); /* when it never started */
		free(o.fleet);
	}
	free(abs_config);
	return rc;
}
