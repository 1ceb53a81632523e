# shellcheck shell=bash
# Builds a Go command from the Go module proxy once, into a project-local
# cache, and reuses it afterwards (sourced, not executed).
# Expects lib/common.sh (REPO_ROOT, INFRA_DIR, LOG_DIR and its helpers).
#
#   go_tool_path  <name> <version>                 where the binary is (or will be)
#   go_tool_build <name> <package> <version>       builds it unless it is there
#
# <package> is the command's import path (github.com/x/y/cmd/z), <version> the
# module version (v1.2.3). The build runs in a scratch module under
# .infra/go/<name>-<version>, with the module and build caches under
# .infra/go as well, so nothing outside the checkout is written and a second
# build of another tool reuses the shared downloads. One build per tool at a
# time (flock); a slow build prints a progress line every 30 s; the binary
# appears atomically (built to a temporary name, then renamed).

GO_TOOLS_DIR=${EMPORIUM_GO_TOOLS_DIR:-$INFRA_DIR/go}

go_tool_path() { echo "$GO_TOOLS_DIR/bin/$1-$2"; }

go_tool_build() {
  local name=$1 package=$2 version=$3
  local binary work logfile lock_fd started pid rc=0
  binary=$(go_tool_path "$name" "$version")
  [[ -x $binary ]] && return 0
  command -v go >/dev/null || die "$name: the go toolchain is needed to build it from the Go module proxy"
  work="$GO_TOOLS_DIR/$name-$version"
  logfile="$LOG_DIR/go-build-$name.log"
  mkdir -p "$work" "$GO_TOOLS_DIR/bin" "$LOG_DIR"
  exec {lock_fd}>"$work/.lock"
  flock -w 3600 "$lock_fd" || die "$name: timed out waiting for another build of it"
  if [[ -x $binary ]]; then
    exec {lock_fd}>&-
    return 0
  fi
  log "$name $version: building from the Go module proxy (once; several minutes on 2 cores; log: $logfile)"
  started=$SECONDS
  (
    cd "$work"
    export GOMODCACHE="$GO_TOOLS_DIR/mod" GOCACHE="$GO_TOOLS_DIR/cache" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
    [[ -f go.mod ]] || go mod init "emporium.local/tools/$name"
    go get "$package@$version"
    exec nice -n 10 go build -trimpath -o "$binary.tmp" "$package"
  ) >"$logfile" 2>&1 &
  pid=$!
  while pid_alive "$pid"; do
    sleep 1
    if (((SECONDS - started) % 30 == 0)); then log "$name: still building ($((SECONDS - started)) s)"; fi
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    exec {lock_fd}>&-
    show_log_tail "$logfile"
    die "$name: build failed (exit $rc), see $logfile"
  fi
  mv -f "$binary.tmp" "$binary"
  exec {lock_fd}>&-
  log "$name $version: built in $((SECONDS - started)) s -> $binary"
}
