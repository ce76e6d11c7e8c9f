/*
 * The dev broker's command language: parses one stdin line, applies it to the mock cluster, and answers
 * with exactly one stdout line, "OK ..." or "ERR <reason>". Also owns topic creation, so the topics made
 * from --topic and from the `topic` command are tracked in one place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"

#define MAX_ARGS 8

/* Protocol request names accepted by `errors`, indexed by ApiKey (Kafka protocol numbering, 0..29). */
static const char *const api_names[] = {
    "Produce",         "Fetch",          "ListOffsets",        "Metadata",
    "LeaderAndIsr",    "StopReplica",    "UpdateMetadata",     "ControlledShutdown",
    "OffsetCommit",    "OffsetFetch",    "FindCoordinator",    "JoinGroup",
    "Heartbeat",       "LeaveGroup",     "SyncGroup",          "DescribeGroups",
    "ListGroups",      "SaslHandshake",  "ApiVersions",        "CreateTopics",
    "DeleteTopics",    "DeleteRecords",  "InitProducerId",     "OffsetForLeaderEpoch",
    "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn",         "WriteTxnMarkers",
    "TxnOffsetCommit", "DescribeAcls",
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

void reply_err(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ERR ", stdout);
  vfprintf(stdout, fmt, ap);
  fputc('\n', stdout);
  fflush(stdout);
  va_end(ap);
}

int parse_int(const char *s, long min, long max, long *out) {
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

rd_kafka_resp_err_t create_topic(rd_kafka_mock_cluster_t *mc, const char *name, long partitions,
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
int run_command(rd_kafka_mock_cluster_t *mc, char *line, int replication) {
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  for (char *tok = strtok(line, " \t\r"); tok != NULL; tok = strtok(NULL, " \t\r")) {
    if (argc == MAX_ARGS + 1) break;
    argv[argc++] = tok;
  }
  if (argc == 0) {
    reply_err("empty command (try help)"); /* still one answer per line, so replies stay paired */
    return 0;
  }
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
