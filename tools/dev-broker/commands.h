/* The dev broker's command language (commands.c); see dev-broker.c for the process contract. */
#ifndef DEV_BROKER_COMMANDS_H
#define DEV_BROKER_COMMANDS_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Longest command line accepted, newline included. */
#define MAX_LINE 1024

/* Creates a topic and remembers its name; TOPIC_ALREADY_EXISTS if this program created it before. */
rd_kafka_resp_err_t create_topic(rd_kafka_mock_cluster_t *mc, const char *name, long partitions,
                                 int replication);

/* Runs one command line (modified in place) and prints its one-line answer; returns 1 on `quit`. */
int run_command(rd_kafka_mock_cluster_t *mc, char *line, int replication);

/* Prints "ERR <reason>" and flushes. */
void reply_err(const char *fmt, ...);

/* Parses a whole decimal integer within [min, max]; returns 0 on success. */
int parse_int(const char *s, long min, long max, long *out);

#endif
