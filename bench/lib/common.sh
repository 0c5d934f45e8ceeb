# Shared by bench/run.sh and bench/memory.sh: packages, the gateway build, ports, processes,
# CPU and memory readings. Sourced, not run; the caller has `set -euo pipefail`.

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_root=$(cd "$bench_dir/.." && pwd)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- packages -------------------------------------------------------------------------------

apt_updated=0
apt_install() {
    [ "$(id -u)" = 0 ] || die "missing $*: run as root, or: sudo apt-get install $*"
    command -v apt-get >/dev/null || die "missing $* and no apt-get: install them by hand"
    if [ "$apt_updated" = 0 ]; then
        log "apt-get update"
        apt-get update -qq
        apt_updated=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Installs, with apt-get, each tool that is missing. Arguments: "command:package" pairs; a
# package written "a|b" tries a, then b (nginx-light is gone from newer Debian releases).
ensure_tools() {
    local pair tool packages package
    for pair in "$@"; do
        tool=${pair%%:*}
        packages=${pair#*:}
        command -v "$tool" >/dev/null && continue
        local installed=0
        IFS='|' read -r -a alternatives <<<"$packages"
        for package in "${alternatives[@]}"; do
            if apt_install "$package"; then installed=1; break; fi
        done
        [ "$installed" = 1 ] && command -v "$tool" >/dev/null || die "could not install $tool ($packages)"
    done
}

# The optional profiler: installed when possible, never required.
ensure_perf() {
    command -v perf >/dev/null && return 0
    apt_install linux-perf 2>/dev/null || log "linux-perf not installed (optional: only for profiling by hand)"
}

# --- the gateway ----------------------------------------------------------------------------

# Sets $gateway to the release binary. GATEWAY_BIN overrides; otherwise the release build is
# brought up to date (incremental: seconds when nothing changed) unless $skip_build is 1.
release_flags="--static-swift-stdlib -Xswiftc -cross-module-optimization -Xswiftc -enforce-exclusivity=unchecked"
build_gateway() {
    if [ -n "${GATEWAY_BIN:-}" ]; then
        gateway=$GATEWAY_BIN
    else
        gateway=$repo_root/.build-release/release/gateway
        if [ "${skip_build:-0}" != 1 ] || [ ! -x "$gateway" ]; then
            command -v swift >/dev/null || die "swift is not installed (Swift 6.3: https://swift.org/install)"
            # As README.md builds it for production (see "Release build flags" there).
            log "swift build -c release --scratch-path .build-release --product gateway $release_flags"
            # shellcheck disable=SC2086 # the flags are words
            (cd "$repo_root" && swift build -c release --scratch-path .build-release --product gateway $release_flags >&2) \
                || die "the release build failed"
        fi
    fi
    [ -x "$gateway" ] || die "no gateway binary at $gateway"
}

# --- ports and processes --------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_ports_free() {
    local port
    for port in "$@"; do
        ! port_in_use "$port" || die "port $port is in use (another benchmark still running?)"
    done
}

wait_for_port() {
    local port=$1 pid=$2 name=$3
    for _ in $(seq 200); do
        port_in_use "$port" && return 0
        kill -0 "$pid" 2>/dev/null || die "$name exited at start (log: $tmp/$name.log)"
        sleep 0.05
    done
    die "$name did not listen on $port within 10 s (log: $tmp/$name.log)"
}

# Every process we start goes in here; cleanup stops them, children first, by pid.
started_pids=()

# Starts "$@" in the background pinned to CPU list $1, logs to $tmp/$2.log, appends the pid to
# started_pids and sets $last_pid.
start_pinned() {
    local cpus=$1 name=$2
    shift 2
    taskset -c "$cpus" "$@" >"$tmp/$name.log" 2>&1 &
    last_pid=$!
    started_pids+=("$last_pid")
}

descendants() {
    local child
    for child in $(pgrep -P "$1" 2>/dev/null || true); do
        descendants "$child"
        echo "$child"
    done
}

stop_started() {
    local pid pids=()
    for pid in "${started_pids[@]}"; do
        pids+=($(descendants "$pid") "$pid")
    done
    [ ${#pids[@]} -eq 0 ] && return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    started_pids=()
}

# --- readings -------------------------------------------------------------------------------

clock_ticks=$(getconf CLK_TCK)

# "utime stime" in clock ticks of a process and its descendants, all threads (fields 14 and 15
# of /proc/PID/stat count every thread of the process, including threads that have exited).
cpu_ticks() {
    local pid user=0 system=0 fields
    for pid in "$1" $(descendants "$1"); do
        [ -r "/proc/$pid/stat" ] || continue
        # The command name (field 2) may hold spaces: read what follows its closing parenthesis.
        fields=$(sed 's/^.*) //' "/proc/$pid/stat")
        read -r -a f <<<"$fields"
        user=$((user + f[11]))
        system=$((system + f[12]))
    done
    echo "$user $system"
}

# "busy steal total" ticks of one CPU from /proc/stat: busy = user nice system irq softirq (the
# time anything ran there), steal = time the hypervisor gave the virtual CPU to someone else.
cpu_core_ticks() {
    awk -v cpu="cpu$1" '$1 == cpu {print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat
}

# Makes the run's temporary folder, `$tmp` (/tmp/gateway-NAME.XXXXXX, readable by nginx's
# workers, which run as www-data; private keys inside stay 600), and on exit, Ctrl-C included,
# stops every process the script started and removes the folder (kept with BENCH_KEEP_TMP=1).
#   make_run_folder NAME
make_run_folder() {
    tmp=$(mktemp -d "/tmp/gateway-$1.XXXXXX")
    chmod 755 "$tmp"
    trap remove_run_folder EXIT
    trap 'exit 130' INT TERM
}

remove_run_folder() {
    stop_started
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}

# The gateway on one `public = true` route `/public` to the upstream on 127.0.0.1, one event
# loop: the set-up ab.sh and instructions.sh measure.
#   public_route_conf PORT UPSTREAM_PORT AUDIT_SINK HASH_CHAIN
public_route_conf() {
    cat <<EOF
[server]
listen = "127.0.0.1:$1"
threads = 1
max_connections = 20000
idle_timeout = "300s"

[audit]
sink = "$3"
hash_chain = $4

[[upstreams]]
name = "bench"
targets = ["127.0.0.1:$2"]

[[routes]]
name = "public"
path_prefix = "/public"
upstream = "bench"
public = true
EOF
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

cpu_model() { awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Fills a template: every @NAME@ placeholder is replaced by the value of the shell variable tpl_NAME.
render() {
    local template=$1 output=$2 script="" name
    for name in $(compgen -v tpl_); do
        script+="s|@${name#tpl_}@|${!name}|g;"
    done
    sed "$script" "$template" >"$output"
    ! grep -q '@[A-Z_]*@' "$output" || die "unfilled placeholder in $output: $(grep -o '@[A-Z_]*@' "$output" | head -1)"
}
