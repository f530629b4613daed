"""A strict OTLP/HTTP protobuf receiver for the opentelemetry output's tests (a test
receiver, built on opentelemetry-proto; not a collector).

    otlp_receiver.py --port PORT --record FILE [--max-bytes N] [--script STATUS,...]
                     [--retry-after VALUE] [--partial N:MESSAGE]

Listens on 127.0.0.1:PORT (0: any free port) and prints "READY <port>" once it does. It
answers as the OTLP specification ("OTLP/HTTP") requires of a server:

- POST only (405 otherwise), on /v1/logs, /v1/metrics and /v1/traces only (404 otherwise);
- Content-Type application/x-protobuf only (415 otherwise); Content-Encoding gzip or none
  (415 for another; 400 when the gzip does not decompress);
- 413 when the body, as sent or decompressed, is over --max-bytes (default 20MiB);
- the body must parse as the path's Export*ServiceRequest (ParseFromString: wire format,
  UTF-8 strings) and its ids must have their sizes (trace_id 16 bytes, span_id 8; spans
  must have both): 400 with a google.rpc.Status body otherwise;
- 200 with an empty Export*ServiceResponse, or, with --partial N:MESSAGE, one whose
  partial_success rejects min(N, items) items with MESSAGE.

--script 503,400 answers the first requests (after the checks above pass) with those statuses
in turn, 429 and 503 with "Retry-After: <--retry-after>" (default 1), every error with a
google.rpc.Status body; later requests are answered normally.

Every request is appended to FILE as one JSON line, in the order answered:
{"path", "status", "at" (unix seconds), "headers" {lower-case name: value}, "size" (bytes as
sent), "body" (hex of the decompressed protobuf, when it parsed), "request" (the message as
OTLP/JSON: MessageToDict with enums as integers and trace/span ids in hex)}.
"""
import argparse
import base64
import gzip
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

SIGNALS = {
    "/v1/logs": (logs_service_pb2.ExportLogsServiceRequest, logs_service_pb2.ExportLogsServiceResponse,
                 "rejected_log_records"),
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse,
                    "rejected_data_points"),
    "/v1/traces": (trace_service_pb2.ExportTraceServiceRequest, trace_service_pb2.ExportTraceServiceResponse,
                   "rejected_spans"),
}
HEX_IDS = {"traceId", "spanId", "parentSpanId"}
# google.rpc.Code for each HTTP status the receiver answers with.
CODES = {400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 429: 8, 500: 13, 502: 14, 503: 14, 504: 4}


class BadRequest(Exception):
    pass


def items(path, message):
    if path == "/v1/logs":
        return [r for rl in message.resource_logs for sl in rl.scope_logs for r in sl.log_records]
    if path == "/v1/traces":
        return [s for rs in message.resource_spans for ss in rs.scope_spans for s in ss.spans]
    points = []
    for rm in message.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                points.extend(getattr(m, kind).data_points if kind else [])
    return points


def check_ids(path, message):
    for item in items(path, message):
        if path == "/v1/traces" and (len(item.trace_id) != 16 or len(item.span_id) != 8):
            raise BadRequest("a span needs a 16-byte trace_id and an 8-byte span_id")
        if path == "/v1/traces" and item.parent_span_id and len(item.parent_span_id) != 8:
            raise BadRequest("parent_span_id must be 8 bytes")
        if path == "/v1/logs" and (len(item.trace_id) not in (0, 16) or len(item.span_id) not in (0, 8)):
            raise BadRequest("trace_id must be empty or 16 bytes, span_id empty or 8")


def hex_ids(value):
    if isinstance(value, dict):
        return {k: (base64.b64decode(v).hex() if k in HEX_IDS and isinstance(v, str) else hex_ids(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [hex_ids(v) for v in value]
    return value


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.refuse_method()

    def do_PUT(self):
        self.refuse_method()

    def refuse_method(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status = 405 if self.path in SIGNALS else 404
        self.answer(status, self.status_body(status, "POST only"), record={"size": length})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        entry = {"size": len(raw)}
        config = self.server.config
        if self.path not in SIGNALS:
            return self.answer(404, self.status_body(404, "no such path"), entry)
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/x-protobuf":
            return self.answer(415, self.status_body(415, "Content-Type must be application/x-protobuf"), entry)
        encoding = (self.headers.get("Content-Encoding") or "identity").lower()
        if len(raw) > config.max_bytes:
            return self.answer(413, self.status_body(413, "body over %d bytes" % config.max_bytes), entry)
        if encoding == "gzip":
            try:
                body = gzip.decompress(raw)
            except Exception as error:
                return self.answer(400, self.status_body(400, "bad gzip: %s" % error), entry)
        elif encoding == "identity":
            body = raw
        else:
            return self.answer(415, self.status_body(415, "unsupported Content-Encoding " + encoding), entry)
        if len(body) > config.max_bytes:
            return self.answer(413, self.status_body(413, "decompressed body over %d bytes" % config.max_bytes), entry)
        request_type, response_type, rejected_field = SIGNALS[self.path]
        message = request_type()
        try:
            message.ParseFromString(body)
            check_ids(self.path, message)
        except Exception as error:
            return self.answer(400, self.status_body(400, "cannot parse %s: %s" % (request_type.__name__, error)), entry)
        entry["body"] = body.hex()
        entry["request"] = hex_ids(json_format.MessageToDict(message, use_integers_for_enums=True))
        scripted = self.server.next_scripted()
        if scripted is not None:
            return self.answer(scripted, self.status_body(scripted, "scripted %d" % scripted), entry)
        response = response_type()
        if config.partial:
            count, text = config.partial.split(":", 1)
            setattr(response.partial_success, rejected_field, min(int(count), len(items(self.path, message))))
            response.partial_success.error_message = text
        self.answer(200, response.SerializeToString(), entry)

    def status_body(self, status, message):
        return status_pb2.Status(code=CODES.get(status, 2), message=message).SerializeToString()

    def answer(self, status, body, record):
        record.update({"path": self.path, "status": status, "at": time.time(),
                       "headers": {k.lower(): v for k, v in self.headers.items()}})
        self.server.record(record)
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(body)))
        if status in (429, 503):
            self.send_header("Retry-After", self.server.config.retry_after)
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config):
        super().__init__(("127.0.0.1", config.port), Receiver)
        self.config = config
        self.lock = threading.Lock()
        self.script = [int(s) for s in config.script.split(",") if s] if config.script else []

    def next_scripted(self):
        with self.lock:
            return self.script.pop(0) if self.script else None

    def record(self, entry):
        with self.lock, open(self.config.record, "a") as out:
            out.write(json.dumps(entry) + "\n")


def main():
    # The test process may ignore or block SIGTERM (its own shutdown handling), which a child
    # inherits across exec: take the default back, so stopping by PID works.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--max-bytes", type=int, default=20 * 1024 * 1024)
    parser.add_argument("--script", default="")
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--partial", default="")
    server = Server(parser.parse_args())
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
