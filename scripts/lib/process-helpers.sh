#!/usr/bin/env bash
# Process helpers shared by the scripts that run a local service in the background
# (kafka-broker.sh, ferretdb.sh): is it alive, is its port open, wait for it to go away.
# Sourced, not run.

# True while the process or any of its threads still runs. A dead server can linger as a zombie
# (during `start` it is the calling shell's child, so `kill -0` alone would call it alive). A
# zombie main thread whose other threads are still exiting counts as alive: those may still hold
# the ports.
is_alive() {
  local state threads
  kill -0 "$1" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo '?')"
  [ "$state" != Z ] && return 0
  threads="$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
  [ "$threads" -gt 1 ]
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp; no nc needed).
is_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits until process $1 has exited, at most $2 seconds; fails on time-out.
wait_for_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while is_alive "$pid"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Waits until none of the ports after the first argument accepts connections, at most $1
# seconds; fails on time-out.
wait_for_ports_free() {
  local deadline=$((SECONDS + $1)) port
  shift
  for port in "$@"; do
    while is_port_open "$port"; do
      [ "$SECONDS" -lt "$deadline" ] || return 1
      sleep 0.1
    done
  done
}
