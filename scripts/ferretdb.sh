#!/usr/bin/env bash
# Runs FerretDB 1.x with its SQLite backend as the MongoDB-wire stand-in for tests (there is no
# MongoDB server package on this machine, and no Docker). FerretDB is built once from source with
# the Go toolchain and the Go module proxy; the only state is one SQLite file per database.
#
# Why it is not a plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: a binary
# built that way panics at start-up ("Invalid build/version/version.txt file content"), because
# build/version/version.txt is generated from git by FerretDB's own tooling and is not in the module
# zip. So `build` does what FerretDB's production Dockerfile does: take the module source (here from
# the module proxy), write version.txt, and `go build -trimpath ./cmd/ferretdb` with CGO_ENABLED=0
# (the SQLite driver, modernc.org/sqlite, is pure Go).
#
# What FerretDB 1.24 lacks compared with MongoDB (TTL and 2dsphere indexes, pipeline updates,
# transactions, change streams, ...) is listed in docs/ferretdb.md.
#
# Usage: scripts/ferretdb.sh build|start|stop|status|kill|--help   (see usage() below)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/process-helpers.sh
source "$root/scripts/lib/process-helpers.sh"

# Pinned: the supported-feature list in docs/ferretdb.md was measured against this version.
version="v1.24.2"
module="github.com/FerretDB/FerretDB"

port="${FERRETDB_PORT:-27017}"
data_dir="${FERRETDB_DATA_DIR:-.data/ferretdb}"
start_timeout="${FERRETDB_START_TIMEOUT:-60}"
stop_timeout="${FERRETDB_STOP_TIMEOUT:-20}"

# Everything Go downloads or compiles stays in the ignored .cache/, so a CI cache of .cache/ covers
# the module downloads (~650 MB), the build cache (~350 MB) and the binary.
go_dir="$root/.cache/go"
bin_dir="$root/.cache/ferretdb/$version"
bin="$bin_dir/ferretdb"

usage() {
  cat <<EOF
Usage: scripts/ferretdb.sh COMMAND

Runs a local FerretDB $version (MongoDB wire protocol, SQLite backend) for tests.

Commands:
  build    build the ferretdb binary into .cache/ferretdb/$version once (needs Go 1.24+ and the
           Go module proxy; no-op when present)
  start    build if needed, start FerretDB in the background and wait until it answers
           hello and ping (no-op when already running)
  stop     stop it cleanly (SIGTERM, then SIGKILL after ${stop_timeout} s; no-op when not running)
  status   say whether it runs; exit 0 when running, 3 when not
  kill     SIGKILL it at once, as a crash would (for recovery tests)

Environment (defaults in brackets):
  FERRETDB_PORT           listen on 127.0.0.1:PORT [27017]
  FERRETDB_DATA_DIR       state of this server: sqlite/ (one file per database), ferretdb.log,
                          ferretdb.pid, state.json
                          [.data/ferretdb; relative paths start at the repository root]
  FERRETDB_START_TIMEOUT  seconds to wait for readiness [60]
  FERRETDB_STOP_TIMEOUT   seconds to wait for a clean stop [20]
  GOPROXY                 where the FerretDB module comes from [Go's default]
  Other FERRETDB_* variables are ferretdb's own flags (e.g. FERRETDB_LOG_LEVEL=debug) and reach it
  as usual; the flags this script sets itself win over them.

Connect with mongodb://127.0.0.1:${port}/ (no authentication, no replica set).
EOF
}

die() {
  echo "ferretdb: $*" >&2
  exit 1
}

say() {
  echo "ferretdb: $*"
}

# --- settings -------------------------------------------------------------------------------

validate_settings() {
  case "$port" in
    '' | *[!0-9]*) die "FERRETDB_PORT must be a port number (1-65535), got '$port'" ;;
  esac
  if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "FERRETDB_PORT must be a port number (1-65535), got '$port'"
  fi
  case "$start_timeout$stop_timeout" in
    '' | *[!0-9]*) die "FERRETDB_START_TIMEOUT and FERRETDB_STOP_TIMEOUT must be whole seconds" ;;
  esac
  case "$data_dir" in
    /*) ;;
    *) data_dir="$root/$data_dir" ;;
  esac
  # The SQLite directory is passed as a file: URL, where these would start a query or fragment
  # or an escape, and a space breaks the pid check below.
  case "$data_dir" in
    *[?#%\ ]*) die "FERRETDB_DATA_DIR must not contain '?', '#', '%' or spaces, got '$data_dir'" ;;
  esac
  sqlite_dir="$data_dir/sqlite"
  pid_file="$data_dir/ferretdb.pid"
  log_file="$data_dir/ferretdb.log"
}

# --- processes ------------------------------------------------------------------------------

# Prints the pid of this data dir's server, or fails. The command line must name this data dir's
# SQLite directory, so a stale pid file whose number now belongs to another process is not taken
# for it.
server_pid() {
  local pid cmdline
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file")"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  is_alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"--sqlite-url=file:$sqlite_dir/ "* ]] || return 1
  echo "$pid"
}

# A real round trip on the wire: OP_MSG hello, ping and buildInfo on admin, each must reply ok: 1.
# An open port alone is not enough: FerretDB listens before its first backend query, and ping is
# the command that makes it open the SQLite backend. Node only (no npm package: the wire format is
# a few lines), because Node is needed for everything else in this repository anyway. Prints
# buildInfo's ferretdbVersion; exits 1 with the reason when the server does not answer properly.
wire_ping() {
  # shellcheck disable=SC2016 # JavaScript, not shell: its ${...} are template literals
  node -e '
    const net = require("node:net");
    const [port, timeoutMs] = process.argv.slice(1).map(Number);

    // A BSON document of int32 and string fields: all these commands need.
    const bson = (fields) => {
      const parts = [];
      for (const [key, value] of Object.entries(fields)) {
        const name = Buffer.from(key + "\0");
        if (typeof value === "number") {
          const v = Buffer.alloc(4);
          v.writeInt32LE(value);
          parts.push(Buffer.from([0x10]), name, v);
        } else {
          const s = Buffer.from(value + "\0");
          const n = Buffer.alloc(4);
          n.writeInt32LE(s.length);
          parts.push(Buffer.from([0x02]), name, n, s);
        }
      }
      const body = Buffer.concat(parts);
      const size = Buffer.alloc(4);
      size.writeInt32LE(body.length + 5);
      return Buffer.concat([size, body, Buffer.from([0])]);
    };

    // OP_MSG (opcode 2013): header, flagBits 0, one body section (kind 0).
    const opMsg = (id, doc) => {
      const head = Buffer.alloc(21);
      head.writeInt32LE(21 + doc.length, 0);
      head.writeInt32LE(id, 4);
      head.writeInt32LE(2013, 12);
      return Buffer.concat([head, doc]);
    };

    // The top-level fields of a reply; nested documents, arrays and binaries are skipped.
    const fields = (buf, start) => {
      const end = start + buf.readInt32LE(start) - 1;
      const out = {};
      let p = start + 4;
      while (p < end) {
        const type = buf[p++];
        const zero = buf.indexOf(0, p);
        const key = buf.toString("utf8", p, zero);
        p = zero + 1;
        let size;
        switch (type) {
          case 0x01: out[key] = buf.readDoubleLE(p); size = 8; break;
          case 0x02: size = 4 + buf.readInt32LE(p); out[key] = buf.toString("utf8", p + 4, p + size - 1); break;
          case 0x03: case 0x04: size = buf.readInt32LE(p); break;
          case 0x05: size = 5 + buf.readInt32LE(p); break;
          case 0x07: size = 12; break;
          case 0x08: out[key] = buf[p] === 1; size = 1; break;
          case 0x09: case 0x11: size = 8; break;
          case 0x0a: out[key] = null; size = 0; break;
          case 0x10: out[key] = buf.readInt32LE(p); size = 4; break;
          case 0x12: out[key] = Number(buf.readBigInt64LE(p)); size = 8; break;
          default: throw new Error(`unexpected BSON type ${type} in the reply`);
        }
        p += size;
      }
      return out;
    };

    const commands = [{ hello: 1, $db: "admin" }, { ping: 1, $db: "admin" }, { buildInfo: 1, $db: "admin" }];
    const replies = [];
    let pending = Buffer.alloc(0);
    const fail = (why) => { console.error(why); process.exit(1); };
    setTimeout(() => fail(`no reply within ${timeoutMs} ms`), timeoutMs).unref();

    const socket = net.connect(port, "127.0.0.1", () => socket.write(opMsg(1, bson(commands[0]))));
    socket.on("error", (err) => fail(err.message));
    socket.on("close", () => fail("the server closed the connection"));
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        const size = pending.readInt32LE(0);
        const msg = pending.subarray(0, size);
        pending = pending.subarray(size);
        if (msg.readInt32LE(12) !== 2013 || msg[20] !== 0) fail("the reply is not an OP_MSG");
        const reply = fields(msg, 21);
        const name = Object.keys(commands[replies.length])[0];
        if (reply.ok !== 1) fail(`${name} failed: ${reply.errmsg ?? "ok is not 1"}`);
        replies.push(reply);
        if (replies.length < commands.length) {
          socket.write(opMsg(replies.length + 1, bson(commands[replies.length])));
        } else {
          const v = replies[2].ferretdbVersion;
          if (v === undefined) fail("the server on this port is not FerretDB (buildInfo has no ferretdbVersion)");
          console.log(`${v}, as MongoDB ${replies[2].version}, maxWireVersion ${replies[0].maxWireVersion}`);
          socket.removeAllListeners("close");
          socket.destroy();
        }
      }
    });
  ' "$port" "${1:-2000}"
}

# --- build ----------------------------------------------------------------------------------

# The Go environment of every go command here. GOFLAGS is replaced, not extended: a caller's
# -mod=vendor or the like would break a build outside their module. -modcacherw leaves the module
# cache writable, so `rm -rf .cache` works (Go makes it read-only by default). GOWORK=off keeps a
# go.work further up from joining in. GOTOOLCHAIN stays as the caller has it: an older local Go
# fetches the go1.24 toolchain named by FerretDB's go.mod from the proxy, into .cache/go/mod too.
go_env() {
  env GOPATH="$go_dir/path" GOMODCACHE="$go_dir/mod" GOCACHE="$go_dir/build" \
    GOFLAGS="-modcacherw -buildvcs=false" GOWORK=off CGO_ENABLED=0 "$@"
}

build() {
  [ -x "$bin" ] && return 0

  command -v go >/dev/null ||
    die "Go is needed once to build FerretDB $version (Go 1.24+; https://go.dev/dl/ or apt-get install golang); install it and run this again"

  # Tests may start two servers at once on a fresh clone: one builds, the other waits for it.
  mkdir -p "$(dirname "$bin_dir")"
  exec 9>"$(dirname "$bin_dir")/.build.lock"
  flock 9
  if [ -x "$bin" ]; then
    exec 9>&-
    return 0
  fi

  say "building FerretDB $version with $(go version | awk '{print $3}') into ${bin_dir#"$root/"} (first time only; a few minutes)..."
  local started=$SECONDS mod_dir src build_log
  mkdir -p "$go_dir"
  build_log="$(dirname "$bin_dir")/build-$version.log"

  # The module source from the proxy, checked against go.sum's checksum database as usual.
  if ! mod_dir="$(go_env go mod download -json "$module@$version" 2>"$build_log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || [ -z "$mod_dir" ] || [ ! -d "$mod_dir" ]; then
    cat "$build_log" >&2
    die "could not download $module@$version (output above, also in $build_log); check that the Go module proxy (GOPROXY) is reachable"
  fi

  # A writable copy with the version file FerretDB's tooling would generate from git. It keeps a
  # fixed path, so the Go build cache serves a rebuild. The binary lands in a temporary folder
  # first, so an interrupted build never looks complete.
  src="$(dirname "$bin_dir")/src-$version"
  tmp="$bin_dir.tmp.$$"
  rm -rf "$src" "$tmp"
  # Global, not local: the EXIT trap runs after this function has returned.
  trap 'rm -rf "$tmp"' EXIT
  cp -R "$mod_dir" "$src"
  chmod -R u+w "$src"
  echo "$version" >"$src/build/version/version.txt"
  echo "source" >"$src/build/version/package.txt"

  if ! (cd "$src" && go_env go build -trimpath -o "$tmp/ferretdb" ./cmd/ferretdb) >>"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    die "building FerretDB failed (last lines above; all of it in $build_log)"
  fi
  # Captured first: `--version | grep -q` under pipefail fails whenever grep exits before
  # ferretdb has written its later lines (SIGPIPE).
  local reported
  reported="$("$tmp/ferretdb" --version 2>&1 || true)"
  grep -qx "version: $version" <<<"$reported" ||
    die "the built binary does not report version $version; see $build_log"

  rm -rf "$bin_dir" "$src"
  mv "$tmp" "$bin_dir"
  trap - EXIT
  exec 9>&-
  say "built ${bin#"$root/"} in $((SECONDS - started)) s"
}

# --- start ----------------------------------------------------------------------------------

start() {
  local pid deadline started=$SECONDS why
  if pid="$(server_pid)"; then
    say "already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  rm -f "$pid_file"

  # Another program (or a FerretDB of another data dir) on the port would make the new server exit
  # with a bind error in its log; say so plainly instead. The grace covers a server killed a moment
  # ago.
  if ! wait_for_ports_free 5 "$port"; then
    die "port $port on 127.0.0.1 is already in use by another process; stop it, or pick a free port with FERRETDB_PORT"
  fi
  command -v node >/dev/null || die "Node.js is needed for the readiness check; install it (see README.md)"

  build
  mkdir -p "$sqlite_dir"

  # A fresh log per start: the lines of an earlier run must not be taken for this one's.
  [ -f "$log_file" ] && mv -f "$log_file" "$log_file.prev"

  # The flags of ferretdb v1.24 (`ferretdb --help`):
  #   --handler=sqlite --sqlite-url=file:DIR/  the SQLite backend; DIR must exist and the URL must
  #                                            end with '/' (one DB file per database, WAL mode)
  #   --listen-addr                            loopback only: there is no authentication
  #   --state-dir                              where state.json (instance uuid, telemetry choice) goes
  #   --debug-addr=-                           no metrics/pprof HTTP listener (it would take 8088 and
  #                                            clash between two servers)
  #   --telemetry=disable                      no reports to beacon.ferretdb.com; DO_NOT_TRACK=1 too,
  #                                            since a caller's unparsable DO_NOT_TRACK stops ferretdb
  # setsid: the server leaves the caller's process group and session, so Ctrl-C in the terminal
  # that ran `make ferretdb`, or a test runner killing its group, does not take it down.
  DO_NOT_TRACK=1 setsid "$bin" \
    --handler=sqlite --sqlite-url="file:$sqlite_dir/" \
    --listen-addr="127.0.0.1:$port" \
    --state-dir="$data_dir" \
    --debug-addr=- \
    --telemetry=disable \
    --log-format=text \
    >"$log_file" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"

  # Ready = the port accepts connections and hello, ping (which opens the backend) and buildInfo
  # answer ok: 1.
  deadline=$((SECONDS + start_timeout))
  while :; do
    if ! is_alive "$pid"; then
      rm -f "$pid_file"
      tail -n 20 "$log_file" >&2 2>/dev/null || true
      die "FerretDB exited while starting (last lines above); see $log_file"
    fi
    # No bare TCP probe first: ferretdb logs a warning for each connection closed without a word.
    if why="$(wire_ping 2000 2>&1)"; then
      break
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$pid_file"
      die "FerretDB did not become ready within ${start_timeout} s and was killed (last check: $why); see $log_file (FERRETDB_START_TIMEOUT allows longer)"
    fi
    sleep 0.1
  done
  say "ready on 127.0.0.1:$port in $((SECONDS - started)) s (pid $pid, FerretDB $why; log in ${log_file#"$root/"})"
}

# --- stop, kill, status ---------------------------------------------------------------------

# SIGTERM makes ferretdb stop its listener and close the SQLite databases (checkpointing the WAL).
# A server stuck past the timeout is killed; SQLite's WAL makes that safe, only slower to reopen.
stop() {
  local pid
  if ! pid="$(server_pid)"; then
    rm -f "$pid_file"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  if ! wait_for_exit "$pid" "$stop_timeout"; then
    echo "ferretdb: FerretDB did not stop within ${stop_timeout} s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait_for_exit "$pid" 10 || die "pid $pid survived SIGKILL; check it with ps"
  fi
  rm -f "$pid_file"
  wait_for_ports_free 5 "$port" || true
  say "stopped"
}

kill_server() {
  local pid
  if ! pid="$(server_pid)"; then
    rm -f "$pid_file"
    say "not running"
    return 0
  fi
  kill -KILL "$pid"
  wait_for_exit "$pid" 10 || die "pid $pid survived SIGKILL; check it with ps"
  rm -f "$pid_file"
  wait_for_ports_free 5 "$port" || true
  say "killed pid $pid"
}

status() {
  local pid info
  if ! pid="$(server_pid)"; then
    say "stopped"
    return 3
  fi
  if info="$(wire_ping 2000 2>&1)"; then
    say "running (pid $pid) on 127.0.0.1:$port: FerretDB $info"
  else
    say "running (pid $pid) but 127.0.0.1:$port does not answer ($info); see $log_file"
  fi
}

# --- main -----------------------------------------------------------------------------------

case "${1:-}" in
  -h | --help | help)
    usage
    exit 0
    ;;
  build | start | stop | status | kill) ;;
  '')
    usage >&2
    exit 2
    ;;
  *)
    echo "ferretdb: unknown command '$1'" >&2
    usage >&2
    exit 2
    ;;
esac

validate_settings
case "$1" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill) kill_server ;;
esac
