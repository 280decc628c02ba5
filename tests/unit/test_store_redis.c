/* Redis back-end: the store contract against a redis-server this program
 * starts on 127.0.0.1 (store_contract.c). */
#include <stdio.h>

#include "tests/unit/store_contract.h"
#include "saml/store_redis.h"

static char **redis_argv(int port)
{
    static char portbuf[16];
    static char *argv[] = { "/usr/bin/redis-server", "--port", portbuf, "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no", "--protected-mode", "yes",
                            NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

/* Every command refused with -NOAUTH: the module does not authenticate. */
static char **redis_refusing_argv(int port)
{
    static char portbuf[16];
    static char *argv[] = { "/usr/bin/redis-server", "--port", portbuf, "--bind", "127.0.0.1",
                            "--save", "", "--appendonly", "no", "--requirepass", "secret",
                            NULL };
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    return argv;
}

int main(void)
{
    static const sc_backend_t redis = {
        "redis", "/usr/bin/redis-server", redis_argv, redis_refusing_argv,
        saml_store_redis_open, NULL
    };
    return sc_main(&redis);
}
