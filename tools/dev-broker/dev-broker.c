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
 *
 * Broker ids run from 1 to N. The mock cluster chooses ephemeral ports itself: 2.0.2 has no API to fix
 * them, so there is no --port option.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_LINE 1024
#define MAX_ARGS 8

static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* Protocol request names accepted by `errors`, indexed by ApiKey (Kafka protocol numbering). */
static const char *const api_names[] = {
    "Produce",        "Fetch",           "ListOffsets",      "Metadata",          "LeaderAndIsr",
    "StopReplica",    "UpdateMetadata",  "ControlledShutdown", "OffsetCommit",    "OffsetFetch",
    "FindCoordinator", "JoinGroup",      "Heartbeat",        "LeaveGroup",        "SyncGroup",
    "DescribeGroups", "ListGroups",      "SaslHandshake",    "ApiVersions",       "CreateTopics",
    "DeleteTopics",   "DeleteRecords",   "InitProducerId",   "OffsetForLeaderEpoch", "AddPartitionsToTxn",
    "AddOffsetsToTxn", "EndTxn",         "WriteTxnMarkers",  "TxnOffsetCommit",   "DescribeAcls",
};
#define API_NAME_COUNT ((int)(sizeof(api_names) / sizeof(api_names[0])))

static void reply_ok(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("OK", stdout);
  if (fmt[0] != '\0') fputc(' ', stdout);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(ap);
}

static void reply_err(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ERR ", stdout);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(ap);
}

/* Parses a whole decimal integer within [min, max]; returns 0 on success. */
static int parse_int(const char *s, long min, long max, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max) return -1;
  *out = v;
  return 0;
}

/* An ApiKey by name (case-insensitive) or number. */
static int parse_api_key(const char *s, int16_t *out) {
  long v;
  for (int i = 0; i < API_NAME_COUNT; i++) {
    if (strcasecmp(s, api_names[i]) == 0) {
      *out = (int16_t)i;
      return 0;
    }
  }
  if (parse_int(s, 0, 32767, &v) != 0) return -1;
  *out = (int16_t)v;
  return 0;
}

/* An error code by librdkafka name (NOT_LEADER_FOR_PARTITION, _TRANSPORT; case-insensitive) or number. */
static int parse_err_code(const char *s, rd_kafka_resp_err_t *out) {
  const struct rd_kafka_err_desc *descs;
  size_t cnt;
  long v;
  rd_kafka_get_err_descs(&descs, &cnt);
  for (size_t i = 0; i < cnt; i++) {
    if (descs[i].name != NULL && strcasecmp(s, descs[i].name) == 0) {
      *out = descs[i].code;
      return 0;
    }
  }
  if (parse_int(s, -32768, 32767, &v) != 0) return -1;
  *out = (rd_kafka_resp_err_t)v;
  return 0;
}

/*
 * Names of the topics this program created. The mock's per-partition calls auto-create an unknown topic
 * (so a typo in `leader` would silently make a new topic); commands check this list first instead.
 */
#define MAX_TOPICS 1024
static char *known_topics[MAX_TOPICS];
static int known_topic_count = 0;

static int is_known_topic(const char *name) {
  for (int i = 0; i < known_topic_count; i++)
    if (strcmp(known_topics[i], name) == 0) return 1;
  return 0;
}

static rd_kafka_resp_err_t create_topic(rd_kafka_mock_cluster_t *mc, const char *name, long partitions,
                                        int replication) {
  if (is_known_topic(name)) return RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
  if (known_topic_count == MAX_TOPICS) return RD_KAFKA_RESP_ERR_POLICY_VIOLATION;
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, (int)partitions, replication);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "dev-broker: cannot create topic %s: %s\n", name, rd_kafka_err2str(err));
    return err;
  }
  known_topics[known_topic_count++] = strdup(name);
  fprintf(stderr, "dev-broker: topic %s with %ld partition(s), replication %d\n", name, partitions,
          replication);
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Answers a mock call that returns an error code: OK with the echo, or ERR with librdkafka's name. */
static void reply_result(rd_kafka_resp_err_t err, const char *echo) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
    reply_ok("%s", echo);
  else
    reply_err("%s: %s", rd_kafka_err2name(err), rd_kafka_err2str(err));
}

static void cmd_topic(rd_kafka_mock_cluster_t *mc, int argc, char **argv, int replication) {
  long partitions;
  if (argc != 3 || parse_int(argv[2], 1, 100000, &partitions) != 0) {
    reply_err("usage: topic NAME PARTITIONS");
    return;
  }
  char echo[MAX_LINE];
  snprintf(echo, sizeof(echo), "topic %s %ld", argv[1], partitions);
  reply_result(create_topic(mc, argv[1], partitions, replication), echo);
}

/* `down ID`, `up ID`, `rtt ID MS`: broker id -1 means every broker, as in rdkafka_mock.h. */
static void cmd_broker(rd_kafka_mock_cluster_t *mc, int argc, char **argv) {
  long id, ms = 0;
  int is_rtt = strcmp(argv[0], "rtt") == 0;
  if (argc != (is_rtt ? 3 : 2) || parse_int(argv[1], -1, 1000000, &id) != 0 ||
      (is_rtt && parse_int(argv[2], 0, 3600000, &ms) != 0)) {
    reply_err(is_rtt ? "usage: rtt BROKER_ID MS" : "usage: %s BROKER_ID", argv[0]);
    return;
  }
  rd_kafka_resp_err_t err;
  char echo[64];
  if (is_rtt) {
    err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)ms);
    snprintf(echo, sizeof(echo), "rtt %ld %ld", id, ms);
  } else {
    err = argv[0][0] == 'd' ? rd_kafka_mock_broker_set_down(mc, (int32_t)id)
                            : rd_kafka_mock_broker_set_up(mc, (int32_t)id);
    snprintf(echo, sizeof(echo), "%s %ld", argv[0], id);
  }
  reply_result(err, echo);
}

static void cmd_errors(rd_kafka_mock_cluster_t *mc, int argc, char **argv) {
  int16_t api;
  long count;
  rd_kafka_resp_err_t code;
  if (argc != 4 || parse_api_key(argv[1], &api) != 0 || parse_int(argv[2], 0, 100000, &count) != 0 ||
      parse_err_code(argv[3], &code) != 0) {
    reply_err("usage: errors API_KEY COUNT ERR_CODE (names like Produce, NOT_LEADER_FOR_PARTITION, or numbers)");
    return;
  }
  if (count == 0) {
    rd_kafka_mock_clear_request_errors(mc, api);
    reply_ok("errors %d cleared", api);
    return;
  }
  rd_kafka_resp_err_t *errs = malloc(sizeof(*errs) * (size_t)count);
  if (errs == NULL) {
    reply_err("out of memory");
    return;
  }
  for (long i = 0; i < count; i++) errs[i] = code;
  rd_kafka_mock_push_request_errors_array(mc, api, (size_t)count, errs);
  free(errs);
  reply_ok("errors %d %ld %s", api, count, rd_kafka_err2name(code));
}

static void cmd_leader(rd_kafka_mock_cluster_t *mc, int argc, char **argv) {
  long partition, id;
  if (argc != 4 || parse_int(argv[2], 0, 100000, &partition) != 0 ||
      parse_int(argv[3], -1, 1000000, &id) != 0) {
    reply_err("usage: leader TOPIC PARTITION BROKER_ID");
    return;
  }
  if (!is_known_topic(argv[1])) {
    reply_err("UNKNOWN_TOPIC_OR_PART: no topic %s was created by this broker", argv[1]);
    return;
  }
  char echo[MAX_LINE];
  snprintf(echo, sizeof(echo), "leader %s %ld %ld", argv[1], partition, id);
  reply_result(rd_kafka_mock_partition_set_leader(mc, argv[1], (int32_t)partition, (int32_t)id), echo);
}

static void cmd_coordinator(rd_kafka_mock_cluster_t *mc, int argc, char **argv) {
  long id;
  if (argc != 4 || (strcmp(argv[1], "group") != 0 && strcmp(argv[1], "transaction") != 0) ||
      parse_int(argv[3], 1, 1000000, &id) != 0) {
    reply_err("usage: coordinator group|transaction KEY BROKER_ID");
    return;
  }
  char echo[MAX_LINE];
  snprintf(echo, sizeof(echo), "coordinator %s %s %ld", argv[1], argv[2], id);
  reply_result(rd_kafka_mock_coordinator_set(mc, argv[1], argv[2], (int32_t)id), echo);
}

static const char *const help_text =
    "commands: topic NAME PARTITIONS | down BROKER_ID | up BROKER_ID | rtt BROKER_ID MS | "
    "errors API_KEY COUNT ERR_CODE (COUNT 0 clears) | leader TOPIC PARTITION BROKER_ID | "
    "coordinator group|transaction KEY BROKER_ID | bootstrap | ping | help | quit";

/* Runs one command line; returns 1 when the program should stop. */
static int run_command(rd_kafka_mock_cluster_t *mc, char *line, int replication) {
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  for (char *tok = strtok(line, " \t\r"); tok != NULL; tok = strtok(NULL, " \t\r")) {
    if (argc == MAX_ARGS + 1) break;
    argv[argc++] = tok;
  }
  if (argc == 0) return 0; /* blank lines are ignored, not answered */
  const char *c = argv[0];
  if (strcmp(c, "quit") == 0) {
    reply_ok("bye");
    return 1;
  }
  if (strcmp(c, "topic") == 0) cmd_topic(mc, argc, argv, replication);
  else if (strcmp(c, "down") == 0 || strcmp(c, "up") == 0 || strcmp(c, "rtt") == 0) cmd_broker(mc, argc, argv);
  else if (strcmp(c, "errors") == 0) cmd_errors(mc, argc, argv);
  else if (strcmp(c, "leader") == 0) cmd_leader(mc, argc, argv);
  else if (strcmp(c, "coordinator") == 0) cmd_coordinator(mc, argc, argv);
  else if (strcmp(c, "bootstrap") == 0) reply_ok("%s", rd_kafka_mock_cluster_bootstraps(mc));
  else if (strcmp(c, "ping") == 0) reply_ok("pong");
  else if (strcmp(c, "help") == 0) reply_ok("%s", help_text);
  else reply_err("unknown command %s (try help)", c);
  return 0;
}

/*
 * Reads stdin with poll() and a short timeout rather than blocking stdio, so that a signal is noticed
 * promptly even while no command arrives. Returns when input ends, `quit` runs, or a signal asks to stop.
 */
static void command_loop(rd_kafka_mock_cluster_t *mc, int replication) {
  char buf[MAX_LINE];
  size_t len = 0;
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
      if (run_command(mc, buf, replication)) return;
      memmove(buf, buf + used, len - used);
      len -= used;
    }
    if (len == sizeof(buf) - 1) {
      reply_err("line longer than %d bytes", MAX_LINE - 2);
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
    char *spec = o->topics[i];
    char *colon = strrchr(spec, ':');
    long partitions;
    *colon = '\0';
    if (spec[0] == '\0' || parse_int(colon + 1, 1, 100000, &partitions) != 0) {
      fprintf(stderr, "dev-broker: bad --topic '%s:%s', expected NAME:PARTITIONS\n", spec, colon + 1);
      return -1;
    }
    if (create_topic(mc, spec, partitions, (int)o->replication) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
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

int main(int argc, char **argv) {
  struct options opts = {.brokers = 1, .replication = 0, .topic_count = 0};
  if (parse_options(argc, argv, &opts) != 0) return 2;
  install_signal_handlers();

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
