"""Test helper for the cloudwatch_logs output: talks to a moto server with boto3.

    setup ENDPOINT                       -> {"access_key_id": ..., "secret_access_key": ...}
        creates an IAM user allowed everything and an access key for it (the server's
        first actions run unauthenticated: INITIAL_NO_AUTH_ACTION_COUNT=3)
    read ENDPOINT KEY SECRET GROUP STREAM -> [{"timestamp": ms, "message": "..."}, ...]
        every event of the stream, oldest first (get_log_events, paged)
    streams ENDPOINT KEY SECRET GROUP     -> ["stream", ...]
    requests RECORDING                   -> [{"target": "PutLogEvents", "group": ..., "stream": ...,
                                              "events": n, "bytes": n, "chronological": bool,
                                              "span_ms": n}, ...]
        the requests the server recorded (MOTO_ENABLE_RECORDING, MOTO_RECORDER_FILEPATH), in
        order; "bytes" as CloudWatch counts them: UTF-8 message bytes plus 26 per event

Prints one JSON document on stdout; errors go to stderr with exit status 1.
"""
import base64
import json
import sys

import boto3
from botocore.config import Config

REGION = "us-east-1"


def client(service, endpoint, key="testing", secret="testing"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def setup(endpoint):
    iam = client("iam", endpoint)
    iam.create_user(UserName="pipectl")
    iam.put_user_policy(UserName="pipectl", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName="pipectl")["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


def read(endpoint, key, secret, group, stream):
    logs = client("logs", endpoint, key, secret)
    events, token = [], None
    while True:
        args = {"logGroupName": group, "logStreamName": stream, "startFromHead": True, "limit": 10000}
        if token:
            args["nextToken"] = token
        page = logs.get_log_events(**args)
        events += [{"timestamp": e["timestamp"], "message": e["message"]} for e in page["events"]]
        if not page["events"] or page["nextForwardToken"] == token:
            return events
        token = page["nextForwardToken"]


def streams(endpoint, key, secret, group):
    logs = client("logs", endpoint, key, secret)
    return [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]


def requests(recording):
    result = []
    with open(recording) as lines:
        for line in lines:
            entry = json.loads(line)
            target = entry["headers"].get("X-Amz-Target", "")
            if not target.startswith("Logs_20140328."):
                continue
            body = entry["body"] or ""
            body = json.loads(base64.b64decode(body) if entry["body_encoded"] else body or "{}")
            events = body.get("logEvents", [])
            stamps = [e["timestamp"] for e in events]
            result.append({
                "target": target.split(".", 1)[1],
                "group": body.get("logGroupName"),
                "stream": body.get("logStreamName"),
                "events": len(events),
                "bytes": sum(len(e["message"].encode("utf-8")) + 26 for e in events),
                "chronological": stamps == sorted(stamps),
                "span_ms": max(stamps) - min(stamps) if stamps else 0,
            })
    return result


def main(argv):
    command, args = argv[1], argv[2:]
    result = {"setup": setup, "read": read, "streams": streams, "requests": requests}[command](*args)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as error:  # noqa: BLE001 - the test reads the message
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
