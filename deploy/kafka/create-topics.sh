#!/bin/sh
# Creates the topics listed in topics.txt (next to this script) on BOOTSTRAP_SERVERS, with their
# partition counts and configs; a topic that exists is left alone. POSIX sh: it runs in the
# apache/kafka image, which has no bash.
# topics.txt is `saga orchestrator --print-topics` for the compose file's configuration:
#   saga orchestrator --config deploy/config/orchestrator.yaml --definitions deploy/definitions \
#       --print-topics > deploy/kafka/topics.txt
set -eu
here=$(dirname "$0")
bootstrap=${BOOTSTRAP_SERVERS:-kafka:9092}
replication=${REPLICATION_FACTOR:-1}
kafka_topics=${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}

grep -v '^#' "$here/topics.txt" | while read -r name partitions configs rest; do
    [ -n "$name" ] || continue
    set -- --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \
        --partitions "$partitions" --replication-factor "$replication"
    old_ifs=$IFS
    IFS=,
    for config in $configs; do set -- "$@" --config "$config"; done
    IFS=$old_ifs
    "$kafka_topics" "$@"
    echo "topic $name: $partitions partitions, $configs"
done
