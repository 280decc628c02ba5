/* Replays corpora through a harness without libFuzzer, so every committed
 * seed and fixed finding stays a regression test under the normal toolchain
 * and valgrind. Arguments are files or directories (one level); with none,
 * the harness's committed corpus (FUZZ_CORPUS_DIR) is replayed. */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f)
            fclose(f);
        return 0;
    }
    /* An exact-size heap copy, so a read past the input is caught (ASan, valgrind). */
    buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return 0;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of dir in name order, so a failing run is reproducible. */
static int replay_dir(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int ok = 1;

    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **more = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (more == NULL)
                abort();
            names = more;
        }
        if ((names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)) == NULL)
            abort();
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), compare_names);
    for (i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            ok &= replay_file(names[i]);
            ++*files;
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

int main(int argc, char **argv)
{
    static const char *const fallback[] = { FUZZ_CORPUS_DIR };
    const char *const *paths = argc > 1 ? (const char *const *)argv + 1 : fallback;
    int npaths = argc > 1 ? argc - 1 : 1, files = 0, ok = 1, i;

    LLVMFuzzerInitialize(&argc, &argv);
    for (i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, "replay: no such file or directory: %s\n", paths[i]);
            ok = 0;
        }
        else if (S_ISDIR(st.st_mode)) {
            ok &= replay_dir(paths[i], &files);
        }
        else {
            ok &= replay_file(paths[i]);
            files++;
        }
    }
    printf("replayed %d inputs from %d path(s)\n", files, npaths);
    /* An empty corpus would make this test pass by testing nothing. */
    return ok && files > 0 ? 0 : 1;
}
