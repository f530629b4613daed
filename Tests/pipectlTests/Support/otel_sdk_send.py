#!/usr/bin/env python3
"""Sends telemetry to an OTLP/HTTP endpoint with the real OpenTelemetry Python SDK and
writes what it sent as JSON, for pipectl's end-to-end tests.

    otel_sdk_send.py traces  ENDPOINT OUT   spans of a small shop (server + client spans)
    otel_sdk_send.py metrics ENDPOINT OUT   cumulative counter, up-down counter, histogram, gauge
    otel_sdk_send.py delta   ENDPOINT OUT   a delta counter and histogram, exported three times
    otel_sdk_send.py logs    ENDPOINT OUT   log records through the logging bridge

ENDPOINT is the base URL (http://127.0.0.1:4318); the exporters append /v1/<signal>.
Exits 1 when an export failed (the exporter answers FAILURE).
"""
import json
import logging
import sys

from opentelemetry.sdk.resources import Resource

RESOURCE = Resource.create({
    "service.name": "checkout",
    "service.namespace": "shop",
    "service.instance.id": "pod-1",
    "deployment.environment": "test",
})


def traces(endpoint):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, Status, StatusCode

    recorded = InMemorySpanExporter()
    results = []

    class Checked(OTLPSpanExporter):
        def export(self, spans):
            result = super().export(spans)
            results.append(result == SpanExportResult.SUCCESS)
            return result

    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(recorded))
    provider.add_span_processor(SimpleSpanProcessor(Checked(endpoint=endpoint + "/v1/traces")))
    tracer = provider.get_tracer("shop.checkout", "1.2.0")
    for i in range(12):
        with tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER,
                                          attributes={"http.request.method": "GET", "cart.items": i}) as server:
            with tracer.start_as_current_span("SELECT cart", kind=SpanKind.CLIENT,
                                              attributes={"db.system": "postgresql"}):
                pass
            if i % 4 == 3:
                server.set_status(Status(StatusCode.ERROR, "cart not found"))
                server.add_event("exception", {"exception.type": "KeyError"})
    provider.shutdown()
    spans = []
    for s in recorded.get_finished_spans():
        spans.append({
            "trace_id": format(s.context.trace_id, "032x"),
            "span_id": format(s.context.span_id, "016x"),
            "parent_span_id": format(s.parent.span_id, "016x") if s.parent else "",
            "name": s.name,
            "kind": s.kind.value + 1,  # SpanKind.INTERNAL is 0 in the API, 1 in OTLP
            "start": s.start_time,
            "end": s.end_time,
            "status": s.status.status_code.value,
            "attributes": {k: v for k, v in s.attributes.items()},
            "events": [e.name for e in s.events],
        })
    return spans, all(results) and len(results) > 0


def meter_provider(endpoint, temporality):
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, UpDownCounter
    from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader

    t = AggregationTemporality.DELTA if temporality == "delta" else AggregationTemporality.CUMULATIVE
    exporter = OTLPMetricExporter(endpoint=endpoint + "/v1/metrics",
                                  preferred_temporality={Counter: t, Histogram: t, UpDownCounter: AggregationTemporality.CUMULATIVE})
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    return MeterProvider(resource=RESOURCE, metric_readers=[reader])


def metrics(endpoint):
    from opentelemetry.metrics import Observation
    provider = meter_provider(endpoint, "cumulative")
    meter = provider.get_meter("shop.checkout", "1.2.0")
    requests = meter.create_counter("http.server.requests", unit="{request}")
    duration = meter.create_histogram("http.server.request.duration", unit="s",
                                      explicit_bucket_boundaries_advisory=[0.01, 0.1, 1.0])
    queue = meter.create_up_down_counter("queue.length", unit="{job}")
    meter.create_observable_gauge("memory.usage", callbacks=[lambda options: [Observation(2048, {"pool": "heap"})]], unit="By")
    for v in [0.005, 0.05, 0.5, 5.0]:
        requests.add(1, {"http.route": "/cart"})
        duration.record(v, {"http.route": "/cart"})
    queue.add(5)
    queue.add(-2)
    ok = provider.force_flush()
    provider.shutdown()
    return {"requests": 4, "duration_count": 4, "duration_sum": 5.555, "queue": 3, "memory": 2048}, ok


def delta(endpoint):
    provider = meter_provider(endpoint, "delta")
    meter = provider.get_meter("shop.worker")
    jobs = meter.create_counter("jobs.processed", unit="{job}")
    latency = meter.create_histogram("job.duration", unit="ms", explicit_bucket_boundaries_advisory=[10.0, 100.0])
    ok = True
    total = 0
    for adds in [3, 4, 5]:
        for _ in range(adds):
            jobs.add(1, {"queue": "default"})
            latency.record(50, {"queue": "default"})
        total += adds
        ok = provider.force_flush() and ok
    provider.shutdown()
    return {"jobs": total}, ok


def logs(endpoint):
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=endpoint + "/v1/logs")))
    log = logging.getLogger("shop.checkout")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=provider))
    sent = []
    for i in range(5):
        message = f"order {i} placed"
        log.warning(message, extra={"order.id": i}) if i == 4 else log.info(message, extra={"order.id": i})
        sent.append({"message": message, "order.id": i, "severity": "WARN" if i == 4 else "INFO"})
    ok = provider.force_flush()
    provider.shutdown()
    return sent, ok


def main():
    mode, endpoint, out = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
    sent, ok = {"traces": traces, "metrics": metrics, "delta": delta, "logs": logs}[mode](endpoint)
    with open(out, "w") as f:
        json.dump(sent, f)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
