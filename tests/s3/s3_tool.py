#!/usr/bin/python3
"""An S3 client that is not ours (Debian's python3-boto3), for the S3 tests: it makes
buckets and looks at, damages and removes objects behind the archive's back.

Endpoint and credentials come from S3_ENDPOINT, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (deploy/ceph-dev.sh prints them). Output is JSON on stdout.

  s3_tool.py mkbucket BUCKET
  s3_tool.py list BUCKET PREFIX          [{"key":…, "size":…}, …]
  s3_tool.py sha256 BUCKET KEY           {"sha256": hex of the object's bytes, "size": n}
  s3_tool.py sha256-all BUCKET PREFIX    {KEY: {"sha256": …, "size": n}, …} of every object
  s3_tool.py delete BUCKET KEY
  s3_tool.py flip BUCKET KEY OFFSET      rewrite the object with one byte changed
  s3_tool.py uploads BUCKET PREFIX       multipart uploads in progress: [{"key":…}]
"""
import hashlib
import json
import os
import sys

import boto3
from botocore.config import Config


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def sha256(s3, bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    h, n = hashlib.sha256(), 0
    for chunk in iter(lambda: body.read(1 << 20), b""):
        h.update(chunk)
        n += len(chunk)
    return {"sha256": h.hexdigest(), "size": n}


def main(argv):
    s3 = client()
    cmd = argv[1]
    if cmd == "mkbucket":
        s3.create_bucket(Bucket=argv[2])
        out = {"bucket": argv[2]}
    elif cmd == "list":
        out = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=argv[2], Prefix=argv[3]):
            out += [{"key": o["Key"], "size": o["Size"]} for o in page.get("Contents", [])]
    elif cmd == "sha256":
        out = sha256(s3, argv[2], argv[3])
    elif cmd == "sha256-all":
        out = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=argv[2], Prefix=argv[3]):
            for o in page.get("Contents", []):
                out[o["Key"]] = sha256(s3, argv[2], o["Key"])
    elif cmd == "delete":
        s3.delete_object(Bucket=argv[2], Key=argv[3])
        out = {"deleted": argv[3]}
    elif cmd == "flip":
        data = bytearray(s3.get_object(Bucket=argv[2], Key=argv[3])["Body"].read())
        data[int(argv[4])] ^= 0x01
        s3.put_object(Bucket=argv[2], Key=argv[3], Body=bytes(data))
        out = {"flipped": argv[3]}
    elif cmd == "uploads":
        r = s3.list_multipart_uploads(Bucket=argv[2], Prefix=argv[3])
        out = [{"key": u["Key"]} for u in r.get("Uploads", [])]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
