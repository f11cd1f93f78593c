#!/usr/bin/env bash
# Makes a small certificate authority for one office's archive, and the certificates its
# server, its clients and (optionally) its sync peer present, with the openssl command line.
#
#   deploy/make-certs.sh [--out DIR] [--days N] [--san DNS:NAME|IP:ADDR]... [--peer]
#                        OFFICE_NAME [CLIENT_NAME...]
#
#   --out DIR    where to write (default ./certs/OFFICE_NAME)
#   --days N     validity of the certificates made in this run (default 825); a new CA
#                is valid for N days or 10 years, whichever is longer, so that clients
#                added later still fit in its lifetime
#   --san SPEC   extra subjectAltName for server.pem and peer.pem: DNS:host.example or
#                IP:10.0.0.5 (repeatable); localhost, OFFICE_NAME, 127.0.0.1 and ::1 are
#                always there
#   --peer       also make peer.pem/peer.key (CN=OFFICE_NAME, serverAuth and clientAuth),
#                which this office presents when it pulls from another office
#
# Files (keys 0600; all keys EC P-256):
#   ca.key, ca.pem                       CA "CN=OFFICE_NAME Archive CA"
#   server.key, server.pem               CN=OFFICE_NAME, serverAuth
#   client-NAME.key, client-NAME.pem     CN=NAME (+ SAN DNS:NAME if NAME is a host name),
#                                        clientAuth
#   peer.key, peer.pem                   with --peer
#
# Idempotent: an existing file is never overwritten. An existing CA is reused; re-running
# only makes the certificates that are missing (e.g. for new CLIENT_NAMEs). To re-issue a
# certificate, delete its .pem and .key. ca.key is only needed when something is signed.
# Names: printable, no spaces, no '/', at most 64 characters (OFFICE_NAME: 53).
set -euo pipefail

prog=make-certs
default_days=825

die() {
  printf '%s: error: %s\n' "$prog" "$*" >&2
  exit 1
}
usage_error() {
  printf '%s: %s (try --help)\n' "$prog" "$*" >&2
  exit 2
}
note() {
  printf '%s: %s\n' "$prog" "$*" >&2
}

command -v openssl >/dev/null 2>&1 || die "the openssl command line tool is not installed (Debian: apt-get install openssl)"

# ---------------------------------------------------------------- arguments
out=""
days=$default_days
peer=0
extra_sans=()
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    --out | --days | --san)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      opt=$1 val=$2
      shift 2
      ;;
    --out=* | --days=* | --san=*)
      opt=${1%%=*} val=${1#*=}
      shift
      ;;
    --peer)
      peer=1
      shift
      continue
      ;;
    --)
      shift
      names+=("$@")
      break
      ;;
    -*)
      usage_error "unknown option '$1'"
      ;;
    *)
      names+=("$1")
      shift
      continue
      ;;
  esac
  case "$opt" in
    --out)
      [ -n "$val" ] || usage_error "--out needs a directory"
      out=$val
      ;;
    --days)
      if ! [[ $val =~ ^[0-9]{1,6}$ ]] || [ "$((10#$val))" -lt 1 ] || [ "$((10#$val))" -gt 36500 ]; then
        usage_error "--days must be a whole number of days from 1 to 36500, not '$val'"
      fi
      days=$((10#$val))
      ;;
    --san)
      extra_sans+=("$val")
      ;;
  esac
done

[ ${#names[@]} -ge 1 ] || usage_error "missing OFFICE_NAME"
office=${names[0]}
clients=("${names[@]:1}")

# Number of characters of a UTF-8 string (bytes that are not continuation bytes).
char_count() {
  printf '%s' "$1" | LC_ALL=C tr -d '\200-\277' | LC_ALL=C wc -c | tr -d ' '
}

# A name ends up in a certificate subject, a file name and a command line.
check_name() {
  local what=$1 name=$2 max=$3
  [ -n "$name" ] || die "$what is empty"
  if [[ $name =~ [[:space:][:cntrl:]] ]]; then
    die "$what '$name' contains a space or a control character; use e.g. '${name//[[:space:]]/-}'"
  fi
  case "$name" in
    */*) die "$what '$name' contains '/'" ;;
    -*) die "$what '$name' starts with '-'" ;;
    . | ..) die "$what '$name' is not a name" ;;
  esac
  if ! printf '%s' "$name" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then
    die "$what '$name' is not valid UTF-8"
  fi
  local n
  n=$(char_count "$name")
  [ "$n" -le "$max" ] || die "$what '$name' is $n characters long; at most $max fit in a certificate's common name"
}

# Spelled out rather than as ranges, which some locales stretch beyond ASCII.
alnum=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789

# A name that can stand in a DNS subjectAltName: dot-separated labels of ASCII letters,
# digits and inner hyphens.
is_dns_name() {
  local label="[$alnum]([$alnum-]{0,61}[$alnum])?"
  [ "${#1}" -le 253 ] && [[ $1 =~ ^$label(\.$label)*$ ]]
}

is_ipv4() {
  local octet='(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
  [[ $1 =~ ^$octet\.$octet\.$octet\.$octet$ ]]
}

# Loose check; openssl itself rejects a malformed IPv6 address.
is_ipv6() {
  [[ $1 == *:*:* && $1 =~ ^[0123456789abcdefABCDEF:.]+$ ]]
}

# The CA's common name is "OFFICE_NAME Archive CA" (11 more characters, 64 at most).
check_name OFFICE_NAME "$office" 53
for c in "${clients[@]}"; do
  check_name CLIENT_NAME "$c" 64
done

# Server SANs: "DNS:x" / "IP:x", de-duplicated, in order.
server_sans=(DNS:localhost)
is_dns_name "$office" && server_sans+=("DNS:$office")
server_sans+=(IP:127.0.0.1 IP:::1)
for s in "${extra_sans[@]}"; do
  kind=${s%%:*} value=${s#*:}
  if [ "$kind" = "$s" ] || [ -z "$value" ]; then
    usage_error "--san '$s' must look like DNS:host.example or IP:10.0.0.5"
  fi
  case "$kind" in
    [Dd][Nn][Ss])
      is_dns_name "${value#\*.}" ||
        usage_error "--san '$s': '$value' is not a host name (letters, digits, '-', '.'; '*.' in front for a wildcard)"
      s="DNS:$value"
      ;;
    [Ii][Pp])
      is_ipv4 "$value" || is_ipv6 "$value" ||
        usage_error "--san '$s': '$value' is not an IPv4 or IPv6 address"
      s="IP:$value"
      ;;
    *)
      usage_error "--san '$s': only DNS: and IP: names are supported"
      ;;
  esac
  dup=0
  for t in "${server_sans[@]}"; do
    [ "$t" = "$s" ] && dup=1
  done
  [ "$dup" -eq 1 ] || server_sans+=("$s")
done

[ -n "$out" ] || out="./certs/$office"
mkdir -p -- "$out" || die "cannot create directory '$out'"
[ -w "$out" ] || die "directory '$out' is not writable"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/make-certs.XXXXXX")
# Files are written under NAME.tmp.PID next to their final name, then renamed.
trap 'rm -rf -- "$tmp"; rm -f -- "$out"/*".tmp.$$"' EXIT

made=()
kept=()

# ---------------------------------------------------------------- openssl helpers
# Runs openssl, keeping its chatter unless it fails.
ossl() {
  if ! openssl "$@" >"$tmp/openssl.log" 2>&1; then
    cat "$tmp/openssl.log" >&2
    die "openssl $1 failed (output above)"
  fi
}

# A -subj value for a common name: '\' and '+' are special to openssl.
subject() {
  local cn=$1
  cn=${cn//\\/\\\\}
  cn=${cn//+/\\+}
  printf '/CN=%s' "$cn"
}

# A random positive 128-bit serial number.
serial() {
  local hex
  hex=$(openssl rand -hex 16)
  printf '0x%x%s' "$((16#${hex:0:1} & 7))" "${hex:1}"
}

# Prints the public key of a key or certificate file, to compare the two.
pubkey_of() {
  case "$1" in
    *.key) openssl pkey -in "$1" -pubout 2>/dev/null ;;
    *) openssl x509 -in "$1" -noout -pubkey 2>/dev/null ;;
  esac
}

# Makes BASE.key unless it exists (a .key without its .pem is left by an interrupted run
# and is reused). Written under a temporary name, then renamed.
make_key() {
  local key=$1
  if [ -e "$key" ]; then
    if ! [ -s "$key" ] || ! openssl pkey -in "$key" -noout >/dev/null 2>&1; then
      die "'$key' exists but is not a readable private key; remove it to make a new one"
    fi
    return 0
  fi
  (
    umask 077
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -pkeyopt ec_param_enc:named_curve -out "$key.tmp.$$"
  )
  chmod 600 "$key.tmp.$$"
  mv -f -- "$key.tmp.$$" "$key"
}

# True when BASE.pem and BASE.key both exist (and belong together), false when BASE.pem is
# missing; dies on a certificate whose key is gone or does not match.
have_pair() {
  local base=$1
  [ -e "$base.pem" ] || return 1
  [ -e "$base.key" ] || die "'$base.pem' exists but '$base.key' does not; remove '$base.pem' to make a new pair"
  local pub
  pub=$(pubkey_of "$base.key")
  if [ -z "$pub" ] || [ "$(pubkey_of "$base.pem")" != "$pub" ]; then
    die "'$base.pem' and '$base.key' do not belong together; remove both to make a new pair"
  fi
  if [ "$base" != "$out/ca" ] &&
    ! openssl verify -CAfile "$out/ca.pem" "$base.pem" >/dev/null 2>&1; then
    note "warning: '$base.pem' is not a valid certificate of this CA (expired, or from another CA); remove it and its .key to re-issue"
  fi
  return 0
}

ca_ready=0
# Before signing: the CA key must be here, and the CA must outlive the new certificate.
need_ca_key() {
  [ "$ca_ready" -eq 1 ] && return 0
  [ -e "$out/ca.key" ] || die "'$out/ca.key' is missing, so no new certificate can be signed (ca.pem alone only verifies)"
  openssl x509 -in "$out/ca.pem" -noout -checkend 0 >/dev/null 2>&1 ||
    die "the CA in '$out/ca.pem' has expired; move '$out' away to start a new CA"
  openssl x509 -in "$out/ca.pem" -noout -checkend "$((days * 86400))" >/dev/null 2>&1 ||
    note "warning: the CA expires ($(openssl x509 -in "$out/ca.pem" -noout -enddate | cut -d= -f2)) before certificates made now for $days days; they will stop verifying then"
  ca_ready=1
}

# Writes the req configuration used for CSRs (the subject comes from -subj).
cat >"$tmp/req.cnf" <<'EOF'
[req]
distinguished_name = dn
string_mask = utf8only
prompt = no
[dn]
CN = unused
EOF

# sign BASE CN PROFILE SAN... : makes BASE.pem for BASE.key, signed by the CA.
# PROFILE is server, client or peer.
sign() {
  local base=$1 cn=$2 profile=$3
  shift 3
  local eku
  case "$profile" in
    server) eku=serverAuth ;;
    client) eku=clientAuth ;;
    peer) eku="serverAuth, clientAuth" ;;
  esac
  {
    echo "[ext]"
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature"
    echo "extendedKeyUsage = $eku"
    echo "subjectKeyIdentifier = hash"
    echo "authorityKeyIdentifier = keyid:always"
    if [ $# -gt 0 ]; then
      echo "subjectAltName = @alt"
      echo "[alt]"
      local i=0 s
      for s in "$@"; do
        i=$((i + 1))
        echo "${s%%:*}.$i = ${s#*:}"
      done
    fi
  } >"$tmp/ext.cnf"
  ossl req -new -config "$tmp/req.cnf" -utf8 -subj "$(subject "$cn")" -key "$base.key" \
    -out "$tmp/req.csr"
  ossl x509 -req -in "$tmp/req.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -set_serial "$(serial)" -days "$days" -sha256 \
    -extfile "$tmp/ext.cnf" -extensions ext -out "$base.pem.tmp.$$"
  chmod 644 "$base.pem.tmp.$$"
  mv -f -- "$base.pem.tmp.$$" "$base.pem"
}

# ---------------------------------------------------------------- the CA
ca_cn="$office Archive CA"
ca_days=$days
[ "$ca_days" -ge 3650 ] || ca_days=3650
if [ -e "$out/ca.pem" ]; then
  if [ -e "$out/ca.key" ]; then
    have_pair "$out/ca"
  fi
  ca_subject=$(openssl x509 -in "$out/ca.pem" -noout -subject -nameopt utf8,sep_comma_plus,lname 2>/dev/null) ||
    die "'$out/ca.pem' is not a readable certificate"
  [ "$ca_subject" = "subject=commonName=$ca_cn" ] ||
    note "warning: '$out/ca.pem' is ${ca_subject#subject=}, not the CA of office '$office'; using it anyway"
  kept+=("ca.pem")
else
  # A ca.key without ca.pem (an interrupted run, or a lost ca.pem) is reused: the new
  # ca.pem has the same key and name, so anything the key signed before still verifies.
  make_key "$out/ca.key"
  {
    echo "[ext]"
    echo "basicConstraints = critical, CA:TRUE, pathlen:0"
    echo "keyUsage = critical, keyCertSign, cRLSign"
    echo "subjectKeyIdentifier = hash"
  } >"$tmp/ca-ext.cnf"
  ossl req -new -config "$tmp/req.cnf" -utf8 -subj "$(subject "$ca_cn")" -key "$out/ca.key" \
    -out "$tmp/ca.csr"
  ossl x509 -req -in "$tmp/ca.csr" -signkey "$out/ca.key" -set_serial "$(serial)" \
    -days "$ca_days" -sha256 -extfile "$tmp/ca-ext.cnf" -extensions ext -out "$out/ca.pem.tmp.$$"
  chmod 644 "$out/ca.pem.tmp.$$"
  mv -f -- "$out/ca.pem.tmp.$$" "$out/ca.pem"
  made+=("ca.pem (CA \"$ca_cn\", key ca.key)")
fi

# ---------------------------------------------------------------- leaf certificates
# ensure BASENAME CN PROFILE DESCRIPTION SAN...
ensure() {
  local name=$1 cn=$2 profile=$3 desc=$4
  shift 4
  if have_pair "$out/$name"; then
    kept+=("$name.pem")
    return 0
  fi
  need_ca_key
  make_key "$out/$name.key"
  sign "$out/$name" "$cn" "$profile" "$@"
  made+=("$name.pem ($desc, key $name.key)")
}

server_existed=0
[ -e "$out/server.pem" ] && server_existed=1
ensure server "$office" server "server, CN=$office, SAN ${server_sans[*]}" "${server_sans[@]}"
if [ "$server_existed" -eq 1 ] && [ ${#extra_sans[@]} -gt 0 ]; then
  note "note: server.pem already existed and was kept with its names; remove server.pem and server.key to re-issue it with --san"
fi

if [ "$peer" -eq 1 ]; then
  ensure peer "$office" peer "peer (server and client), CN=$office" "${server_sans[@]}"
fi

for c in "${clients[@]}"; do
  if is_dns_name "$c"; then
    ensure "client-$c" "$c" client "client, CN=$c, SAN DNS:$c" "DNS:$c"
  else
    note "note: '$c' is not a host name, so client-$c.pem has no subjectAltName (identity is its CN)"
    ensure "client-$c" "$c" client "client, CN=$c"
  fi
done

# ---------------------------------------------------------------- report
q() {
  printf '%q' "$1"
}
d=${out%/}
[ -n "$d" ] || d=/

echo "Certificates for office '$office' in $d:"
if [ ${#made[@]} -gt 0 ]; then
  echo "  made:"
  printf '    %s\n' "${made[@]}"
fi
if [ ${#kept[@]} -gt 0 ]; then
  echo "  already there (kept):"
  printf '    %s\n' "${kept[@]}"
fi
echo
echo "Server (mutual TLS: clients must present a certificate signed by ca.pem):"
echo "  archived --tls_cert=$(q "$d/server.pem") --tls_key=$(q "$d/server.key") --tls_client_ca=$(q "$d/ca.pem")"
shopt -s nullglob
client_pems=("$d"/client-*.pem)
shopt -u nullglob
if [ ${#client_pems[@]} -gt 0 ]; then
  echo "Clients:"
  for p in "${client_pems[@]}"; do
    k=${p%.pem}.key
    echo "  archivectl --tls_ca $(q "$d/ca.pem") --tls_cert $(q "$p") --tls_key $(q "$k")"
  done
else
  echo "Clients (none yet; add some with: $0 --out $(q "$d") $(q "$office") NAME...):"
  echo "  archivectl --tls_ca $(q "$d/ca.pem") --tls_cert $(q "$d/client-NAME.pem") --tls_key $(q "$d/client-NAME.key")"
fi
if [ -e "$d/peer.pem" ]; then
  fp=$(openssl x509 -in "$d/ca.pem" -noout -fingerprint -sha256 2>/dev/null | cut -d= -f2)
  # A client_cas name is 1-64 ASCII letters, digits, '.', '-' or '_'.
  ca_name=$office
  [[ $ca_name =~ ^[A-Za-z0-9._-]{1,64}$ ]] || ca_name=peer-office
  # Protobuf text format: '\' and '"' are escaped in a string.
  office_text=${office//\\/\\\\}
  office_text=${office_text//\"/\\\"}
  echo "Peer sync: this office presents $(q "$d/peer.pem") / $(q "$d/peer.key") (CN=$office) when it"
  echo "  pulls from another office. That office appends $(q "$d/ca.pem") to its --tls_client_ca bundle"
  echo "  and, in its archived --config, names this CA and binds '$office' by it (an identity is"
  echo "  the pair (CA, name): without ca: a binding means that office's own CA, so this CA's"
  echo "  CN=admin is never its admin):"
  echo "    client_cas { name: \"$ca_name\" sha256: \"$fp\" }"
  echo "    roles { identity: \"$office_text\" ca: \"$ca_name\" roles: \"peer\" }"
  echo "  (Or that office's own CA issues this office a client certificate, and its bundle stays as is.)"
fi
echo "Keep ca.key private (offline once the certificates are made); the servers and clients only need ca.pem."
