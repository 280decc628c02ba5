/* memcached back-end: the store contract against a memcached this program
 * starts on 127.0.0.1 (store_contract.c). */
#include <stdio.h>

#include "store_contract.h"
#include "store_memcache.h"

static char **memcached_argv(int port)
{
    static char portbuf[16];
    static char *argv[] = { "/usr/bin/memcached", "-l", "127.0.0.1", "-p", portbuf, "-U", "0",
                            "-m", "64", "-u", "nobody", NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* Items above 1 KiB refused with SERVER_ERROR. */
static char **memcached_refusing_argv(int port)
{
    static char portbuf[16];
    static char *argv[] = { "/usr/bin/memcached", "-l", "127.0.0.1", "-p", portbuf, "-U", "0",
                            "-m", "64", "-u", "nobody", "-I", "1k", "-o", "slab_chunk_max=1024",
                            NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

int main(void)
{
    static const sc_backend_t memcache = {
        "memcache", "/usr/bin/memcached", memcached_argv, memcached_refusing_argv,
        saml_store_memcache_open
    };
    return sc_main(&memcache);
}
