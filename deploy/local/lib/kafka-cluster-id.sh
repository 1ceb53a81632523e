# shellcheck shell=bash
# KRaft cluster ids, made the way Kafka makes them (sourced by lib/kafka.sh,
# and by tests/test/infra/kafka-cluster-id.test.ts on its own).
#
# Kafka's Uuid.randomUuid() takes a random version-4 UUID and writes its 16
# bytes as URL-safe base64 without padding (22 characters), rolling again
# while the result starts with '-' (command-line tools would read it as an
# option: about 1 id in 64) or is one of the two reserved ids. An id that
# starts with '-' made `StorageTool format -t <id>` fail on every retry
# (issue 10), so ids are checked here too, and passed as --cluster-id=<id>.

KAFKA_RESERVED_CLUSTER_IDS=" AAAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAQ "

# One new id on stdout.
kafka_new_cluster_id() {
  local uuid bytes id i
  while :; do
    uuid=$(</proc/sys/kernel/random/uuid) # version 4, like java.util.UUID.randomUUID()
    uuid=${uuid//-/}
    bytes=""
    for ((i = 0; i < 32; i += 2)); do bytes+="\\x${uuid:i:2}"; done
    id=$(printf '%b' "$bytes" | base64) # 24 characters, ending in ==
    id=${id%==}
    id=${id//+/-}
    id=${id//\//_}
    kafka_cluster_id_valid "$id" && break
  done
  printf '%s\n' "$id"
}

# True for an id Kafka would make: the canonical unpadded URL-safe base64 of
# 16 bytes (22 characters; the last one carries 2 bits, so it is one of
# A, Q, g, w), not starting with '-', not reserved.
kafka_cluster_id_valid() {
  local id=$1
  [[ $id =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{20}[AQgw]$ ]] || return 1
  [[ $KAFKA_RESERVED_CLUSTER_IDS != *" $id "* ]]
}
