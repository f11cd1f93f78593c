#!/usr/bin/env python3
"""Checks deploy/alerts.yml against a live archived: every rule is complete
(alert, expr, a severity, a summary) and every archive_*, grpc_server_* and
process_* metric its expression names is one archived exports.

Usage: check_alerts.py ALERTS_YML METRICS_URL
Exits 1 naming each problem.
"""
import re
import sys
import urllib.request

import yaml
from prometheus_client.parser import text_string_to_metric_families

NAME = re.compile(r"\b((?:archive|grpc_server|process)_[a-z_]+)\b")


def exported(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        text = response.read().decode("utf-8")
    names = set()
    for family in text_string_to_metric_families(text):
        names.update(sample.name for sample in family.samples)
    return names


def main():
    rules_file, url = sys.argv[1], sys.argv[2]
    names = exported(url)
    problems = []
    rules = [r for g in yaml.safe_load(open(rules_file))["groups"] for r in g["rules"]]
    if not rules:
        problems.append("no rules")
    for rule in rules:
        alert = rule.get("alert", "?")
        for field in ("alert", "expr"):
            if not rule.get(field):
                problems.append(f"{alert}: no {field}")
        if not rule.get("labels", {}).get("severity"):
            problems.append(f"{alert}: no severity label")
        if not rule.get("annotations", {}).get("summary"):
            problems.append(f"{alert}: no summary")
        for name in NAME.findall(str(rule.get("expr", ""))):
            if name not in names:
                problems.append(f"{alert}: archived exports no metric {name}")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(rules)} rules checked")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
