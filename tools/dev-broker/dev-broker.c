/*
 * dev-broker: a Kafka-compatible broker for development and tests, built on librdkafka's mock cluster
 * (rdkafka_mock.h, librdkafka 2.0.2 on Debian bookworm). It keeps nothing on disk and listens on
 * 127.0.0.1 only; production points vecstream at a real Kafka cluster.
 *
 * Contract:
 *   dev-broker [--brokers N] [--replication R] [--topic NAME:PARTITIONS]... [--ignore-stdin]
 *   - Creates the mock cluster and the topics, then prints exactly one line to stdout,
 *     "BOOTSTRAP host:port[,host:port...]", and flushes. Everything else it logs goes to stderr.
 *   - Reads commands from stdin, one per line, and answers each with one line on stdout that starts
 *     with "OK" or "ERR <reason>" (see `help`).
 *   - Exits 0, destroying the cluster, on end of input, `quit`, SIGTERM or SIGINT. Because end of
 *     input stops it, a parent that dies (closing the pipe) never leaves it orphaned.
 *   - With --ignore-stdin it takes no commands and runs until SIGTERM/SIGINT, for shell scripts that
 *     start it in the background (where stdin is /dev/null and would end at once).
 *   - Either way it gets SIGTERM when its parent process dies (Linux PR_SET_PDEATHSIG), so a crashed
 *     script or test runner does not leave it behind even with --ignore-stdin.
 *
 * Broker ids run from 1 to N. The mock cluster chooses ephemeral ports itself: 2.0.2 has no API to fix
 * them, so there is no --port option.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "commands.h"

static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/*
 * Reads stdin with poll() and a short timeout rather than blocking stdio, so that a signal is noticed
 * promptly even while no command arrives. Returns when input ends, `quit` runs, or a signal asks to stop.
 */
static void command_loop(rd_kafka_mock_cluster_t *mc, int replication) {
  char buf[MAX_LINE];
  size_t len = 0;
  int overlong = 0; /* inside a line too long for buf: drop the rest of it, answer it once */
  while (!stop_requested) {
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    int ready = poll(&pfd, 1, 200);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return;
    if (ready == 0) continue;
    ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* end of input (or a broken pipe): the owner is gone */
    len += (size_t)n;
    char *nl;
    while ((nl = memchr(buf, '\n', len)) != NULL) {
      *nl = '\0';
      size_t used = (size_t)(nl - buf) + 1;
      if (overlong)
        overlong = 0;
      else if (run_command(mc, buf, replication))
        return;
      memmove(buf, buf + used, len - used);
      len -= used;
    }
    if (len == sizeof(buf) - 1) {
      if (!overlong) reply_err("line longer than %d bytes", MAX_LINE - 2);
      overlong = 1;
      len = 0;
    }
  }
}

/* --ignore-stdin: no commands, just wait for a signal. */
static void wait_for_signal(void) {
  while (!stop_requested) poll(NULL, 0, 200);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: dev-broker [--brokers N] [--replication R] [--topic NAME:PARTITIONS]... [--ignore-stdin]\n"
          "Starts librdkafka's mock Kafka cluster on 127.0.0.1, prints 'BOOTSTRAP host:port,...',\n"
          "then reads commands on stdin ('help' lists them). Exits on end of input, quit, SIGTERM.\n"
          "--ignore-stdin: take no commands and run until SIGTERM or SIGINT.\n");
}

struct options {
  long brokers;
  long replication; /* 0: min(brokers, 3) */
  int ignore_stdin;
  int topic_count;
  char *topics[256];
};

static int parse_options(int argc, char **argv, struct options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (strcmp(a, "--brokers") == 0 && val && parse_int(val, 1, 64, &o->brokers) == 0) {
      i++;
    } else if (strcmp(a, "--replication") == 0 && val && parse_int(val, 1, 64, &o->replication) == 0) {
      i++;
    } else if (strcmp(a, "--topic") == 0 && val && strchr(val, ':') != NULL && o->topic_count < 256) {
      o->topics[o->topic_count++] = argv[++i];
    } else if (strcmp(a, "--ignore-stdin") == 0) {
      o->ignore_stdin = 1;
    } else if (strcmp(a, "--port") == 0) {
      fprintf(stderr, "dev-broker: --port is not supported: librdkafka 2.0.2's mock cluster always "
                      "listens on ephemeral ports; read them from the BOOTSTRAP line\n");
      return -1;
    } else {
      fprintf(stderr, "dev-broker: bad argument '%s'\n", a);
      usage(stderr);
      return -1;
    }
  }
  if (o->replication == 0) o->replication = o->brokers < 3 ? o->brokers : 3;
  if (o->replication > o->brokers) {
    fprintf(stderr, "dev-broker: --replication %ld exceeds --brokers %ld\n", o->replication, o->brokers);
    return -1;
  }
  return 0;
}

static int create_initial_topics(rd_kafka_mock_cluster_t *mc, const struct options *o) {
  for (int i = 0; i < o->topic_count; i++) {
    const char *spec = o->topics[i];
    const char *colon = strrchr(spec, ':');
    long partitions;
    /* A copy of the name: splitting argv in place would also change what ps shows. */
    char *name = strndup(spec, (size_t)(colon - spec));
    int ok = name != NULL && name[0] != '\0' && parse_int(colon + 1, 1, 100000, &partitions) == 0;
    if (!ok)
      fprintf(stderr, "dev-broker: bad --topic '%s', expected NAME:PARTITIONS\n", spec);
    else if (create_topic(mc, name, partitions, (int)o->replication) != RD_KAFKA_RESP_ERR_NO_ERROR)
      ok = 0;
    free(name);
    if (!ok) return -1;
  }
  return 0;
}

/* The mock cluster needs an rd_kafka_t for bookkeeping; a producer with no bootstrap servers is idle. */
static rd_kafka_t *new_host_handle(void) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* log_level 4 (warning) hides the notice that this handle has no bootstrap.servers: by design. */
  if (rd_kafka_conf_set(conf, "client.id", "vecstream-dev-broker", errstr, sizeof(errstr)) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "dev-broker: %s\n", errstr);
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == NULL) {
    fprintf(stderr, "dev-broker: cannot create librdkafka handle: %s\n", errstr);
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

static void install_signal_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_stop_signal; /* no SA_RESTART: poll() returns EINTR so the loop sees the flag */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN); /* a vanished reader shows up as EOF/EPIPE, not a crash */
}

/* Asks the kernel for SIGTERM when the parent dies; if it died before we asked, stop right away. */
static void stop_with_parent(void) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) perror("dev-broker: prctl(PR_SET_PDEATHSIG)");
  if (getppid() != parent) stop_requested = 1;
}

int main(int argc, char **argv) {
  struct options opts = {.brokers = 1, .replication = 0, .topic_count = 0};
  if (parse_options(argc, argv, &opts) != 0) return 2;
  install_signal_handlers();
  stop_with_parent();

  rd_kafka_t *rk = new_host_handle();
  if (rk == NULL) return 1;
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)opts.brokers);
  if (mc == NULL) {
    fprintf(stderr, "dev-broker: cannot create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  int status = 0;
  if (create_initial_topics(mc, &opts) != 0) {
    status = 1;
  } else {
    fprintf(stdout, "BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    fprintf(stderr, "dev-broker: %ld broker(s) ready; %s\n", opts.brokers,
            opts.ignore_stdin ? "stop with SIGTERM or SIGINT" : "commands on stdin ('help')");
    if (opts.ignore_stdin)
      wait_for_signal();
    else
      command_loop(mc, (int)opts.replication);
    fprintf(stderr, "dev-broker: stopping\n");
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return status;
}
