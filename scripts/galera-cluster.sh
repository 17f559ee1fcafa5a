#!/usr/bin/env bash
# A private three-node MariaDB Galera cluster on loopback, for tests, CI and trying Gatehouse on a
# cluster. It never touches the machine's own MariaDB: its own data directories, ports and sockets.
#
#   scripts/galera-cluster.sh start    # initialise (first time), bootstrap node 1, join nodes 2 and 3
#   scripts/galera-cluster.sh status   # size, ready and state of each node
#   scripts/galera-cluster.sh stop     # stop the three nodes (data kept; `destroy` removes it)
#   scripts/galera-cluster.sh start-node N | stop-node N | kill-node N   # one node (fault tests)
#   scripts/galera-cluster.sh destroy  # stop and remove the data directories
#
# Settings (environment):
#   GALERA_DIR        where the nodes live (default /tmp/gatehouse-galera)
#   GALERA_PORT_BASE  node N's SQL port is BASE+N-1 (default 23306: 23306, 23307, 23308); Galera
#                     replication BASE+1261+N-1 (24567..), IST +1271 (24577..), SST +1281 (24587..)
# The root user has no password and is reachable on 127.0.0.1 only: a test cluster, not a deployment.
set -euo pipefail

DIR="${GALERA_DIR:-/tmp/gatehouse-galera}"
BASE="${GALERA_PORT_BASE:-23306}"
PROVIDER="${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
NODES=(1 2 3)

sql_port() { echo $((BASE + $1 - 1)); }
repl_port() { echo $((BASE + 1261 + $1 - 1)); }
ist_port() { echo $((BASE + 1271 + $1 - 1)); }
sst_port() { echo $((BASE + 1281 + $1 - 1)); }
node_dir() { echo "$DIR/node$1"; }
cluster_address() {
  local addrs=()
  for n in "${NODES[@]}"; do addrs+=("127.0.0.1:$(repl_port "$n")"); done
  (IFS=,; echo "gcomm://${addrs[*]}")
}

# Run the server as mysql (as root it refuses without --user, and SST must write as the data's owner).
RUN_AS=()
[ "$(id -u)" = 0 ] && RUN_AS=(--user=mysql)

mysql_node() { mariadb --protocol=tcp -h 127.0.0.1 -P "$(sql_port "$1")" -u root --connect-timeout=2 -N -B "${@:2}"; }
status_var() { mysql_node "$1" -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{print $2}'; }

write_config() {
  local n=$1 d
  d="$(node_dir "$n")"
  cat >"$d/my.cnf" <<EOF
[mysqld]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$(sql_port "$n")
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
max_connections=300
# What Galera needs (and Gatehouse expects on a cluster)
default_storage_engine=InnoDB
binlog_format=ROW
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=gatehouse_test
wsrep_cluster_address=$(cluster_address)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(repl_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(repl_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT5S;gcache.size=64M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
wsrep_slave_threads=2
[client]
socket=$d/mysqld.sock
EOF
}

init_node() {
  local n=$1 d
  d="$(node_dir "$n")"
  [ -d "$d/data/mysql" ] && return 0
  mkdir -p "$d/data"
  write_config "$n"
  chown -R mysql:mysql "$d" 2>/dev/null || true
  mariadb-install-db --defaults-file="$d/my.cnf" "${RUN_AS[@]}" --auth-root-authentication-method=normal \
    --skip-test-db --wsrep-on=OFF >"$d/install.log" 2>&1 || { cat "$d/install.log" >&2; exit 1; }
}

is_running() {
  local pid_file
  pid_file="$(node_dir "$1")/mysqld.pid"
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

wait_synced() {
  local n=$1 deadline=$((SECONDS + ${2:-120}))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(status_var "$n" wsrep_ready)" = ON ] && [ "$(status_var "$n" wsrep_local_state)" = 4 ]; then return 0; fi
    if ! is_running "$n" && [ $SECONDS -gt $((deadline - ${2:-120} + 5)) ]; then
      echo "node $n exited; its log:" >&2
      tail -n 40 "$(node_dir "$n")/error.log" >&2
      return 1
    fi
    sleep 0.3
  done
  echo "node $n did not reach Synced; its log:" >&2
  tail -n 40 "$(node_dir "$n")/error.log" >&2
  return 1
}

start_node() {
  local n=$1 d
  d="$(node_dir "$n")"
  init_node "$n"
  write_config "$n"
  chown -R mysql:mysql "$d" 2>/dev/null || true
  is_running "$n" && return 0
  local extra=()
  [ "${2:-}" = bootstrap ] && extra=(--wsrep-new-cluster)
  # setsid: the node outlives the shell that started it, and a test's signals do not reach it.
  setsid mariadbd --defaults-file="$d/my.cnf" "${RUN_AS[@]}" "${extra[@]}" </dev/null >>"$d/stdout.log" 2>&1 &
  wait_synced "$n"
}

any_running() {
  for n in "${NODES[@]}"; do is_running "$n" && return 0; done
  return 1
}

# Which node may bootstrap after a full stop: the one with safe_to_bootstrap (or node 1 the first time).
bootstrap_node() {
  for n in "${NODES[@]}"; do
    local state
    state="$(node_dir "$n")/data/grastate.dat"
    [ -f "$state" ] && grep -q '^safe_to_bootstrap: 1' "$state" && { echo "$n"; return; }
  done
  local state1
  state1="$(node_dir 1)/data/grastate.dat"
  # After a stop of every node, mark node 1 safe (test data only; a real operator picks the most advanced).
  [ -f "$state1" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$state1"
  echo 1
}

stop_node() {
  local n=$1 pid_file pid
  pid_file="$(node_dir "$n")/mysqld.pid"
  is_running "$n" || return 0
  pid="$(cat "$pid_file")"
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_start() {
  local started=$SECONDS first
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  if any_running; then
    for n in "${NODES[@]}"; do start_node "$n"; done
  else
    first="$(bootstrap_node)"
    start_node "$first" bootstrap
    for n in "${NODES[@]}"; do [ "$n" = "$first" ] || start_node "$n"; done
  fi
  # Each node must see the whole cluster before we call it up.
  for n in "${NODES[@]}"; do
    for _ in $(seq 1 100); do [ "$(status_var "$n" wsrep_cluster_size)" = 3 ] && break; sleep 0.2; done
  done
  cmd_status
  echo "cluster up in $((SECONDS - started)) s: mysql://root@127.0.0.1:$(sql_port 1),127.0.0.1:$(sql_port 2),127.0.0.1:$(sql_port 3)/"
}

cmd_stop() {
  # Last node stopped is the one that may bootstrap next time: stop 3, 2, then 1.
  for n in 3 2 1; do stop_node "$n"; done
}

cmd_status() {
  local ok=0
  for n in "${NODES[@]}"; do
    if is_running "$n"; then
      printf 'node%s 127.0.0.1:%s size=%s ready=%s state=%s\n' "$n" "$(sql_port "$n")" \
        "$(status_var "$n" wsrep_cluster_size)" "$(status_var "$n" wsrep_ready)" "$(status_var "$n" wsrep_local_state_comment)"
    else
      printf 'node%s 127.0.0.1:%s down\n' "$n" "$(sql_port "$n")"
      ok=1
    fi
  done
  return $ok
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  destroy) cmd_stop; rm -rf "$DIR" ;;
  start-node) start_node "${2:?node number}" ;;
  stop-node) stop_node "${2:?node number}" ;;
  kill-node) is_running "${2:?node number}" && kill -KILL "$(cat "$(node_dir "$2")/mysqld.pid")"; true ;;
  *) echo "usage: $0 start|stop|status|destroy|start-node N|stop-node N|kill-node N" >&2; exit 2 ;;
esac
