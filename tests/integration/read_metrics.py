#!/usr/bin/env python3
"""Fetches a Prometheus /metrics page and parses it with the official Python
client's parser (Debian's python3-prometheus-client), not ours.

Usage: read_metrics.py URL [CAFILE]
Prints one JSON object: {"NAME{label="value",...}": value, ...}, labels sorted,
one entry per sample. Exits 1, saying why, if the page cannot be fetched or
does not parse.
"""
import json
import ssl
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    url = sys.argv[1]
    context = ssl.create_default_context(cafile=sys.argv[2]) if len(sys.argv) > 2 else None
    with urllib.request.urlopen(url, timeout=30, context=context) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    if not content_type.startswith("text/plain"):
        sys.exit(f"unexpected Content-Type {content_type!r}")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    json.dump(samples, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the test prints this
        sys.exit(f"read_metrics.py: {type(e).__name__}: {e}")
