/* Reading an Apache configuration the way httpd tokenises it, for `check`.
 * httpd's own reader needs the whole server (modules register directives), so
 * this one only splits lines into words and follows includes; what the words
 * mean is admin_check.c's business. */
#include "tools/admin_conf.h"

#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <ctype.h>
#include <glob.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "saml/file.h"

#define CONF_FILE_MAX (4 * 1024 * 1024)
#define INCLUDE_DEPTH_MAX 16

typedef struct reader {
    apr_pool_t *p;
    admin_conf_t *conf;
    apr_table_t *defines;
    apr_hash_t *seen;          /* files already read: an include loop reads nothing twice */
    const char *server_root;
    int server;                /* current <VirtualHost> (0: none) */
    int block;                 /* current section inside it (conf->block_parents) */
    admin_tenant_t *tenant;    /* current <SequrSAMLTenant>, or NULL */
} reader_t;

static void problem(reader_t *r, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(reader_t *r, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    const char *what;

    va_start(ap, fmt);
    what = apr_pvsprintf(r->p, fmt, ap);
    va_end(ap);
    APR_ARRAY_PUSH(r->conf->problems, const char *) =
        apr_psprintf(r->p, "%s:%d: problem: %s", file, line, what);
}

static const char *root_relative(apr_pool_t *p, const char *root, const char *path)
{
    char *merged = NULL;

    if (path[0] == '/')
        return path;
    if (apr_filepath_merge(&merged, root, path, APR_FILEPATH_NATIVE, p) != APR_SUCCESS)
        return path;
    return merged;
}

const char *admin_conf_path(apr_pool_t *p, const admin_directive_t *d, const char *arg)
{
    return root_relative(p, d->server_root, arg);
}

/* ${NAME} from Define, then from the environment (Debian's envvars); an
 * unknown one is kept as written, so the message shows it. */
static const char *expand(reader_t *r, const char *word)
{
    const char *open = strstr(word, "${"), *close;
    const char *name, *value;

    if (open == NULL || (close = strchr(open, '}')) == NULL)
        return word;
    name = apr_pstrndup(r->p, open + 2, (apr_size_t)(close - open - 2));
    value = apr_table_get(r->defines, name);
    if (value == NULL)
        value = getenv(name);
    if (value == NULL)
        return apr_pstrcat(r->p, apr_pstrndup(r->p, word, (apr_size_t)(close + 1 - word)),
                           expand(r, close + 1), NULL);
    return apr_pstrcat(r->p, apr_pstrndup(r->p, word, (apr_size_t)(open - word)), value,
                       expand(r, close + 1), NULL);
}

/* The next word of *line, as ap_getword_conf reads it: "double" or 'single'
 * quoted (a backslash escapes the quote), else up to white space. */
static const char *next_word(apr_pool_t *p, const char **line)
{
    const char *s = *line, *start;
    char *word, *w;
    char quote;

    while (*s && isspace((unsigned char)*s))
        s++;
    if (*s == '\0') {
        *line = s;
        return NULL;
    }
    if (*s != '"' && *s != '\'') {
        start = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        *line = s;
        return apr_pstrndup(p, start, (apr_size_t)(s - start));
    }
    quote = *s++;
    w = word = apr_palloc(p, strlen(s) + 1);
    while (*s && *s != quote) {
        if (*s == '\\' && s[1] == quote)
            s++;
        *w++ = *s++;
    }
    *w = '\0';
    *line = *s ? s + 1 : s;
    return word;
}

static apr_status_t read_path(reader_t *r, const char *path, int optional, const char *from,
                              int from_line, int depth);

static void include(reader_t *r, const admin_directive_t *d, int optional, int depth)
{
    const char *pattern;
    glob_t g;
    size_t i;
    int rc;

    if (d->args->nelts != 1) {
        problem(r, d->file, d->line, "%s takes one path", d->name);
        return;
    }
    pattern = root_relative(r->p, r->server_root, APR_ARRAY_IDX(d->args, 0, const char *));
    if (!strpbrk(pattern, "*?[")) {
        read_path(r, pattern, optional, d->file, d->line, depth + 1);
        return;
    }
    rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH && !optional)
        problem(r, d->file, d->line, "Include %s matches no file (IncludeOptional allows that)",
                pattern);
    for (i = 0; rc == 0 && i < g.gl_pathc; i++)
        read_path(r, apr_pstrdup(r->p, g.gl_pathv[i]), optional, d->file, d->line, depth + 1);
    if (rc == 0 || rc == GLOB_NOMATCH)
        globfree(&g);
}

/* What follows the section name up to '>', trimmed. */
static char *section_args(reader_t *r, const char *rest)
{
    char *args = apr_pstrdup(r->p, rest), *end;
    char *gt = strrchr(args, '>');

    if (gt)
        *gt = '\0';
    while (*args && isspace((unsigned char)*args))
        args++;
    for (end = args + strlen(args); end > args && isspace((unsigned char)end[-1]); end--)
        end[-1] = '\0';
    return args;
}

static int new_block(reader_t *r, int parent)
{
    APR_ARRAY_PUSH(r->conf->block_parents, int) = parent;
    return r->conf->block_parents->nelts - 1;
}

/* The section's own rules (Apache's, and the module's start_tenant) are
 * checked here, as they are about where lines stand; what the directives
 * inside mean is admin_check.c's. */
static void open_tenant(reader_t *r, const char *file, int line, const char *rest)
{
    admin_tenant_t *t;

    if (r->tenant) {
        problem(r, file, line, "<SequrSAMLTenant> cannot be nested (in <SequrSAMLTenant %s> "
                "at line %d)", r->tenant->args, r->tenant->line);
        return;
    }
    if (strchr(rest, '>') == NULL)
        problem(r, file, line, "<SequrSAMLTenant> directive missing closing '>'");
    t = apr_pcalloc(r->p, sizeof(*t));
    t->file = file;
    t->line = line;
    t->args = section_args(r, rest);
    t->server = r->server;
    t->index = r->conf->tenants->nelts;
    APR_ARRAY_PUSH(r->conf->tenants, admin_tenant_t *) = t;
    r->tenant = t;
}

static void section(reader_t *r, const char *file, int line, const char *name, const char *rest)
{
    if (!strcasecmp(name, "<VirtualHost")) {
        APR_ARRAY_PUSH(r->conf->server_labels, const char *) =
            apr_psprintf(r->p, "<VirtualHost %s> at %s:%d", section_args(r, rest), file, line);
        r->server = r->conf->server_labels->nelts - 1;
        r->block = new_block(r, -1);
    }
    else if (!strcasecmp(name, "</VirtualHost>") || !strcasecmp(name, "</VirtualHost")) {
        r->server = 0;
        r->block = 0;
    }
    else if (!strcasecmp(name, "<SequrSAMLTenant"))
        open_tenant(r, file, line, rest);
    else if (!strcasecmp(name, "</SequrSAMLTenant>") || !strcasecmp(name, "</SequrSAMLTenant")) {
        if (r->tenant == NULL)
            problem(r, file, line, "</SequrSAMLTenant> without matching <SequrSAMLTenant> "
                    "section");
        r->tenant = NULL;
    }
    else if (r->tenant)
        problem(r, file, line, "%s is not allowed inside <SequrSAMLTenant %s> (line %d): only "
                "SequrSAMLIdPMetadataFile, SequrSAMLIdPSSOURL, SequrSAMLIdPEntityID, "
                "SequrSAMLIdPCertificateFile and SequrSAMLIdPSLOURL", name, r->tenant->args,
                r->tenant->line);
    else if (name[1] == '/') {
        int parent = APR_ARRAY_IDX(r->conf->block_parents, r->block, int);
        if (parent >= 0)
            r->block = parent;
    }
    else
        r->block = new_block(r, r->block);
}

/* One logical line (continuations joined, leading space gone). */
static void read_line(reader_t *r, const char *file, int line, const char *text, int depth)
{
    const char *rest = text, *name = next_word(r->p, &rest), *word;
    admin_directive_t *d;

    if (name == NULL || name[0] == '#')
        return;
    if (name[0] == '<') {
        section(r, file, line, name, rest);
        return;
    }
    d = &APR_ARRAY_PUSH(r->conf->directives, admin_directive_t);
    d->file = file;
    d->line = line;
    d->name = name;
    d->server = r->server;
    d->tenant = r->tenant;
    d->block = r->block;
    d->args = apr_array_make(r->p, 2, sizeof(const char *));
    while ((word = next_word(r->p, &rest)) != NULL)
        APR_ARRAY_PUSH(d->args, const char *) = expand(r, word);
    if (!strcasecmp(name, "Define") && d->args->nelts >= 1)
        apr_table_set(r->defines, APR_ARRAY_IDX(d->args, 0, const char *),
                      d->args->nelts > 1 ? APR_ARRAY_IDX(d->args, 1, const char *) : "");
    else if (!strcasecmp(name, "ServerRoot") && d->args->nelts == 1)
        r->server_root = root_relative(r->p, r->server_root, APR_ARRAY_IDX(d->args, 0,
                                                                               const char *));
    d->server_root = r->server_root;
    if (!strcasecmp(name, "Include") || !strcasecmp(name, "IncludeOptional"))
        include(r, d, !strcasecmp(name, "IncludeOptional"), depth);
}

static void read_lines(reader_t *r, const char *file, char *text, int depth)
{
    char *line = text, *next;
    int number = 1;

    while (line && *line) {
        int first = number;
        char *joined;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        number++;
        joined = line;
        /* "\" at the end of a line continues it on the next. */
        while (next && strlen(joined) > 0 &&
               joined[strlen(joined) - 1 - (joined[strlen(joined) - 1] == '\r')] == '\\') {
            char *after = strchr(next, '\n');
            apr_size_t n = strlen(joined);
            joined[n - 1 - (joined[n - 1] == '\r')] = '\0';
            if (after)
                *after++ = '\0';
            joined = apr_pstrcat(r->p, joined, next, NULL);
            next = after;
            number++;
        }
        if (strlen(joined) > 0 && joined[strlen(joined) - 1] == '\r')
            joined[strlen(joined) - 1] = '\0';
        read_line(r, file, first, joined, depth);
        line = next;
    }
    /* Apache refuses a section that a file leaves open. */
    if (r->tenant && !strcmp(r->tenant->file, file)) {
        problem(r, file, r->tenant->line, "<SequrSAMLTenant %s> is not closed by "
                "</SequrSAMLTenant> in this file", r->tenant->args);
        r->tenant = NULL;
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every file of dir (and its subdirectories), in name order, as Include does. */
static apr_status_t read_directory(reader_t *r, const char *dir, int depth)
{
    apr_array_header_t *names = apr_array_make(r->p, 16, sizeof(const char *));
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv = apr_dir_open(&d, dir, r->p);
    int i;

    if (rv != APR_SUCCESS)
        return rv;
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS)
        if (fi.name[0] != '.')
            APR_ARRAY_PUSH(names, const char *) = apr_pstrcat(r->p, dir, "/", fi.name, NULL);
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), by_name);
    for (i = 0; i < names->nelts; i++)
        read_path(r, APR_ARRAY_IDX(names, i, const char *), 0, dir, 0, depth + 1);
    return APR_SUCCESS;
}

static apr_status_t read_path(reader_t *r, const char *path, int optional, const char *from,
                              int from_line, int depth)
{
    apr_finfo_t fi;
    saml_err_t err = {0};
    char *text;
    apr_size_t len;
    apr_status_t rv;

    if (depth > INCLUDE_DEPTH_MAX) {
        problem(r, from, from_line, "includes nested deeper than %d at %s", INCLUDE_DEPTH_MAX,
                path);
        return APR_EINVAL;
    }
    if ((rv = apr_stat(&fi, path, APR_FINFO_TYPE, r->p)) != APR_SUCCESS) {
        if (!optional && from)
            problem(r, from, from_line, "cannot read %s: no such file", path);
        return rv;
    }
    if (fi.filetype == APR_DIR)
        return read_directory(r, path, depth);
    if (apr_hash_get(r->seen, path, APR_HASH_KEY_STRING))
        return APR_SUCCESS;
    apr_hash_set(r->seen, path, APR_HASH_KEY_STRING, path);
    if ((rv = saml_file_read(r->p, path, CONF_FILE_MAX, &text, &len, &err)) != APR_SUCCESS) {
        if (from)
            problem(r, from, from_line, "%s", err.detail);
        return rv;
    }
    read_lines(r, path, text, depth);
    return APR_SUCCESS;
}

const char *admin_conf_absolute(apr_pool_t *p, const char *path)
{
    char *cwd = NULL;

    if (path[0] == '/' || apr_filepath_get(&cwd, APR_FILEPATH_NATIVE, p) != APR_SUCCESS)
        return path;
    return root_relative(p, cwd, path);
}

apr_status_t admin_conf_read(apr_pool_t *p, const char *path, admin_conf_t *conf,
                             const char **why)
{
    reader_t r = {0};
    apr_finfo_t fi;
    char msg[120];
    apr_status_t rv;
    const char *abs = admin_conf_absolute(p, path);

    conf->directives = apr_array_make(p, 64, sizeof(admin_directive_t));
    conf->server_labels = apr_array_make(p, 4, sizeof(const char *));
    conf->problems = apr_array_make(p, 4, sizeof(const char *));
    conf->tenants = apr_array_make(p, 4, sizeof(admin_tenant_t *));
    conf->block_parents = apr_array_make(p, 16, sizeof(int));
    APR_ARRAY_PUSH(conf->block_parents, int) = -1;
    APR_ARRAY_PUSH(conf->server_labels, const char *) = "main server";
    r.p = p;
    r.conf = conf;
    r.defines = apr_table_make(p, 8);
    r.seen = apr_hash_make(p);
    if ((rv = apr_stat(&fi, abs, APR_FINFO_TYPE, p)) != APR_SUCCESS) {
        *why = apr_psprintf(p, "cannot read %s: %s", abs, apr_strerror(rv, msg, sizeof(msg)));
        return rv;
    }
    r.server_root = fi.filetype == APR_DIR ? abs : apr_pstrndup(p, abs, (apr_size_t)
                                                                (strrchr(abs, '/') - abs));
    if (*r.server_root == '\0')
        r.server_root = "/";
    rv = read_path(&r, abs, 0, NULL, 0, 0);
    if (rv != APR_SUCCESS)
        *why = apr_psprintf(p, "cannot read %s: %s", abs, apr_strerror(rv, msg, sizeof(msg)));
    return rv;
}
