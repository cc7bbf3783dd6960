#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, broker and controller in one JVM) for the
# distributed profile and its integration tests, with no Docker and no download but Maven Central:
# the broker is the main class kafka.Kafka of the kafka_2.13 jar, so its jars (scripts/kafka/pom.xml)
# plus log4j2 are the whole install. Needs Java 17+ (Kafka 4.x servers) and, once, Maven.
#
# Usage: scripts/kafka-broker.sh fetch|start|stop|status|kill|--help   (see usage() below)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/process-helpers.sh
source "$root/scripts/lib/process-helpers.sh"

port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
data_dir="${KAFKA_DATA_DIR:-.data/kafka}"
# Any fixed id will do for a throwaway single node; fixing it saves a JVM start for `random-uuid`
# and keeps the storage of one data dir valid across runs. It is 16 bytes in base64url.
cluster_id="${KAFKA_CLUSTER_ID:-kBGb6EN2QQiXjiQhJ3fOkg}"
heap_opts="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
start_timeout="${KAFKA_START_TIMEOUT:-90}"
stop_timeout="${KAFKA_STOP_TIMEOUT:-30}"

pom="$root/scripts/kafka/pom.xml"
template="$root/scripts/kafka/server.properties"
log4j_config="$root/scripts/kafka/log4j2.properties"
lib_dir="$root/.cache/kafka/lib"
# Maven's own repository stays in the ignored .cache/ too, so a CI cache of .cache/ covers both.
maven_repo="$root/.cache/m2"

usage() {
  cat <<EOF
Usage: scripts/kafka-broker.sh COMMAND

Runs a local single-node Kafka broker (KRaft) from Maven Central jars.

Commands:
  fetch    download the broker's jars into .cache/kafka/lib once (needs Maven; no-op when present)
  start    fetch if needed, format the storage on first use, start the broker in the background
           and wait until it serves (no-op when already running)
  stop     stop it cleanly (SIGTERM, then SIGKILL after ${stop_timeout} s; no-op when not running)
  status   say whether it runs; exit 0 when running, 3 when not
  kill     SIGKILL it at once, as a crash would (for recovery tests)

Environment (defaults in brackets):
  KAFKA_PORT             client listener on 127.0.0.1 [9092]
  KAFKA_CONTROLLER_PORT  KRaft controller listener on 127.0.0.1 [9093]
  KAFKA_DATA_DIR         state of this broker: data/, logs/, broker.pid, server.properties
                         [.data/kafka; relative paths start at the repository root]
  KAFKA_HEAP_OPTS        JVM heap [-Xms256m -Xmx512m]
  KAFKA_OPTS             further JVM options
  KAFKA_START_TIMEOUT    seconds to wait for readiness [90]
  KAFKA_STOP_TIMEOUT     seconds to wait for a clean stop [30]
  KAFKA_CLUSTER_ID       cluster id written by the first format [a fixed one]
  JAVA_HOME              the Java 17+ to run it with [java on PATH]
EOF
}

die() {
  echo "kafka-broker: $*" >&2
  exit 1
}

say() {
  echo "kafka-broker: $*"
}

# --- settings -------------------------------------------------------------------------------

validate_port() {
  case "$2" in
    '' | *[!0-9]*) die "$1 must be a port number (1-65535), got '$2'" ;;
  esac
  if [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
    die "$1 must be a port number (1-65535), got '$2'"
  fi
}

validate_settings() {
  validate_port KAFKA_PORT "$port"
  validate_port KAFKA_CONTROLLER_PORT "$controller_port"
  if [ "$port" = "$controller_port" ]; then
    die "KAFKA_PORT and KAFKA_CONTROLLER_PORT are both $port; give the controller its own port"
  fi
  case "$start_timeout$stop_timeout" in
    *[!0-9]*) die "KAFKA_START_TIMEOUT and KAFKA_STOP_TIMEOUT must be whole seconds" ;;
  esac
  case "$data_dir" in
    /*) ;;
    *) data_dir="$root/$data_dir" ;;
  esac
  pid_file="$data_dir/broker.pid"
  config="$data_dir/server.properties"
  logs_dir="$data_dir/logs"
}

# --- processes ------------------------------------------------------------------------------

# Prints the pid of this data dir's broker, or fails. The command line must name this data dir's
# config, so a stale pid file whose number now belongs to another process is not taken for it.
broker_pid() {
  local pid cmdline
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file")"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  is_alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"kafka.Kafka $config"* ]] || return 1
  echo "$pid"
}

# --- java -----------------------------------------------------------------------------------

find_java() {
  java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  command -v "$java" >/dev/null ||
    die "no Java found ($java); install Java 17+ (apt-get install openjdk-17-jre-headless) or set JAVA_HOME"

  # java.specification.version is "17", "21", "25": one number from Java 9 on, "1.8" before.
  local version
  version="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')"
  case "$version" in
    '' | 1.* | [0-9]) die "Kafka 4.x brokers need Java 17+, but $java is ${version:-unknown}; set JAVA_HOME to a Java 17+" ;;
  esac
  [ "$version" -ge 17 ] || die "Kafka 4.x brokers need Java 17+, but $java is $version; set JAVA_HOME to a Java 17+"
}

# --- fetch ----------------------------------------------------------------------------------

# The stamp holds the pom's checksum: a changed pom (a version bump) fetches again, an unchanged
# one costs nothing. Jars land in a temporary folder first, so an interrupted fetch never looks
# complete.
is_fetched() {
  [ -f "$lib_dir/.pom.sha256" ] && [ "$(cat "$lib_dir/.pom.sha256")" = "$(sha256sum "$pom" | cut -d' ' -f1)" ]
}

fetch() {
  is_fetched && return 0

  command -v mvn >/dev/null ||
    die "Maven is needed once to fetch the broker's jars from Maven Central; install it (apt-get install maven) and run this again"

  # Tests may start two brokers at once on a fresh clone: one fetches, the other waits for it.
  mkdir -p "$(dirname "$lib_dir")"
  exec 9>"$(dirname "$lib_dir")/.fetch.lock"
  flock 9
  if is_fetched; then
    exec 9>&-
    return 0
  fi

  say "fetching the Kafka broker's jars from Maven Central into ${lib_dir#"$root/"}..."
  # Global, not local: the EXIT trap runs after this function has returned.
  tmp="$lib_dir.tmp.$$"
  rm -rf "$tmp" "$tmp.log"
  trap 'rm -rf "$tmp" "$tmp.log"' EXIT

  # Maven's output is shown only on failure: Debian's Maven 3.8 prints colour resets even with -q -B.
  if ! mvn -q -B -f "$pom" -Dmaven.repo.local="$maven_repo" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    die "Maven could not fetch the jars of $pom (output above); check that Maven Central is reachable (or Maven's proxy settings) and run this again"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven finished but no kafka_2.13 jar landed in $tmp"

  sha256sum "$pom" | cut -d' ' -f1 >"$tmp/.pom.sha256"
  rm -rf "$lib_dir" "$tmp.log"
  mv "$tmp" "$lib_dir"
  trap - EXIT
  exec 9>&-
  say "fetched $(find "$lib_dir" -name '*.jar' | wc -l) jars"
}

# --- start ----------------------------------------------------------------------------------

render_config() {
  mkdir -p "$data_dir/data" "$logs_dir"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@DATA_DIR@|$data_dir|g" \
    "$template" >"$config"
}

# Format once: a formatted log dir has meta.properties. --ignore-formatted keeps a rerun harmless
# anyway (format is not idempotent without it), and --standalone makes this node the only voter of
# a dynamic quorum (KIP-853), taken from the CONTROLLER listener of the config.
format_storage() {
  [ -f "$data_dir/data/meta.properties" ] && return 0
  say "formatting the KRaft storage in ${data_dir#"$root/"}/data (cluster $cluster_id)"
  if ! "$java" -Xmx256m -Dlog4j2.configurationFile="$log4j_config" -Dkafka.logs.dir="$logs_dir" \
    -cp "$lib_dir/*" kafka.tools.StorageTool format --standalone --ignore-formatted \
    --cluster-id "$cluster_id" --config "$config" >"$logs_dir/format.out" 2>&1; then
    cat "$logs_dir/format.out" >&2
    die "formatting the storage failed (output above, also in $logs_dir/format.out); if $data_dir holds a broken or foreign storage, delete it and start again"
  fi
}

start() {
  local pid deadline started=$SECONDS
  if pid="$(broker_pid)"; then
    say "already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  rm -f "$pid_file"

  # Another program (or a broker of another data dir) on our ports would make the new broker exit
  # with a bind error deep in its log; say so plainly instead. The grace covers a broker killed a
  # moment ago: once, a start right after `kill` still found the port answering.
  if ! wait_for_ports_free 5 "$port" "$controller_port"; then
    die "port $port or $controller_port on 127.0.0.1 is already in use by another process; stop it, or pick free ports with KAFKA_PORT and KAFKA_CONTROLLER_PORT"
  fi

  fetch
  find_java
  render_config

  # A fresh server.log per start: the readiness line of an earlier run must not count.
  [ -f "$logs_dir/server.log" ] && mv -f "$logs_dir/server.log" "$logs_dir/server.log.prev"
  format_storage

  # setsid: the broker leaves the caller's process group and session, so Ctrl-C in the terminal
  # that ran `make kafka`, or a test runner killing its group, does not take it down.
  # shellcheck disable=SC2086 # heap_opts and KAFKA_OPTS are lists of JVM flags
  setsid "$java" $heap_opts -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$log4j_config" -Dkafka.logs.dir="$logs_dir" ${KAFKA_OPTS:-} \
    -cp "$lib_dir/*" kafka.Kafka "$config" >"$logs_dir/broker.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"

  # Ready = the broker logged "Kafka Server started" (KafkaRaftServer, after its listeners opened
  # and it caught up with the metadata log) and the client port accepts connections.
  deadline=$((SECONDS + start_timeout))
  while :; do
    if ! is_alive "$pid"; then
      rm -f "$pid_file"
      tail -n 20 "$logs_dir/broker.out" "$logs_dir/server.log" >&2 2>/dev/null || true
      die "the broker exited while starting (last lines above); see $logs_dir/server.log and $logs_dir/broker.out"
    fi
    if grep -q 'Kafka Server started' "$logs_dir/server.log" 2>/dev/null && is_port_open "$port"; then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$pid_file"
      die "the broker did not become ready within ${start_timeout} s and was killed; see $logs_dir/server.log (KAFKA_START_TIMEOUT allows longer)"
    fi
    sleep 0.25
  done
  say "ready on 127.0.0.1:$port in $((SECONDS - started)) s (pid $pid, logs in ${logs_dir#"$root/"})"
}

# --- stop, kill, status ---------------------------------------------------------------------

# SIGTERM runs the broker's shutdown hook: it flushes and closes the logs, so the next start skips
# log recovery. A broker stuck past the timeout is killed.
stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$pid_file"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  if ! wait_for_exit "$pid" "$stop_timeout"; then
    echo "kafka-broker: the broker did not stop within ${stop_timeout} s; killing it (the next start recovers its logs)" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_for_exit "$pid" 10 || die "pid $pid survived SIGKILL; check it with ps"
  fi
  rm -f "$pid_file"
  wait_for_ports_free 5 "$port" "$controller_port" || true
  say "stopped"
}

kill_broker() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$pid_file"
    say "not running"
    return 0
  fi
  kill -KILL "$pid"
  wait_for_exit "$pid" 10 || die "pid $pid survived SIGKILL; check it with ps"
  rm -f "$pid_file"
  wait_for_ports_free 5 "$port" "$controller_port" || true
  say "killed pid $pid"
}

status() {
  local pid
  if ! pid="$(broker_pid)"; then
    say "stopped"
    return 3
  fi
  if is_port_open "$port"; then
    say "running (pid $pid) on 127.0.0.1:$port"
  else
    say "running (pid $pid) but 127.0.0.1:$port does not answer yet; see $logs_dir/server.log"
  fi
}

# --- main -----------------------------------------------------------------------------------

case "${1:-}" in
  -h | --help | help)
    usage
    exit 0
    ;;
  fetch | start | stop | status | kill) ;;
  '')
    usage >&2
    exit 2
    ;;
  *)
    echo "kafka-broker: unknown command '$1'" >&2
    usage >&2
    exit 2
    ;;
esac

validate_settings
case "$1" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_broker ;;
esac
