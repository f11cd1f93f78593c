#!/usr/bin/python3
"""The measurements of bench/s3_bench.sh (which starts the Ceph RGW and calls this).

Put and get MB/s of archived with local files, archived with blobs in the RGW, and boto3
writing the same objects, round by round in the same run; then the 1 GiB flat-memory
test. Writes bench/s3_results.json and the s3-bench section of bench/RESULTS.md.
"""
import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sections import put_section  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def log(msg):
    print(f"[s3-bench] {msg}", file=sys.stderr, flush=True)


class Archived:
    """One archived process on loopback with its own data and client config dirs."""

    def __init__(self, args, name, extra):
        self.dir = os.path.join(args.tmp, name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.ctl_env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.dir, "cfg"),
                            ARCHIVE_SERVER=self.addr)
        self.bin = args.bin
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(args.bin, "archived"), f"--data_dir={self.dir}/data",
             f"--origin={name}.bench.example", f"--listen={self.addr}",
             "--inline_blob_max_bytes=0"] + extra,
            stdout=self.log, stderr=self.log)
        for _ in range(200):
            if self.ctl(["checkpoint"], check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"archived {name} did not start: see {self.dir}/log")

    def ctl(self, args, check=True):
        r = subprocess.run([os.path.join(self.bin, "archivectl")] + args, env=self.ctl_env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"archivectl {' '.join(args)}: {r.stderr}")
        return r

    def hwm_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def corpus(root):
    files = []
    for sub in ("raw", "clean"):
        d = os.path.join(root, "samples", sub)
        files += [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".txt")]
    return files


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def timed(fn):
    t = time.monotonic()
    fn()
    return time.monotonic() - t


def archived_round(args, name, extra, files, total, large, large_size, manifest_dir):
    a = Archived(args, name, extra)
    out = {}
    try:
        s = timed(lambda: a.ctl(["import", os.path.join(manifest_dir, "manifest.tsv"),
                                 "--dir", manifest_dir]))
        out["corpus_put_mbs"] = total / s / 1e6
        out["corpus_puts_per_s"] = len(files) / s
        backup = os.path.join(a.dir, "backup")
        s = timed(lambda: a.ctl(["backup", backup]))
        out["corpus_get_mbs"] = total / s / 1e6
        shutil.rmtree(backup)
        idle = a.hwm_kb()
        s = timed(lambda: a.ctl(["put", large, "--id", "large", "--media-type",
                                 "application/octet-stream"]))
        out["large_put_mbs"] = large_size / s / 1e6
        got = os.path.join(a.dir, "large.out")
        s = timed(lambda: a.ctl(["get", "large", "-o", got]))
        out["large_get_mbs"] = large_size / s / 1e6
        os.remove(got)
        out["rss_idle_kb"] = idle
        out["rss_peak_kb"] = a.hwm_kb()
    finally:
        a.stop()
    return out


def boto3_round(args, s3, bucket, files, total, large, large_size, concurrency):
    out = {}
    keys = []
    t = time.monotonic()
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()
        key = f"boto3/sha256/{digest[:2]}/{digest}"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        keys.append(key)
    out["corpus_put_mbs"] = total / (time.monotonic() - t) / 1e6
    t = time.monotonic()
    for key in keys:
        s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    out["corpus_get_mbs"] = total / (time.monotonic() - t) / 1e6
    digest = sha256_file(large)
    key = f"boto3/sha256/{digest[:2]}/{digest}"
    for threads in concurrency:
        cfg = TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20,
                             max_concurrency=threads, use_threads=threads > 1)
        s = timed(lambda: s3.upload_file(large, bucket, key, Config=cfg))
        out[f"large_put_mbs_{threads}t"] = large_size / s / 1e6
        got = os.path.join(args.tmp, "boto3.out")
        s = timed(lambda: s3.download_file(bucket, key, got, Config=cfg))
        out[f"large_get_mbs_{threads}t"] = large_size / s / 1e6
        os.remove(got)
    return out


def summary(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1]}


def fmt(s, digits=1):
    return f"**{s['median']:,.{digits}f}** ({s['min']:,.{digits}f}–{s['max']:,.{digits}f})"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    for flag in ("root", "bin", "tmp", "env", "command"):
        p.add_argument(f"--{flag}", required=True)
    p.add_argument("--large-mb", type=int, default=1024)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    env = dict(line.strip().split("=", 1) for line in open(args.env) if "=" in line)
    os.environ.update(env)
    s3 = boto3.client("s3", endpoint_url=env["S3_ENDPOINT"], region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    files = corpus(args.root)
    total = sum(os.path.getsize(f) for f in files)
    large = os.path.join(args.tmp, "large.bin")
    large_size = args.large_mb << 20
    with open(large, "wb") as f:
        for _ in range(args.large_mb):
            f.write(os.urandom(1 << 20))
    manifest_dir = os.path.join(args.root, "samples")
    t0 = time.time()
    results = {"ours-files": [], "ours-s3": [], "boto3": []}
    for r in range(args.rounds):
        bucket = f"bench-{r}-{int(time.time())}"
        s3.create_bucket(Bucket=bucket)
        log(f"round {r + 1}/{args.rounds}: archived, local files")
        results["ours-files"].append(archived_round(
            args, f"files{r}", [], files, total, large, large_size, manifest_dir))
        log(f"round {r + 1}/{args.rounds}: archived, blobs in the RGW")
        results["ours-s3"].append(archived_round(
            args, f"s3{r}", [f"--blob_store=s3://{bucket}/ours",
                             f"--s3_endpoint={env['S3_ENDPOINT']}"],
            files, total, large, large_size, manifest_dir))
        log(f"round {r + 1}/{args.rounds}: boto3")
        results["boto3"].append(boto3_round(args, s3, bucket, files, total, large,
                                            large_size, (1, 10)))
        # Give the space back (the single OSD is a sparse file on this disk).
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    os.remove(large)
    log("flat memory at 1 GiB: s3_integration_tests S3Archive.LargeDocument*")
    t = time.monotonic()
    flat = subprocess.run(
        [os.path.join(args.bin, "s3_integration_tests"),
         "--gtest_filter=S3Archive.LargeDocumentStreamsInFlatServerMemory"],
        env=dict(os.environ, ARCHIVE_S3_ENV=args.env, ARCHIVE_S3_LARGE_BYTES=str(1 << 30),
                 TMPDIR=args.tmp),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    flat_line = next((l for l in flat.stdout.splitlines() if l.startswith("large document")),
                     "no figures printed")
    flat_ok = flat.returncode == 0
    flat_secs = time.monotonic() - t

    figures = {}
    for who, rounds in results.items():
        figures[who] = {k: summary([r[k] for r in rounds]) for k in rounds[0]}
    commit = subprocess.run(["git", "-C", args.root, "rev-parse", "--short", "HEAD"],
                            stdout=subprocess.PIPE, text=True).stdout.strip()
    ceph = subprocess.run(["ceph", "--version"], stdout=subprocess.PIPE, text=True).stdout.split()
    meta = {
        "command": args.command, "commit": commit,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rounds": args.rounds, "large_bytes": large_size, "corpus_bytes": total,
        "corpus_files": len(files), "nproc": os.cpu_count(), "kernel": platform.release(),
        "load": open("/proc/loadavg").read().split()[:3],
        "ceph": " ".join(ceph[2:3]) if len(ceph) > 2 else "?",
        "boto3": boto3.__version__, "seconds": round(time.time() - t0),
        "flat_memory_test": {"passed": flat_ok, "line": flat_line,
                             "seconds": round(flat_secs)},
    }
    with open(os.path.join(args.root, "bench", "s3_results.json"), "w") as f:
        json.dump({"meta": meta, "figures": figures, "rounds": results}, f, indent=1)
        f.write("\n")

    f_, s_, b_ = figures["ours-files"], figures["ours-s3"], figures["boto3"]
    ratio = lambda a, b: f"{a['median'] / b['median']:.2f}×"
    lines = [
        "## S3 blob store (issue 18): `bench/s3_bench.sh`",
        "",
        f"Generated by `{meta['command']}` (commit {commit}, {meta['date']}); re-run it to "
        "refresh this section (bench/report.py keeps it when it rewrites the rest). Machine: "
        f"{meta['nproc']} cores, kernel {meta['kernel']}, load {' '.join(meta['load'])} at "
        f"the start; a single-node Ceph {meta['ceph']} RGW (deploy/ceph-dev.sh: one OSD on "
        f"a sparse bluestore file) on the same cores; boto3 {meta['boto3']}. Median (min–max) "
        f"over {args.rounds} round(s), each backend measured back to back in every round.",
        "",
        "Every content goes to the backend (`--inline_blob_max_bytes=0`). Corpus: the "
        f"{len(files)} corpus files, {total / 1e6:.2f} MB: put = one `archivectl import` "
        "(36 signed, checkpointed revisions), get = one `archivectl backup` (every content "
        "read and re-hashed); boto3 = `put_object`/`get_object` of each. Large: one "
        f"{args.large_mb} MiB document through `archivectl put`/`get -o` (the client hashes and "
        "verifies it too), boto3's `upload_file`/`download_file` with 8 MiB parts, one "
        "thread (one part in flight, as archived has) and ten (boto3's default). archived's get "
        "adds a hop (RGW to archived to archivectl, re-hashed on both): the local backend's get is "
        "its ceiling on this machine.",
        "",
        "| MB/s | archived, local files | archived, S3 (RGW) | boto3 → RGW, 1 thread | boto3 → RGW, 10 threads | archived S3 / boto3 1 thread |",
        "|---|---|---|---|---|---|",
        f"| corpus put | {fmt(f_['corpus_put_mbs'], 2)} | {fmt(s_['corpus_put_mbs'], 2)} | "
        f"{fmt(b_['corpus_put_mbs'], 2)} | | {ratio(s_['corpus_put_mbs'], b_['corpus_put_mbs'])} |",
        f"| corpus get | {fmt(f_['corpus_get_mbs'], 2)} | {fmt(s_['corpus_get_mbs'], 2)} | "
        f"{fmt(b_['corpus_get_mbs'], 2)} | | {ratio(s_['corpus_get_mbs'], b_['corpus_get_mbs'])} |",
        f"| large put | {fmt(f_['large_put_mbs'])} | {fmt(s_['large_put_mbs'])} | "
        f"{fmt(b_['large_put_mbs_1t'])} | {fmt(b_['large_put_mbs_10t'])} | "
        f"{ratio(s_['large_put_mbs'], b_['large_put_mbs_1t'])} |",
        f"| large get | {fmt(f_['large_get_mbs'])} | {fmt(s_['large_get_mbs'])} | "
        f"{fmt(b_['large_get_mbs_1t'])} | {fmt(b_['large_get_mbs_10t'])} | "
        f"{ratio(s_['large_get_mbs'], b_['large_get_mbs_1t'])} |",
        "",
        f"Server peak RSS (VmHWM) after the large put and get: local files "
        f"{f_['rss_peak_kb']['median'] / 1024:.0f} MB, S3 {s_['rss_peak_kb']['median'] / 1024:.0f} MB "
        f"(idle {s_['rss_idle_kb']['median'] / 1024:.0f} MB).",
        "",
        f"Flat memory at 1 GiB (`ARCHIVE_S3_LARGE_BYTES=1073741824 s3_integration_tests "
        f"--gtest_filter=S3Archive.LargeDocumentStreamsInFlatServerMemory`, "
        f"{meta['flat_memory_test']['seconds']} s): **{'passed' if flat_ok else 'FAILED'}** — "
        f"{flat_line}.",
    ]
    put_section(os.path.join(args.root, "bench", "RESULTS.md"), "s3-bench",
                "\n".join(lines))
    print("\n".join(lines))
    return 0 if flat_ok else 1


if __name__ == "__main__":
    sys.exit(main())
