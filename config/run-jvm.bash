# Sourced by ./splitstream. splitstream_run_java COMMAND... runs the JVM as this shell's child, its
# stderr through splitstream_filter_stderr (config/stderr-filter.bash) and its stdout straight to
# ours, and returns its exit status. Signals that would end the launcher are passed on: TERM and
# HUP (a supervisor's `kill PID`, a closed terminal) and INT (Ctrl-C) reach the JVM as TERM, which
# runs its shutdown hooks (drain, report) as Ctrl-C does; before this the launcher died alone and
# left the JVM running, a server holding its port with nobody to stop it. (A JVM started in the
# background of a script ignores INT from birth, so INT is forwarded as TERM.) SIGKILL cannot be
# passed on: kill -9 the JVM itself (`pgrep -P <launcher pid> java`) to kill a worker abruptly.
splitstream_run_java() {
  local fifo_dir rc java_pid filter_pid
  fifo_dir=$(mktemp -d "${TMPDIR:-/tmp}/splitstream-stderr.XXXXXX") || return 1
  mkfifo "$fifo_dir/err" || { rm -rf "$fifo_dir"; return 1; }
  splitstream_filter_stderr < "$fifo_dir/err" >&2 &
  filter_pid=$!
  "$@" 0<&0 2> "$fifo_dir/err" &
  java_pid=$!
  trap 'kill -TERM "$java_pid" 2>/dev/null' INT TERM HUP
  # (every status is caught with `|| rc=$?`: the launcher runs under set -e)
  while :; do
    rc=0
    wait "$java_pid" || rc=$?
    # a trapped signal ends the wait early (status > 128) while the JVM drains: wait again
    kill -0 "$java_pid" 2>/dev/null || break
  done
  if [ "$rc" -gt 128 ]; then
    # the JVM may have ended between the interrupted wait and the check: its own status, if unreaped
    local again=0
    wait "$java_pid" 2>/dev/null || again=$?
    [ "$again" -ne 127 ] && rc=$again
  fi
  trap - INT TERM HUP
  wait "$filter_pid" 2>/dev/null || true # the filter ends when the JVM's stderr closes: its last lines are out
  rm -rf "$fifo_dir"
  return "$rc"
}
