# Shared by test-debian13.sh and test-package.sh (sourced, POSIX sh): taking
# down a throw-away chroot so that nothing of it outlives the test, neither a
# daemon started inside nor a mount, and never following a mount out of it.

# The processes whose root is the chroot $1 (left-over daemons).
chroot_processes() {
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        case "$r" in "$1"|"$1"/*) echo "${p#/proc/}" ;; esac
    done
}

# Stops every process of the chroot $1: TERM, two seconds, then KILL.
chroot_stop_processes() {
    pids=$(chroot_processes "$1")
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    sleep 2
    pids=$(chroot_processes "$1")
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    sleep 1
}

# Removes the chroot $1 ($2 names the caller in the message). The mounts were
# made in namespaces of their own; any that is visible here all the same is
# unmounted, and the tree is removed only once none is left.
chroot_remove() {
    for m in $(awk -v r="$1" 'index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if awk -v r="$1" 'index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
        echo "$2: mounts left under $1, not removing it" >&2
    else
        rm -rf --one-file-system "$1"
    fi
}
