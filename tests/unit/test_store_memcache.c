/* memcached back-end: the store contract against a memcached this program
 * starts on 127.0.0.1 (store_contract.c). */
#include <stdio.h>

#include "tests/unit/store_contract.h"
#include "saml/store_memcache.h"

static char **memcached_argv(int port)
{
    static char portbuf[16];
    static char *argv[] = { "/usr/bin/memcached", "-l", "127.0.0.1", "-p", portbuf, "-U", "0",
                            "-m", "64", "-u", "nobody", NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* memcached's -o slab_chunk_max is in bytes up to 1.6.23 (1.6.18 on Debian 12)
 * and in kilobytes from 1.6.24 on (1.6.38 on Debian 13; memcached issue 1094):
 * 1 KiB either way, which must not exceed -I. */
static const char *slab_chunk_max_1k(void)
{
    FILE *f = popen("/usr/bin/memcached -V 2>/dev/null", "r");
    int major = 0, minor = 0, patch = 0;

    if (f) {
        if (fscanf(f, "memcached %d.%d.%d", &major, &minor, &patch) != 3)
            major = 0;
        pclose(f);
    }
    if (major > 1 || (major == 1 && (minor > 6 || (minor == 6 && patch >= 24))))
        return "slab_chunk_max=1";
    return "slab_chunk_max=1024";
}

/* Items above 1 KiB refused with SERVER_ERROR. */
static char **memcached_refusing_argv(int port)
{
    static char portbuf[16];
    static char *argv[] = { "/usr/bin/memcached", "-l", "127.0.0.1", "-p", portbuf, "-U", "0",
                            "-m", "64", "-u", "nobody", "-I", "1k", "-o", NULL, NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    argv[14] = (char *)slab_chunk_max_1k();
    return argv;
}

int main(void)
{
    static const sc_backend_t memcache = {
        "memcache", "/usr/bin/memcached", memcached_argv, memcached_refusing_argv,
        saml_store_memcache_open, NULL
    };
    return sc_main(&memcache);
}
