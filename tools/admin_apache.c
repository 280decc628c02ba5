/* Apache reads the configuration for `check`: this file runs its configtest
 * and sorts what it prints. Why apache2 itself rather than `apache2ctl -t`:
 * Debian's apache2ctl (12 and 13) sources the envvars of its APACHE_CONFDIR
 * (/etc/apache2 unless set), not of the configuration being checked, and
 * adds its own lines; sourcing the envvars next to the checked file and then
 * running apache2 with -f (and -d) is what apache2ctl does, for any file.
 * Why the module's own dump rather than mod_info's DUMP_CONFIG: see
 * apache/config_dump.c. */
#include "tools/admin_apache.h"

#include <apr_strings.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apache/config_dump.h"

#define DEFAULT_APACHE "/usr/sbin/apache2"

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *admin_apache_main_config(apr_pool_t *p, const char *config, const char **why)
{
    static const char *const mains[] = {"apache2.conf", "httpd.conf", NULL};
    struct stat st;
    char *cwd;
    int i;

    if (stat(config, &st) != 0) {
        *why = apr_psprintf(p, "cannot read %s: %s", config, strerror(errno));
        return NULL;
    }
    if (config[0] != '/' && (cwd = getcwd(NULL, 0)) != NULL) {
        config = apr_pstrcat(p, cwd, "/", config, NULL);
        free(cwd);
    }
    if (!S_ISDIR(st.st_mode))
        return config;
    for (i = 0; mains[i]; i++) {
        const char *path = apr_pstrcat(p, config, "/", mains[i], NULL);
        if (is_file(path))
            return path;
    }
    *why = apr_psprintf(p, "%s has no apache2.conf or httpd.conf", config);
    return NULL;
}

void admin_apache_setup(apr_pool_t *p, admin_apache_t *a, const char *config,
                        const char *binary, const char *server_root)
{
    const char *env = getenv("APACHE_HTTPD");    /* as apache2ctl reads it */
    const char *slash = strrchr(config, '/');
    const char *envvars = apr_pstrcat(p, apr_pstrndup(p, config, (apr_size_t)(slash - config)),
                                      "/envvars", NULL);

    a->binary = binary ? binary : env && *env ? env : DEFAULT_APACHE;
    a->config = config;
    a->server_root = server_root;
    a->envvars = is_file(envvars) ? envvars : NULL;
}

const char *const *admin_apache_argv(apr_pool_t *p, const admin_apache_t *a)
{
    apr_array_header_t *argv = apr_array_make(p, 12, sizeof(const char *));

    if (a->envvars) {
        APR_ARRAY_PUSH(argv, const char *) = "/bin/sh";
        APR_ARRAY_PUSH(argv, const char *) = "-c";
        APR_ARRAY_PUSH(argv, const char *) = "e=$1; shift; . \"$e\" && exec \"$@\"";
        APR_ARRAY_PUSH(argv, const char *) = "sh";
        APR_ARRAY_PUSH(argv, const char *) = a->envvars;
    }
    APR_ARRAY_PUSH(argv, const char *) = a->binary;
    APR_ARRAY_PUSH(argv, const char *) = "-t";
    APR_ARRAY_PUSH(argv, const char *) = "-D";
    APR_ARRAY_PUSH(argv, const char *) = SEQUR_DUMP_DEFINE;
    APR_ARRAY_PUSH(argv, const char *) = "-f";
    APR_ARRAY_PUSH(argv, const char *) = a->config;
    if (a->server_root) {
        APR_ARRAY_PUSH(argv, const char *) = "-d";
        APR_ARRAY_PUSH(argv, const char *) = a->server_root;
    }
    APR_ARRAY_PUSH(argv, const char *) = NULL;
    return (const char *const *)argv->elts;
}

/* A field of the dump with \\, \t and \n undone. */
static const char *unescaped(apr_pool_t *p, const char *s, apr_size_t n)
{
    char *u = apr_palloc(p, n + 1), *o = u;
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            i++;
            *o++ = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' : s[i];
        }
        else
            *o++ = s[i];
    }
    *o = '\0';
    return u;
}

static apr_array_header_t *fields_of(apr_pool_t *p, const char *line)
{
    apr_array_header_t *fields = apr_array_make(p, 8, sizeof(const char *));
    const char *tab;

    for (;; line = tab + 1) {
        tab = strchr(line, '\t');
        APR_ARRAY_PUSH(fields, const char *) =
            unescaped(p, line, tab ? (apr_size_t)(tab - line) : strlen(line));
        if (tab == NULL)
            return fields;
    }
}

void admin_apache_take_line(apr_pool_t *p, admin_configtest_t *t, const char *line)
{
    apr_array_header_t *fields = fields_of(p, line);
    admin_fact_t *f;
    int skip = 2;

    if (fields->nelts < 2 || strcmp(APR_ARRAY_IDX(fields, 0, const char *), SEQUR_DUMP_DEFINE)) {
        APR_ARRAY_PUSH(t->output, const char *) = apr_pstrdup(p, line);
        return;
    }
    f = apr_array_push(t->facts);
    f->key = APR_ARRAY_IDX(fields, 1, const char *);
    f->server = -1;
    if (strcmp(f->key, SEQUR_DUMP_USER) && fields->nelts > 2) {
        f->server = atoi(APR_ARRAY_IDX(fields, 2, const char *));
        skip = 3;
    }
    f->fields = apr_array_make(p, fields->nelts - skip + 1, sizeof(const char *));
    for (; skip < fields->nelts; skip++)
        APR_ARRAY_PUSH(f->fields, const char *) = APR_ARRAY_IDX(fields, skip, const char *);
}

/* "Syntax error on line N of FILE:" ends a line (the reason is the next one)
 * or is followed by ": REASON"; an Include nests them on one line, and the
 * innermost is where Apache stopped. */
const char *admin_apache_syntax_error(apr_pool_t *p, const apr_array_header_t *output,
                                      const char **reason)
{
    static const char marker[] = "Syntax error on line ";
    int i;

    for (i = 0; i < output->nelts; i++) {
        const char *text = APR_ARRAY_IDX(output, i, const char *), *at = NULL, *next;
        const char *file, *end;
        char *after;
        long line;

        for (next = strstr(text, marker); next; next = strstr(next + 1, marker))
            at = next;
        if (at == NULL || (line = strtol(at + strlen(marker), &after, 10)) <= 0 ||
            strncmp(after, " of ", 4))
            continue;
        file = after + 4;
        if ((end = strstr(file, ": ")) != NULL) {
            *reason = end + 2;
            return apr_psprintf(p, "%.*s:%ld", (int)(end - file), file, line);
        }
        end = file + strlen(file);
        if (end > file && end[-1] == ':' && i + 1 < output->nelts) {
            *reason = APR_ARRAY_IDX(output, i + 1, const char *);
            return apr_psprintf(p, "%.*s:%ld", (int)(end - 1 - file), file, line);
        }
    }
    return NULL;
}

/* The child: stdout and stderr both into the pipe, in Apache's order. */
static void exec_configtest(int fd, const char *const *argv)
{
    if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
        _exit(127);
    close(fd);
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

apr_status_t admin_apache_configtest(apr_pool_t *p, const admin_apache_t *a,
                                     admin_configtest_t *t, const char **why)
{
    const char *const *argv = admin_apache_argv(p, a);
    char buf[8192];
    int fds[2], status;
    FILE *in;
    pid_t pid;

    t->output = apr_array_make(p, 16, sizeof(const char *));
    t->facts = apr_array_make(p, 16, sizeof(admin_fact_t));
    t->status = -1;
    if (access(a->binary, X_OK) != 0) {
        *why = apr_psprintf(p, "cannot run %s: %s (--apache names another)", a->binary,
                            strerror(errno));
        return APR_FROM_OS_ERROR(errno);
    }
    fflush(stdout);
    if (pipe(fds) != 0 || (pid = fork()) < 0) {
        *why = apr_psprintf(p, "cannot start %s: %s", a->binary, strerror(errno));
        return APR_FROM_OS_ERROR(errno);
    }
    if (pid == 0) {
        close(fds[0]);
        exec_configtest(fds[1], argv);
    }
    close(fds[1]);
    if ((in = fdopen(fds[0], "r")) == NULL) {
        close(fds[0]);
        *why = "cannot read Apache's output";
        waitpid(pid, &status, 0);
        return APR_EGENERAL;
    }
    while (fgets(buf, sizeof(buf), in)) {
        buf[strcspn(buf, "\n")] = '\0';
        admin_apache_take_line(p, t, buf);
    }
    fclose(in);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return APR_SUCCESS;
}
