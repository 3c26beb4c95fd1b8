#!/usr/bin/env bash
# Runs a command while CPU hogs keep every core busy, as on a student's shared VM.
#
#   scripts/busy.sh HOGS COMMAND [ARGS...]
#
# Starts `stress-ng --cpu HOGS` (HOGS busy loops, at normal priority, competing with the
# command for the cores), runs the command, then stops the hogs: on success, on failure,
# and on Ctrl-C or SIGTERM. Exits with the command's status. The claims of the demos and
# of the exercise judges must hold like this; .ci/run runs them so.
set -euo pipefail

if [[ $# -lt 2 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/busy.sh HOGS COMMAND [ARGS...]   (HOGS: how many CPU hogs, e.g. 4)" >&2
  exit 2
fi
hogs=$1
shift
if ! command -v stress-ng >/dev/null 2>&1; then
  echo "busy.sh: stress-ng is missing: run scripts/install-deps.sh" >&2
  exit 2
fi

# The hogs get a process group of their own, so that stopping them stops every worker.
setsid stress-ng --cpu "$hogs" --cpu-method int64 --quiet >/dev/null 2>&1 &
hog_leader=$!
stop_hogs() {
  kill -TERM -- "-$hog_leader" 2>/dev/null || true
  # stress-ng's workers exit within a moment of SIGTERM; make sure none is left.
  for _ in $(seq 50); do
    kill -0 -- "-$hog_leader" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$hog_leader" 2>/dev/null || true
  wait "$hog_leader" 2>/dev/null || true
}
trap stop_hogs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Let the hogs reach both cores before the command starts.
sleep 1
echo "busy.sh: $hogs CPU hogs running (stress-ng, pid $hog_leader); running: $*" >&2
status=0
"$@" || status=$?
exit "$status"
