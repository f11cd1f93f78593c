#!/usr/bin/env bash
# Checks deploy/make-certs.sh: the files it makes (modes, names, extensions), that they
# verify against their CA and not another office's, that re-running adds without
# overwriting, that bad input is refused, and real TLS handshakes with openssl s_server and
# s_client (mutual TLS accepted with this CA's client certificate; refused with another
# CA's, with none, and with a server-only certificate). Exits non-zero on any failure.
#
# Note: s_server's -Verify only asks for a client certificate; without -verify_return_error
# it logs a verification error and serves the client anyway.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd -P)
make_certs=$root/deploy/make-certs.sh
command -v openssl >/dev/null || {
  echo "make_certs_check: openssl is not installed" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/make-certs-check.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf -- "$work"
}
trap cleanup EXIT

failures=0
checks=0
pass() {
  checks=$((checks + 1))
}
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  printf 'FAIL: %s\n' "$*" >&2
}
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
  local what=$1
  shift
  if "$@" >"$work/last.out" 2>&1; then pass; else
    fail "$what"
    sed 's/^/    /' "$work/last.out" >&2
  fi
}
# refuse DESCRIPTION COMMAND...: the command must fail.
refuse() {
  local what=$1
  shift
  if "$@" >"$work/last.out" 2>&1; then
    fail "$what (it succeeded)"
    sed 's/^/    /' "$work/last.out" >&2
  else pass; fi
}
# contains DESCRIPTION FILE TEXT: FILE has TEXT (fixed string).
contains() {
  if grep -qF -- "$3" "$2"; then pass; else
    fail "$1: no '$3' in:"
    sed 's/^/    /' "$2" >&2
  fi
}
lacks() {
  if grep -qF -- "$3" "$2"; then
    fail "$1: unexpected '$3' in:"
    sed 's/^/    /' "$2" >&2
  else pass; fi
}
text() {
  openssl x509 -in "$1" -noout -text -nameopt utf8,sep_comma_plus_space,lname >"$work/text.out"
  echo "$work/text.out"
}

a=$work/bj   # office "bj"
b=$work/sh   # another office with its own CA

# ------------------------------------------------------------ making the files
check "make-certs for bj" "$make_certs" --out "$a" --san DNS:bj.archive.example \
  --san IP:10.9.8.7 --peer bj archivist-alice reader-bob admin svc_backup
cp "$work/last.out" "$work/make-a.out"
contains "printed server flags" "$work/make-a.out" \
  "archived --tls_cert=$a/server.pem --tls_key=$a/server.key --tls_client_ca=$a/ca.pem"
contains "printed client flags" "$work/make-a.out" \
  "archivectl --tls_ca $a/ca.pem --tls_cert $a/client-archivist-alice.pem --tls_key $a/client-archivist-alice.key"
check "make-certs for sh" "$make_certs" --out "$b" sh archivist-alice
check "--help" "$make_certs" --help
contains "--help shows usage" "$work/last.out" "OFFICE_NAME [CLIENT_NAME...]"

for base in ca server peer client-archivist-alice client-reader-bob client-admin client-svc_backup; do
  if [ -f "$a/$base.pem" ] && [ -f "$a/$base.key" ]; then pass; else fail "$base.pem/.key missing"; continue; fi
  mode=$(stat -c %a "$a/$base.key")
  if [ "$mode" = 600 ]; then pass; else fail "$base.key has mode $mode, not 600"; fi
  check "$base.key is an EC P-256 key" grep -q 'prime256v1\|P-256' <(openssl pkey -in "$a/$base.key" -noout -text)
done

# ------------------------------------------------------------ contents
t=$(text "$a/ca.pem")
contains "CA subject" "$t" "Subject: commonName=bj Archive CA"
contains "CA self-signed" "$t" "Issuer: commonName=bj Archive CA"
contains "CA basicConstraints" "$t" "CA:TRUE"
contains "CA keyUsage" "$t" "Certificate Sign, CRL Sign"
contains "CA key type" "$t" "prime256v1"

t=$(text "$a/server.pem")
contains "server subject" "$t" "Subject: commonName=bj"
contains "server issuer" "$t" "Issuer: commonName=bj Archive CA"
contains "server not a CA" "$t" "CA:FALSE"
for san in "DNS:localhost" "DNS:bj," "IP Address:127.0.0.1" "IP Address:0:0:0:0:0:0:0:1" \
  "DNS:bj.archive.example" "IP Address:10.9.8.7"; do
  contains "server SAN" "$t" "$san"
done
contains "server EKU" "$t" "TLS Web Server Authentication"
lacks "server EKU" "$t" "TLS Web Client Authentication"

t=$(text "$a/peer.pem")
contains "peer subject" "$t" "Subject: commonName=bj"
contains "peer EKU" "$t" "TLS Web Server Authentication, TLS Web Client Authentication"
contains "peer SAN" "$t" "DNS:localhost"

t=$(text "$a/client-archivist-alice.pem")
contains "client subject" "$t" "Subject: commonName=archivist-alice"
contains "client SAN" "$t" "DNS:archivist-alice"
contains "client EKU" "$t" "TLS Web Client Authentication"
lacks "client EKU" "$t" "TLS Web Server Authentication"

t=$(text "$a/client-svc_backup.pem")
contains "non-DNS client subject" "$t" "Subject: commonName=svc_backup"
lacks "non-DNS client has no SAN" "$t" "Subject Alternative Name"

# ------------------------------------------------------------ verification
check "all verify against ca.pem" openssl verify -CAfile "$a/ca.pem" \
  "$a/server.pem" "$a/peer.pem" "$a"/client-*.pem
check "server is a TLS server" openssl verify -CAfile "$a/ca.pem" -purpose sslserver "$a/server.pem" "$a/peer.pem"
check "clients are TLS clients" openssl verify -CAfile "$a/ca.pem" -purpose sslclient "$a"/client-*.pem "$a/peer.pem"
refuse "server.pem is not a TLS client" openssl verify -CAfile "$a/ca.pem" -purpose sslclient "$a/server.pem"
refuse "a client is not a TLS server" openssl verify -CAfile "$a/ca.pem" -purpose sslserver "$a/client-admin.pem"
check "server name localhost" openssl verify -CAfile "$a/ca.pem" -verify_hostname localhost "$a/server.pem"
check "server name bj.archive.example" openssl verify -CAfile "$a/ca.pem" -verify_hostname bj.archive.example "$a/server.pem"
check "server address ::1" openssl verify -CAfile "$a/ca.pem" -verify_ip ::1 "$a/server.pem"
refuse "server name evil.example" openssl verify -CAfile "$a/ca.pem" -verify_hostname evil.example "$a/server.pem"
refuse "other office's client against bj's CA" openssl verify -CAfile "$a/ca.pem" "$b/client-archivist-alice.pem"
refuse "bj's server against the other office's CA" openssl verify -CAfile "$b/ca.pem" "$a/server.pem"

# ------------------------------------------------------------ re-running
sha256sum "$a"/* >"$work/before.sha"
check "re-run adding a client" "$make_certs" --out "$a" --peer bj archivist-alice newbie
check "re-run kept every file" sha256sum --quiet -c "$work/before.sha"
check "re-run made the new client" openssl verify -CAfile "$a/ca.pem" -purpose sslclient "$a/client-newbie.pem"
check "re-run with nothing to do" "$make_certs" --out "$a" bj
check "re-run kept every file again" sha256sum --quiet -c "$work/before.sha"

# ------------------------------------------------------------ bad input
refuse "no office name" "$make_certs" --out "$work/bad"
refuse "office name with a space" "$make_certs" --out "$work/bad" "b j"
refuse "office name with '/'" "$make_certs" --out "$work/bad" "b/j"
refuse "client name with a space" "$make_certs" --out "$work/bad" bj "alice smith"
refuse "client name with a tab" "$make_certs" --out "$work/bad" bj $'alice\tsmith'
refuse "--days 0" "$make_certs" --out "$work/bad" --days 0 bj
refuse "--days x" "$make_certs" --out "$work/bad" --days x bj
refuse "--san without a kind" "$make_certs" --out "$work/bad" --san foo bj
refuse "--san bad IP" "$make_certs" --out "$work/bad" --san IP:1.2.3.999 bj
refuse "unknown option" "$make_certs" --out "$work/bad" --frobnicate bj
contains "error names the problem" "$work/last.out" "unknown option '--frobnicate'"
if [ -e "$work/bad" ]; then fail "refused runs left $work/bad behind"; else pass; fi

# ------------------------------------------------------------ TLS handshakes
# start_server DIR CERT_BASE: openssl s_server on a free loopback port, requiring a client
# certificate signed by DIR/ca.pem. Sets server_pid and port.
start_server() {
  local dir=$1 base=$2 attempt
  stop_server
  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    openssl s_server -cert "$dir/$base.pem" -key "$dir/$base.key" -CAfile "$dir/ca.pem" \
      -Verify 1 -verify_return_error -accept "127.0.0.1:$port" -www \
      >"$work/s_server.log" 2>&1 </dev/null &
    server_pid=$!
    local _
    for _ in $(seq 1 50); do
      grep -q '^ACCEPT' "$work/s_server.log" 2>/dev/null && return 0
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_server # port taken (or too slow): try another
  done
  echo "make_certs_check: could not start openssl s_server (attempt $attempt):" >&2
  cat "$work/s_server.log" >&2
  exit 1
}
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
# request CA_FILE [CLIENT_CERT_BASE] [s_client options...]: an HTTP request over mutual
# TLS; prints s_client's output to $work/s_client.out; succeeds if the server answered.
# A request that got no answer at all (seen once in CI under load: the handshake
# verified, the answer never came) is tried once more; a refused one fails both times.
request() {
  local ca=$1 client=$2 attempt
  shift 2
  local auth=()
  [ -n "$client" ] && auth=(-cert "$client.pem" -key "$client.key")
  for attempt in 1 2; do
    printf 'GET / HTTP/1.0\r\n\r\n' |
      timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$ca" "${auth[@]}" \
        -verify_return_error -ign_eof "$@" >"$work/s_client.out" 2>&1 || true
    # (s_client's last line has no newline, so the answer may follow it on the same line)
    grep -aqF 'HTTP/1.0 200 ok' "$work/s_client.out" && return 0
  done
  return 1
}

start_server "$a" server
check "handshake (client </dev/null) verifies the server" \
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$a/ca.pem" \
  -cert "$a/client-archivist-alice.pem" -key "$a/client-archivist-alice.key" \
  -verify_return_error -verify_hostname localhost </dev/null
contains "s_client verification" "$work/last.out" "Verify return code: 0 (ok)"
check "mutual TLS with bj's client certificate" request "$a/ca.pem" "$a/client-archivist-alice"
check "mutual TLS with bj's non-DNS client certificate" request "$a/ca.pem" "$a/client-svc_backup"
check "mutual TLS with bj's peer certificate as client" request "$a/ca.pem" "$a/peer"
refuse "client certificate of another CA" request "$a/ca.pem" "$b/client-archivist-alice"
contains "refused for its CA" "$work/s_client.out" "unknown ca"
refuse "no client certificate" request "$a/ca.pem" ""
refuse "server-only certificate as a client" request "$a/ca.pem" "$a/server"
refuse "client trusting only the other CA" request "$b/ca.pem" "$a/client-archivist-alice"
check "server still serving after the refusals" request "$a/ca.pem" "$a/client-admin"

start_server "$a" peer
check "peer certificate as server" request "$a/ca.pem" "$a/client-reader-bob" -verify_hostname bj
stop_server

if [ "$failures" -gt 0 ]; then
  printf 'make_certs_check: %d of %d checks failed\n' "$failures" "$checks" >&2
  exit 1
fi
printf 'make_certs_check: all %d checks passed\n' "$checks"
