#!/usr/bin/env bash
# Prepares the PySpark job of spark/ so that it runs offline afterwards:
#   1. a virtual environment spark/.venv (Python 3.11) with the exact packages of requirements.txt;
#   2. the Kafka connector jars of pom.xml, copied by Maven into <repo>/.cache/spark-jars.
# A second run does nothing when both are already in place (a stamp holds the hash of the inputs).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: spark/setup.sh [--force] [--help]

Creates spark/.venv (Python 3.11, packages pinned in spark/requirements.txt) and fetches
org.apache.spark:spark-sql-kafka-0-10_2.13 and its runtime jars (spark/pom.xml) into
<repo>/.cache/spark-jars with Maven. Needs python3.11, Java 17 and mvn; network access to PyPI
and Maven Central on the first run only. Idempotent: a second run is a no-op.

options:
  --force   rebuild the virtual environment and copy the jars again
  --help    show this help

environment:
  PYTHON            the Python 3.11 interpreter to use (default: python3.11, else python3)
  SPARK_JARS_DIR    where the jars go (default: <repo>/.cache/spark-jars)
EOF
}

force=0
for arg in "$@"; do
  case "$arg" in
    --help | -h) usage; exit 0 ;;
    --force) force=1 ;;
    *) echo "setup.sh: unknown option: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

spark_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$spark_dir")"
venv_dir="$spark_dir/.venv"
jars_dir="${SPARK_JARS_DIR:-$repo_dir/.cache/spark-jars}"
log() { printf 'setup.sh: %s\n' "$*" >&2; }

# Stage 1: tools. Spark 4 needs Java 17 or later; the venv needs Python 3.11.
python_bin="${PYTHON:-}"
if [[ -z "$python_bin" ]]; then
  if command -v python3.11 >/dev/null 2>&1; then python_bin=python3.11; else python_bin=python3; fi
fi
python_version="$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$python_version" != "3.11" ]]; then
  log "need Python 3.11, $python_bin is $python_version (set PYTHON)"; exit 1
fi
java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
if [[ -z "$java_major" || "$java_major" -lt 17 ]]; then
  log "need Java 17 or later on the PATH (found: ${java_major:-none})"; exit 1
fi

# Stage 2: the virtual environment, rebuilt only when requirements.txt changed.
req_hash="$(sha256sum "$spark_dir/requirements.txt" | cut -d ' ' -f 1)"
venv_stamp="$venv_dir/.requirements.sha256"
if [[ $force -eq 0 && -x "$venv_dir/bin/python" && -f "$venv_stamp" \
  && "$(cat "$venv_stamp")" == "$req_hash" ]]; then
  log "venv up to date: $venv_dir"
else
  log "creating venv $venv_dir with $python_bin ($python_version)"
  rm -rf "$venv_dir"
  "$python_bin" -m venv "$venv_dir"
  "$venv_dir/bin/python" -m pip install --quiet --upgrade pip
  "$venv_dir/bin/python" -m pip install --quiet --require-virtualenv -r "$spark_dir/requirements.txt"
  "$venv_dir/bin/python" -m pip check
  echo "$req_hash" >"$venv_stamp"
  log "venv ready: $("$venv_dir/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)')"
fi

# Stage 3: the connector jars, copied again only when pom.xml changed or a jar is missing.
pom_hash="$(sha256sum "$spark_dir/pom.xml" | cut -d ' ' -f 1)"
jars_stamp="$jars_dir/.pom.sha256"
if [[ $force -eq 0 && -f "$jars_stamp" && "$(cat "$jars_stamp")" == "$pom_hash" ]] \
  && ls "$jars_dir"/spark-sql-kafka-0-10_*.jar >/dev/null 2>&1; then
  log "jars up to date: $jars_dir"
else
  log "fetching connector jars into $jars_dir"
  rm -rf "$jars_dir"
  mkdir -p "$jars_dir"
  # Maven's own output (colour codes even in batch mode) is shown only when it fails.
  mvn_log="$(mktemp)"
  if ! mvn --batch-mode --quiet -f "$spark_dir/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$jars_dir" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2
    rm -f "$mvn_log"
    log "mvn dependency:copy-dependencies failed (is Maven Central reachable?)"
    exit 1
  fi
  rm -f "$mvn_log"
  echo "$pom_hash" >"$jars_stamp"
  log "jars ready: $(cd "$jars_dir" && ls -- *.jar | tr '\n' ' ')"
fi
