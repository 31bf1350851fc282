#!/bin/sh
# Print ops/varnish/newsroom.vcl with its @...@ lines filled from the environment:
#   VARNISH_BACKEND_HOST   the Django server (default 127.0.0.1)
#   VARNISH_BACKEND_PORT   its port (default 8000)
#   VARNISH_PROBE_HOST     the Host the /healthz probe sends: one of ALLOWED_HOSTS (default localhost)
#   VARNISH_PURGERS        who may PURGE besides this machine: comma-separated addresses or
#                          networks, "!" in front to exclude one ("172.28.0.0/16,!172.28.0.1")
# Usage: render-vcl.sh [template] > newsroom.vcl
set -eu
template=${1:-$(dirname "$0")/newsroom.vcl}
host=${VARNISH_BACKEND_HOST:-127.0.0.1}
port=${VARNISH_BACKEND_PORT:-8000}
probe_host=${VARNISH_PROBE_HOST:-localhost}
for value in "$host" "$probe_host"; do
  case $value in
    ""|*[!A-Za-z0-9.:_-]*) echo "render-vcl.sh: not a host name: $value" >&2; exit 1 ;;
  esac
done
case $port in
  ""|*[!0-9]*) echo "render-vcl.sh: not a port: $port" >&2; exit 1 ;;
esac

purgers=""
old_ifs=$IFS
IFS=','
for entry in ${VARNISH_PURGERS:-}; do
  entry=$(printf '%s' "$entry" | tr -d ' ')
  [ -n "$entry" ] || continue
  negate=""
  case $entry in "!"*) negate="! "; entry=${entry#!} ;; esac
  case $entry in
    *[!0-9a-fA-F.:/]*) echo "render-vcl.sh: not an address or network: $entry" >&2; exit 1 ;;
  esac
  case $entry in
    */*) line="    $negate\"${entry%/*}\"/${entry#*/};" ;;
    *) line="    $negate\"$entry\";" ;;
  esac
  purgers="$purgers$line\\
"
done
IFS=$old_ifs

sed \
  -e "s|^\( *\.host = \)\"[^\"]*\";  # @VARNISH_BACKEND_HOST@|\1\"$host\";|" \
  -e "s|^\( *\.port = \)\"[^\"]*\";  # @VARNISH_BACKEND_PORT@|\1\"$port\";|" \
  -e "s|^\( *\)\"Host: [^\"]*\"  # @VARNISH_PROBE_HOST@|\1\"Host: $probe_host\"|" \
  -e "s|^ *# @VARNISH_PURGERS@|$purgers    # (VARNISH_PURGERS)|" \
  "$template"
