#!/bin/sh
# The three-process cluster with environment variables only, no config file: the same settings as
# collector-a.yaml, collector-b.yaml and processor.yaml (TICKGATE__<section>__<key>, values in JSON
# when they parse as JSON). One process per call, from any directory:
#   examples/cluster/env-only.sh collector-a    # or collector-b, processor
# Other commands take the same settings after the role, e.g. `env-only.sh processor status` (the
# cluster as NATS sees it) or `env-only.sh collector-b config print` (every value and its source).
# A variable already set in the environment wins, e.g. TICKGATE__server__port=0 or
# TICKGATE__cluster__namespace=desk2. Paths are relative to the repository root.
set -eu
cd "$(dirname "$0")/../.."
role="${1:?usage: examples/cluster/env-only.sh collector-a|collector-b|processor [command ...]}"
shift
[ $# -gt 0 ] || set -- run

# default NAME VALUE: export NAME=VALUE unless NAME is set already.
default() { printenv "$1" >/dev/null || export "$1=$2"; }

# Shared by the three roles.
default TICKGATE__log__level info
default TICKGATE__venues__binance__enabled true
default TICKGATE__venues__binance__symbols '["BTCUSDT","ETHUSDT","SOLUSDT"]'
default TICKGATE__venues__binance__streams '["trade","bookTicker","depth"]'
default TICKGATE__cluster__nats nats://127.0.0.1:4222
default TICKGATE__cluster__namespace example
default TICKGATE__cluster__shards 16
default TICKGATE__cluster__leaseTtlMs 6000
default TICKGATE__cluster__leaseRenewIntervalMs 1500

case "$role" in
  collector-a|collector-b)
    default TICKGATE__venues__binance__wsBaseUrl ws://127.0.0.1:9443/binance
    default TICKGATE__venues__binance__restBaseUrl http://127.0.0.1:9443/binance
    default TICKGATE__cluster__role collector
    default TICKGATE__cluster__instance "$role"
    default TICKGATE__sinks '[]'  # a collector stores nothing
    default TICKGATE__storage__spoolDir "./data/cluster/$role/spool"
    default TICKGATE__cluster__spoolDir ./data/cluster/bus-spool
    if [ "$role" = collector-a ]; then default TICKGATE__server__port 8182; else default TICKGATE__server__port 8183; fi
    ;;
  processor)
    default TICKGATE__cluster__role processor
    default TICKGATE__cluster__instance processor-1
    default TICKGATE__sinks '["sqlite:./data/cluster/processor.db"]'
    default TICKGATE__storage__spoolDir ./data/cluster/processor/spool
    default TICKGATE__server__port 8181
    ;;
  *) echo "unknown role $role: expected collector-a, collector-b or processor" >&2; exit 2 ;;
esac

# exec: the process is tickgate itself (a kill -9 of this pid kills the collector, not a wrapper).
exec node bin/tickgate.js "$@"
