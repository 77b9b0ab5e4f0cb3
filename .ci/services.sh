#!/usr/bin/env bash
# Start the machine services the tests talk to, when they are down. Idempotent.
set -uo pipefail

wait_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

if ! wait_port 127.0.0.1 5432 1; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_port 127.0.0.1 5432 30 || { echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
fi
echo "PostgreSQL up on 127.0.0.1:5432"

if ! wait_port 127.0.0.1 4222 1; then
  echo "starting NATS (JetStream)"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  wait_port 127.0.0.1 4222 30 || { echo "NATS did not come up on 127.0.0.1:4222" >&2; exit 1; }
fi
echo "NATS up on 127.0.0.1:4222"
