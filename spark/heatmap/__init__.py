"""Python side of the Mobility Heatmap: the pieces of the PySpark job (spark/heatmap_stream.py).

Each module mirrors one file of the TypeScript engine under src/, so that both engines apply the
same contract (../shared/SPEC.md beside the repository, sections 1-4 and 7) and print the same conformance output:

- ``rfc3339``: RFC 3339 times in and ISO-8601 UTC times out (src/event/rfc3339.ts).
- ``validate_event``: SPEC 1 validation with its reason codes (src/event/validate-event.ts).
- ``cells``: H3 cells, centroids, tumbling windows, rounded averages (src/engine/window.ts).
- ``providers``: MBTA V3, OpenSky and GTFS-RT responses to events (src/sources/*.ts).
- ``recordings``: files recognised by content, LAMP Parquet included (read-recording.ts).
- ``batch_engine``: the micro-batch semantics of SPEC 3 and the SPEC 4 object.
- ``mongo_sink``: the MongoDB documents and writes of SPEC 7 (src/store/mongo-*.ts).
- ``settings``: the environment variables of SPEC 6.
"""
