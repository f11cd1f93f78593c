#!/usr/bin/env bash
# A single-node Ceph cluster with an S3 endpoint (RADOS Gateway) on loopback, for trying
# archived's S3 blob store and for its tests. Everything — configuration, monitor store,
# the OSD's bluestore (a sparse file), logs, sockets — lives under DIR.
#
#   deploy/ceph-dev.sh start DIR      start it (or find it running); prints, to stdout,
#                                     shell-sourceable S3_ENDPOINT=, AWS_ACCESS_KEY_ID=,
#                                     AWS_SECRET_ACCESS_KEY= (also kept in DIR/s3.env), and
#                                     S3_ENDPOINT_TLS= (the same gateway over https) with
#                                     S3_CA_FILE= (the throwaway CA that signed its cert)
#   deploy/ceph-dev.sh stop DIR       stop every daemon start began and remove DIR's state
#   deploy/ceph-dev.sh rgw-stop DIR   stop only the gateway (the S3 endpoint goes away)
#   deploy/ceph-dev.sh rgw-start DIR  start the gateway again on the same port
#
# Needs Debian's ceph-mon, ceph-osd, radosgw and ceph-common (Ceph 16). Not for
# production: no authentication inside the cluster, one replica, one OSD.
#
# The daemons run in the foreground of their own sessions (setsid), so a `timeout`
# around this script, which kills its process group, does not take them along; their
# PIDs are kept in DIR/run/*.pid, which is all `stop` needs.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|rgw-stop|rgw-start DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf=$dir/ceph.conf
run=$dir/run

log() { echo "ceph-dev: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# A TCP port nobody listens on now (the kernel picks it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

alive() { # pidfile
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Starts a daemon in its own session and records its PID.
spawn() { # name command...
  local name=$1
  shift
  setsid "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
  echo $! >"$run/$name.pid"
}

wait_for() { # seconds description command...
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${limit}s waiting for $what (logs in $dir/log)"
    sleep 0.2
  done
}

port_open() { # port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ceph_cli() { ceph -c "$conf" --connect-timeout 10 "$@"; }

write_conf() {
  local fsid mon_port rgw_port tls_port
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  tls_port=$(free_port)
  echo "$rgw_port" >"$dir/rgw.port"
  echo "$tls_port" >"$dir/rgw.tls-port"
  # Each setting below is one that a single-node cluster on loopback needs (see
  # ARCHITECTURE.md, "a single-node Ceph RGW for tests").
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
ms mon client mode = crc
run dir = $run
admin socket = $run/\$name.asok
pid file = $run/\$name.daemon.pid
log file = $dir/log/\$name.log
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
keyring = /dev/null
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
paxos propose interval = 0.1
mon tick interval = 1
osd objectstore = bluestore
bluestore block create = true
# Sparse: only what is written takes disk space. Below the OSD's full ratio
# (95%) writes are refused as full rather than crashing bluestore.
bluestore block size = 34359738368
bluestore fsck on mount = false
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
osd op num shards = 2
osd op num threads per shard = 1
osd max object name len = 460
osd max object namespace len = 64

[client.rgw.dev]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port ssl_endpoint=127.0.0.1:$tls_port ssl_certificate=$dir/tls/rgw.crt ssl_private_key=$dir/tls/rgw.key
rgw data = $dir/rgw
rgw thread pool size = 64
# Deleted and overwritten objects give their space back within seconds, not
# the default two hours.
rgw gc obj min wait = 0
rgw gc processor period = 10
# radosgw asks for cephx and secure monitor sessions unless told here.
auth client required = none
ms mon client mode = crc
EOF
}

# A throwaway CA and a certificate for 127.0.0.1 and localhost, for the https endpoint.
make_tls() {
  local t=$dir/tls
  mkdir -p "$t"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=ceph-dev throwaway CA" -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$t/rgw.key" -out "$t/rgw.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$t/san.ext"
  openssl x509 -req -in "$t/rgw.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
    -days 30 -extfile "$t/san.ext" -out "$t/rgw.crt" 2>/dev/null
}

start_rgw() {
  mkdir -p "$dir/rgw"
  spawn rgw radosgw -f -c "$conf" -n client.rgw.dev
  local port
  port=$(cat "$dir/rgw.port")
  wait_for 60 "the RADOS Gateway on 127.0.0.1:$port" port_open "$port"
}

print_env() {
  cat "$dir/s3.env"
}

start() {
  if alive "$run/mon.pid" && alive "$run/osd.pid" && [ -f "$dir/s3.env" ]; then
    alive "$run/rgw.pid" || start_rgw
    log "already running in $dir"
    print_env
    return
  fi
  for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph openssl; do
    command -v "$b" >/dev/null || die "$b is missing: apt-get install ceph-mon ceph-osd radosgw ceph-common"
  done
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty (stop DIR first, or pick an empty directory)"
  mkdir -p "$run" "$dir/log" "$dir/mon/ceph-a" "$dir/osd/ceph-0"
  write_conf
  make_tls
  local t0=$SECONDS
  # Monitor: a monmap with one monitor, then its store.
  local fsid mon_addr
  fsid=$(sed -n 's/^fsid = //p' "$conf")
  mon_addr=$(sed -n 's/^mon host = //p' "$conf")
  monmaptool --create --fsid "$fsid" --addv a "[$mon_addr]" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >>"$dir/log/mon.out" 2>&1 ||
    die "ceph-mon --mkfs failed: $(tail -3 "$dir/log/mon.out")"
  spawn mon ceph-mon -f -c "$conf" -i a
  wait_for 30 "the monitor" ceph_cli -s
  # One OSD on a sparse bluestore file.
  local uuid id
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph_cli osd new "$uuid")
  [ "$id" = 0 ] || die "expected OSD id 0, got '$id'"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" >>"$dir/log/osd.out" 2>&1 ||
    die "ceph-osd --mkfs failed: $(tail -3 "$dir/log/osd.out")"
  spawn osd ceph-osd -f -c "$conf" -i 0
  wait_for 60 "the OSD to come up" sh -c "ceph -c '$conf' osd dump 2>/dev/null | grep -q '^osd.0 up'"
  # The gateway creates its pools on first start.
  start_rgw
  # The S3 user, with a random key pair.
  local key secret
  key=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
  secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  radosgw-admin -c "$conf" -n client.rgw.dev user create --uid=archive-dev \
    --display-name="Policy Archive dev" --access-key="$key" --secret="$secret" \
    >>"$dir/log/admin.out" 2>&1 || die "radosgw-admin user create failed: $(tail -3 "$dir/log/admin.out")"
  cat >"$dir/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$(cat "$dir/rgw.port")
AWS_ACCESS_KEY_ID=$key
AWS_SECRET_ACCESS_KEY=$secret
S3_ENDPOINT_TLS=https://127.0.0.1:$(cat "$dir/rgw.tls-port")
S3_CA_FILE=$dir/tls/ca.pem
EOF
  log "single-node Ceph with an S3 gateway up in $((SECONDS - t0))s, state in $dir"
  print_env
}

stop_daemon() { # name
  local pidfile=$run/$1.pid
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  # Only a daemon of ours: after a reboot the PID may belong to anything.
  if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $conf"; then
    rm -f "$pidfile"
    return 0
  fi
  # SIGKILL: the state is scratch, and a SIGTERM shutdown takes seconds.
  if kill -KILL "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$pidfile"
}

case $cmd in
  start) start ;;
  stop)
    [ -f "$conf" ] || [ -d "$run" ] || { log "nothing started in $dir"; exit 0; }
    for d in rgw osd mon; do stop_daemon "$d"; done
    # Only what start made: DIR itself may be the caller's.
    rm -rf "$run" "$dir/log" "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/tls" "$conf" \
      "$dir/monmap" "$dir/rgw.port" "$dir/rgw.tls-port" "$dir/s3.env"
    log "stopped; state removed from $dir"
    ;;
  rgw-stop)
    stop_daemon rgw
    log "gateway stopped"
    ;;
  rgw-start)
    [ -f "$conf" ] || die "no cluster in $dir (start it first)"
    alive "$run/rgw.pid" || start_rgw
    log "gateway running on $(sed -n 's/^S3_ENDPOINT=//p' "$dir/s3.env")"
    ;;
  *) usage ;;
esac
