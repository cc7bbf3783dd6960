# Mobility Heatmap: the two commands of the README, and the steps behind them.
#   make demo   installs what it needs, builds, and serves the live map at http://127.0.0.1:5000
#   make test   installs what it needs (Chromium included), builds, and runs every test
# The shared recordings are read in place from RECORDINGS_DIR; they are never copied here.

RECORDINGS_DIR ?= $(if $(wildcard ../shared/data/recordings/PROVENANCE.md),$(abspath ../shared/data/recordings),)
export RECORDINGS_DIR

NODE_STAMP := node_modules/.installed
BUILD_STAMP := dist/.built
SOURCES := $(shell find src scripts -type f 2>/dev/null) package.json tsconfig.json

.PHONY: demo test build deps bench conformance conformance-update chromium kafka kafka-stop ferretdb \
	ferretdb-stop spark-setup spark-job conformance-spark clean

# make demo PORT=5001 serves on another port; DEMO_ARGS passes any other flag of `demo`.
PORT ?= 5000

demo: build
	node dist/src/cli/main.js demo --port $(PORT) $(DEMO_ARGS)

test: build chromium
	bash scripts/run-tests.sh

bench: build
	node dist/src/cli/main.js bench $(BENCH_ARGS)

build: $(BUILD_STAMP)

deps: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(BUILD_STAMP): $(NODE_STAMP) $(SOURCES)
	npm run --silent build
	@touch $@

conformance: build
	node conformance/run-conformance.mjs -- node dist/src/cli/main.js aggregate

# Rewrites every conformance/cases/*/expected.json: review the diff by hand before committing.
conformance-update: build
	node conformance/run-conformance.mjs --update -- node dist/src/cli/main.js aggregate

chromium:
	bash scripts/ensure-chromium.sh

# A local Kafka broker on 127.0.0.1:9092 for the distributed profile (Java 17+; jars from Maven
# Central on first use). KAFKA_PORT and KAFKA_DATA_DIR move it; `bash scripts/kafka-broker.sh --help`.
kafka:
	bash scripts/kafka-broker.sh start

kafka-stop:
	bash scripts/kafka-broker.sh stop

# A local FerretDB 1.24 (MongoDB wire protocol, SQLite backend) on 127.0.0.1:27017 for
# `--store mongo`, built once with Go into .cache/. FERRETDB_PORT and FERRETDB_DATA_DIR move it;
# `bash scripts/ferretdb.sh --help`.
ferretdb:
	bash scripts/ferretdb.sh start

ferretdb-stop:
	bash scripts/ferretdb.sh stop

# The PySpark job (spark/): its virtual environment and Kafka connector jars, once; then the
# conformance folder against its batch mode. See spark/README.md for the streaming job.
spark-setup:
	bash spark/setup.sh

# The streaming job on the local broker and store (make kafka, make ferretdb; or set
# KAFKA_BOOTSTRAP and MONGO_URI to others), checkpointing into .data/spark-checkpoint; Ctrl-C stops
# it, and the next run resumes there. SPARK_ARGS passes other flags (heatmap_stream.py stream --help).
spark-job: spark-setup
	spark/.venv/bin/python spark/heatmap_stream.py stream --checkpoint .data/spark-checkpoint $(SPARK_ARGS)

conformance-spark: spark-setup
	node conformance/run-conformance.mjs -- spark/.venv/bin/python spark/heatmap_stream.py aggregate

clean:
	rm -rf dist .data
