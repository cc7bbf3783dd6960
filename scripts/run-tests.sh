#!/usr/bin/env bash
# Every test: unit tests, integration tests (the built CLI, the demo, Chromium, Kafka, FerretDB, the
# PySpark streaming job), the conformance folder against both engines (the TypeScript engine and
# the PySpark job's batch mode), and the PySpark job's own unit tests. Ends with one summary line:
# "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .data
status=0
# The code under test logs at info; keep the test output to warnings unless asked otherwise.
export LOG_LEVEL="${LOG_LEVEL:-warn}"

echo "type-checking sources and tests..."
npm run --silent typecheck || status=1
npm run --silent format:check || status=1

# A broker of the tests' own, on its own ports and folder, so a developer's broker (make kafka) is
# neither used nor disturbed; the Kafka integration tests read its address from
# KAFKA_TEST_BOOTSTRAP and stop, kill and start it through the same script.
export KAFKA_PORT="${KAFKA_TEST_PORT:-19092}" KAFKA_CONTROLLER_PORT="${KAFKA_TEST_CONTROLLER_PORT:-19093}"
export KAFKA_DATA_DIR="$PWD/.data/kafka-test"
bash scripts/kafka-broker.sh stop >/dev/null 2>&1 || true
rm -rf "$KAFKA_DATA_DIR"
if bash scripts/kafka-broker.sh start; then
  export KAFKA_TEST_BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
else
  echo "the test broker did not start: the Kafka tests cannot run (see $KAFKA_DATA_DIR/logs)" >&2
  status=1
fi

# FerretDB (MongoDB wire protocol, SQLite backend) for the MongoDB store tests, likewise on its own
# port and folder; built from the Go module proxy on first use (scripts/ferretdb.sh).
export FERRETDB_PORT="${FERRETDB_TEST_PORT:-27018}" FERRETDB_DATA_DIR="$PWD/.data/ferretdb-test"
bash scripts/ferretdb.sh stop >/dev/null 2>&1 || true
rm -rf "$FERRETDB_DATA_DIR"
if bash scripts/ferretdb.sh start; then
  export MONGO_TEST_URI="mongodb://127.0.0.1:$FERRETDB_PORT"
else
  echo "FerretDB did not start: the MongoDB tests cannot run (see $FERRETDB_DATA_DIR)" >&2
  status=1
fi
trap 'bash scripts/kafka-broker.sh stop >/dev/null 2>&1 || true; bash scripts/ferretdb.sh stop >/dev/null 2>&1 || true' EXIT

# The PySpark job's virtual environment and connector jars, made once by spark/setup.sh; the
# streaming job's integration test finds its interpreter in SPARK_TEST_PYTHON.
if bash spark/setup.sh; then
  export SPARK_TEST_PYTHON="$PWD/spark/.venv/bin/python"
else
  echo "spark/setup.sh failed: the PySpark job cannot be tested (output above)" >&2
  status=1
fi

npx vitest run --reporter=default --reporter=json --outputFile=.data/vitest-report.json || status=1

node conformance/run-conformance.mjs -- node dist/src/cli/main.js aggregate | tee .data/conformance.txt
[ "${PIPESTATUS[0]}" = 0 ] || status=1

# The PySpark job (spark/): its own unit tests, and the same conformance folder against its batch
# mode. The streaming job's integration test (Kafka, FerretDB, the job) ran with vitest above.
: >.data/spark-pytest.txt
: >.data/conformance-spark.txt
if [ -n "${SPARK_TEST_PYTHON:-}" ]; then
  spark/.venv/bin/ruff format --check --quiet spark && spark/.venv/bin/ruff check --quiet spark ||
    status=1
  spark/.venv/bin/python -m pytest spark/tests -q -p no:cacheprovider | tee .data/spark-pytest.txt
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  node conformance/run-conformance.mjs -- spark/.venv/bin/python spark/heatmap_stream.py aggregate |
    tee .data/conformance-spark.txt
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi

node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
try {
  const r = JSON.parse(fs.readFileSync(".data/vitest-report.json", "utf8"));
  passed = r.numPassedTests; failed = r.numFailedTests; skipped = r.numPendingTests + (r.numTodoTests || 0);
} catch { failed++; }
for (const file of [".data/conformance.txt", ".data/conformance-spark.txt"]) {
  const c = fs.readFileSync(file, "utf8").match(/conformance: (\d+) passed, (\d+) failed/);
  if (c) { passed += +c[1]; failed += +c[2]; } else { failed++; }
}
const py = fs.readFileSync(".data/spark-pytest.txt", "utf8");
const count = (word) => +((py.match(new RegExp("(\\d+) " + word)) || [0, 0])[1]);
if (/\d+ (passed|failed)/.test(py)) {
  passed += count("passed"); failed += count("failed") + count("error"); skipped += count("skipped");
} else { failed++; }
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
' || status=1
exit $status
