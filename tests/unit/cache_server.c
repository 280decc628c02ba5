/* memcached or redis-server for the store contract tests: started on
 * 127.0.0.1 on a free port, tied to the test process's life, killed like a
 * crash, restarted on the same port. And a fake server that sends scripted
 * replies (test_store_replies). */
#include "tests/unit/store_contract.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("free port");
        exit(1);
    }
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static int can_connect(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* Fork and exec the server on s->port; 1 when it accepts connections, 0 when
 * it exited at start (the port was taken meanwhile). */
static int try_start(const sc_backend_t *B, sc_server_t *s)
{
    pid_t parent = getpid();
    int i;

    s->pid = fork();
    if (s->pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        /* Never outlive the test program, whatever happens to it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execv(B->binary, s->refusing ? B->argv_refusing(s->port) : B->argv(s->port));
        _exit(127);
    }
    for (i = 0; i < 500; i++) {
        int status;
        if (can_connect(s->port))
            return 1;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return 0;
        }
        usleep(10000);
    }
    fprintf(stderr, "%s: %s does not accept connections on port %d\n", B->name, B->binary,
            s->port);
    exit(1);
}

void sc_server_start(const sc_backend_t *B, sc_server_t *s)
{
    int attempt, chosen = s->port == 0;

    if (access(B->binary, X_OK) != 0) {
        fprintf(stderr, "%s: %s is missing: these tests need it (scripts/install-deps.sh "
                "installs it)\n", B->name, B->binary);
        exit(1);
    }
    /* A free port may be taken by another test program before the server
     * binds it: then try another one. */
    for (attempt = 0; attempt < 5; attempt++) {
        if (chosen)
            s->port = free_port();
        if (try_start(B, s))
            return;
        if (!chosen)
            usleep(100000);
    }
    fprintf(stderr, "%s: %s exits at start on port %d\n", B->name, B->binary, s->port);
    exit(1);
}

/* SIGKILL: the server dies as in a crash, without a goodbye to its clients. */
void sc_server_stop(sc_server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

/* ---- the fake server ---------------------------------------------------------- */

static void fake_serve(int lfd, const char *const *replies)
{
    for (;;) {
        int fd = accept(lfd, NULL, NULL), i;
        char buf[65536];
        if (fd < 0)
            _exit(1);
        for (i = 0; replies[i]; i++) {
            size_t left = strlen(replies[i]);
            const char *at = replies[i];
            if (recv(fd, buf, sizeof(buf), 0) <= 0)
                break;
            while (left > 0) {
                ssize_t n = send(fd, at, left, MSG_NOSIGNAL);
                if (n <= 0)
                    break;
                at += n;
                left -= (size_t)n;
            }
        }
        close(fd);
    }
}

void sc_fake_start(sc_fake_t *f, const char *const *replies)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    pid_t parent = getpid();
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Bound and listening before the fork: no race for the port. */
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        perror("fake cache server");
        exit(1);
    }
    f->port = ntohs(sa.sin_port);
    f->pid = fork();
    if (f->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        fake_serve(fd, replies);
        _exit(0);
    }
    close(fd);
}

void sc_fake_stop(sc_fake_t *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
    }
    f->pid = 0;
}
