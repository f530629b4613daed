#!/usr/bin/env python3
"""OTLP/gRPC calls for the opentelemetry input's tests, made with the real grpcio client.

    otlp_grpc_client.py sdk  PORT SPANS [CA]  the OpenTelemetry SDK's gRPC span exporter (gzip)
                                              exports SPANS spans, over TLS trusting CA when given;
                                              prints {"result": "SUCCESS"|"FAILURE"}
    otlp_grpc_client.py raw  PORT METHOD HEX  calls METHOD with the bytes HEX as the message;
                                              prints {"code": "<grpc status name>", "details", "response"(hex)}
"""
import json
import sys

import grpc


def sdk(port, spans, ca=None):
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExportResult
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    recorded = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "grpc-client"}))
    provider.add_span_processor(SimpleSpanProcessor(recorded))
    tracer = provider.get_tracer("test")
    for i in range(spans):
        with tracer.start_as_current_span(f"op {i}"):
            pass
    if ca:
        with open(ca, "rb") as f:
            credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
        exporter = OTLPSpanExporter(endpoint=f"localhost:{port}", insecure=False, credentials=credentials,
                                    compression=grpc.Compression.Gzip, timeout=10)
    else:
        exporter = OTLPSpanExporter(endpoint=f"127.0.0.1:{port}", insecure=True, compression=grpc.Compression.Gzip, timeout=10)
    result = exporter.export(recorded.get_finished_spans())
    exporter.shutdown()
    return {"result": "SUCCESS" if result == SpanExportResult.SUCCESS else "FAILURE"}


def raw(port, method, message):
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            response = call(message, timeout=10)
            return {"code": "OK", "details": "", "response": response.hex()}
        except grpc.RpcError as error:
            return {"code": error.code().name, "details": error.details() or "", "response": ""}


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "sdk":
        out = sdk(port, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        out = raw(port, sys.argv[3], bytes.fromhex(sys.argv[4]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
