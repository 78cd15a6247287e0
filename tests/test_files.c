/* tests/test_files.c - saving and loading at paths that are not plain files:
   a save refuses a device, FIFO, socket or directory and leaves it as it was;
   it follows a symbolic link (the link stays, its target gets the new bytes,
   written in the target's directory), keeps an existing file's permission
   bits and flushes the directory after the rename; nnet_save_check says the
   same without writing. Every loader refuses what is not a regular file
   before reading it (a FIFO would block a read forever), and a file that is
   not a model file is called that, with what it is. All in a temporary
   directory; an alarm ends the test if a loader blocks. */
#define _GNU_SOURCE               /* mkdtemp, mkfifo, mknod, syscall */
#include <stb/stb_image.h>
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[64];
static int directory_syncs, file_syncs;

// fsync, counted by what it flushes: this definition is the one nnet.h's
// implementation (in this file) calls.
int fsync(int fd) {
    struct stat st;
    if (fstat(fd, &st) == 0) { if (S_ISDIR(st.st_mode)) directory_syncs++; else file_syncs++; }
    return (int)syscall(SYS_fsync, fd);
}

static const char *at(const char *name) {
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static nnet *make_net(uint64_t seed) {
    nnet_desc d;
    memset(&d, 0, sizeof d);
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 4; d.sizes[1] = 2; d.seed = seed;
    return nnet_create(&d);
}

// Whether the file at path holds exactly net's model file.
static int holds(const char *path, const nnet *net) {
    size_t size, want;
    unsigned char *bytes = test_read_file(path, &size), *expected;
    int same;
    if (nnet_save_to_memory(net, NULL, 0, &want) != NNET_OK || !(expected = (unsigned char *)malloc(want))) { free(bytes); return 0; }
    same = bytes && nnet_save_to_memory(net, expected, want, &want) == NNET_OK && size == want && memcmp(bytes, expected, size) == 0;
    free(bytes); free(expected);
    return same;
}

// Entries of directory d (relative to dir) other than . and .., and whether any is a temporary file.
static int entries(const char *d, int *temporary) {
    DIR *h = opendir(at(d));
    struct dirent *e;
    int n = 0;
    *temporary = 0;
    if (!h) return -1;
    while ((e = readdir(h)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        n++;
        if (strstr(e->d_name, ".tmp-")) { printf("  left behind: %s\n", e->d_name); *temporary = 1; }
    }
    closedir(h);
    return n;
}

static int kind(const char *path) {   // S_IFMT bits of lstat, 0 if nothing is there
    struct stat st;
    return lstat(path, &st) == 0 ? (int)(st.st_mode & S_IFMT) : 0;
}

// A Unix socket bound at path (the descriptor; the socket file stays after close).
static int make_socket(const char *path) {
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); fd = -1; }
    return fd;
}

// Every special file at once, in dir/special: FIFO, socket, directory and,
// as root, a character device (a copy of /dev/full, made with mknod).
static void save_refuses_what_is_not_a_regular_file(void) {
    static const char *const names[4] = {"special/fifo", "special/socket", "special/directory", "special/full"};
    static const char *const kinds[4] = {"FIFO", "socket", "directory", "character device"};
    nnet *net = make_net(1);
    int fd, i, temporary, made = 3;
    CHECK(net != NULL && mkdir(at("special"), 0700) == 0);
    CHECK(mkfifo(at(names[0]), 0600) == 0);
    CHECK((fd = make_socket(at(names[1]))) >= 0);
    CHECK(mkdir(at(names[2]), 0700) == 0);
    if (geteuid() == 0 && mknod(at(names[3]), S_IFCHR | 0600, makedev(1, 7)) == 0) made = 4;
    else printf("  (not root: no device made; the FIFO, socket and directory are tested)\n");
    for (i = 0; net && i < made; i++) {
        int before = kind(at(names[i]));
        CHECK_ERROR(nnet_save(net, at(names[i])), NNET_ERR_IO, kinds[i]);
        CHECK(strstr(nnet_error(), "nothing was written") != NULL);
        CHECK_ERROR(nnet_save_checkpoint(net, at(names[i])), NNET_ERR_IO, kinds[i]);
        CHECK_ERROR(nnet_export_c(net, at(names[i]), "model"), NNET_ERR_IO, kinds[i]);
        CHECK_ERROR(nnet_save_check(at(names[i])), NNET_ERR_IO, kinds[i]);
        CHECK(kind(at(names[i])) == before);
    }
    CHECK(symlink("fifo", at("special/link")) == 0);   // a link to a FIFO: refused, and named
    CHECK_ERROR(nnet_save(net, at("special/link")), NNET_ERR_IO, "leads to");
    CHECK(strstr(nnet_error(), "FIFO") != NULL);
    CHECK(kind(at("special/link")) == S_IFLNK && kind(at("special/fifo")) == S_IFIFO);
    CHECK(entries("special", &temporary) == made + 1 && !temporary);
    if (fd >= 0) close(fd);
    nnet_free(net);
}

// A link is followed: through a chain, relative or absolute, to another
// directory, or dangling (the file it names is created). The links stay links.
static void save_follows_symbolic_links(void) {
    nnet *a = make_net(2), *b = make_net(3), *c = make_net(4);
    char absolute[300];
    int temporary;
    CHECK(a && b && c);
    if (!a || !b || !c) { nnet_free(a); nnet_free(b); nnet_free(c); return; }
    CHECK(mkdir(at("links"), 0700) == 0 && mkdir(at("links/models"), 0700) == 0);
    CHECK_STATUS(nnet_save(a, at("links/models/target.nnet")), NNET_OK);
    CHECK(symlink("models/target.nnet", at("links/first")) == 0);   // links/first -> models/target.nnet
    CHECK(symlink("first", at("links/second")) == 0);               // links/second -> first
    CHECK_STATUS(nnet_save(b, at("links/second")), NNET_OK);
    CHECK(kind(at("links/first")) == S_IFLNK && kind(at("links/second")) == S_IFLNK);
    CHECK(holds(at("links/models/target.nnet"), b));
    CHECK(entries("links", &temporary) == 3 && !temporary);
    CHECK(entries("links/models", &temporary) == 1 && !temporary);
    snprintf(absolute, sizeof absolute, "%s", at("links/models/target.nnet"));
    CHECK(symlink(absolute, at("links/absolute")) == 0);
    CHECK_STATUS(nnet_save_checkpoint(c, at("links/absolute")), NNET_OK);
    CHECK(kind(at("links/absolute")) == S_IFLNK);
    {
        nnet *back = nnet_load(at("links/first"));
        CHECK(back && back->n_parameters == c->n_parameters && memcmp(back->parameters, c->parameters, c->n_parameters * 4) == 0);
        nnet_free(back);
    }
    CHECK(symlink("models/new.nnet", at("links/dangling")) == 0);
    CHECK_STATUS(nnet_save_check(at("links/dangling")), NNET_OK);
    CHECK(kind(at("links/models/new.nnet")) == 0);      // the check writes nothing
    CHECK_STATUS(nnet_save(a, at("links/dangling")), NNET_OK);
    CHECK(kind(at("links/dangling")) == S_IFLNK && holds(at("links/models/new.nnet"), a));
    CHECK(symlink("loop2", at("links/loop1")) == 0 && symlink("loop1", at("links/loop2")) == 0);
    CHECK_ERROR(nnet_save(a, at("links/loop1")), NNET_ERR_IO, "more than 40 links");
    CHECK(entries("links/models", &temporary) == 2 && !temporary);
    nnet_free(a); nnet_free(b); nnet_free(c);
}

// An existing file keeps its permission bits; a new one gets 0666 less the umask.
static void save_keeps_permission_bits(void) {
    static const int modes[3] = {0600, 0640, 0604};
    nnet *net = make_net(5);
    struct stat st;
    mode_t mask = umask(022);
    int i;
    for (i = 0; net && i < 3; i++) {
        CHECK_STATUS(nnet_save(net, at("mode.nnet")), NNET_OK);
        CHECK(chmod(at("mode.nnet"), (mode_t)modes[i]) == 0);
        CHECK_STATUS(nnet_save(net, at("mode.nnet")), NNET_OK);
        CHECK(stat(at("mode.nnet"), &st) == 0 && (int)(st.st_mode & 07777) == modes[i]);
        CHECK_STATUS(nnet_export_c(net, at("mode.nnet"), "model"), NNET_OK);
        CHECK(stat(at("mode.nnet"), &st) == 0 && (int)(st.st_mode & 07777) == modes[i]);
        CHECK(unlink(at("mode.nnet")) == 0);
    }
    CHECK_STATUS(nnet_save(net, at("fresh.nnet")), NNET_OK);
    CHECK(stat(at("fresh.nnet"), &st) == 0 && (st.st_mode & 07777) == 0644);
    umask(mask);
    nnet_free(net);
}

// After the rename, the directory is flushed too: else a crash can lose the new name.
static void save_flushes_file_and_directory(void) {
    nnet *net = make_net(6);
    directory_syncs = file_syncs = 0;
    CHECK_STATUS(nnet_save(net, at("synced.nnet")), NNET_OK);
    CHECK(file_syncs == 1 && directory_syncs == 1);
    directory_syncs = file_syncs = 0;
    CHECK_STATUS(nnet_save_check(at("synced.nnet")), NNET_OK);
    CHECK(file_syncs == 0 && directory_syncs == 0);   // a check writes nothing to flush
    nnet_free(net);
}

// nnet_save_check creates and removes a temporary file, and leaves the path alone.
static void save_check_touches_nothing(void) {
    nnet *net = make_net(7);
    struct stat before, after;
    int temporary;
    CHECK(mkdir(at("check"), 0700) == 0);
    CHECK_STATUS(nnet_save_check(at("check/new.nnet")), NNET_OK);
    CHECK(entries("check", &temporary) == 0);
    CHECK_STATUS(nnet_save(net, at("check/old.nnet")), NNET_OK);
    CHECK(stat(at("check/old.nnet"), &before) == 0);
    CHECK_STATUS(nnet_save_check(at("check/old.nnet")), NNET_OK);
    CHECK(stat(at("check/old.nnet"), &after) == 0 && after.st_ino == before.st_ino && after.st_mtime == before.st_mtime);
    CHECK(holds(at("check/old.nnet"), net));
    CHECK_ERROR(nnet_save_check(at("check/no/such/dir/x.nnet")), NNET_ERR_IO, "could not create a temporary file");
    CHECK_ERROR(nnet_save_check(NULL), NNET_ERR_ARGUMENT, "NULL");
    CHECK(entries("check", &temporary) == 1 && !temporary);
    nnet_free(net);
}

static void on_alarm(int signal_number) {
    (void)signal_number;
    static const char text[] = "test_files: a loader blocked on a FIFO (killed by the alarm)\n";
    if (write(1, text, sizeof text - 1) < 0) _exit(1);
    _exit(1);
}

// Each loader refuses a FIFO (without blocking), a device and a directory.
static void loaders_refuse_what_is_not_a_regular_file(void) {
    static const char *const paths[3] = {NULL, "/dev/zero", NULL};
    static const char *const kinds[3] = {"FIFO", "character device", "directory"};
    nnet *net = make_net(8);
    float pixels[784];
    nnet_dataset *train = NULL;
    int i;
    char fifo[256], directory[256], mnist[256];
    snprintf(fifo, sizeof fifo, "%s", at("in.fifo"));
    snprintf(directory, sizeof directory, "%s", at("a-directory"));
    CHECK(mkfifo(fifo, 0600) == 0 && mkdir(directory, 0700) == 0);
    signal(SIGALRM, on_alarm);
    alarm(20);
    for (i = 0; i < 3; i++) {
        const char *path = i == 0 ? fifo : i == 2 ? directory : paths[i];
        CHECK(nnet_load(path) == NULL && strstr(nnet_error(), kinds[i]));
        CHECK_ERROR(nnet_load_weights(net, path), NNET_ERR_IO, kinds[i]);
        CHECK_ERROR(nnet_image_load_mnist(path, pixels), NNET_ERR_IO, kinds[i]);
        CHECK(nnet_idx_load(path) == NULL && strstr(nnet_error(), kinds[i]));
        CHECK(nnet_dataset_load_idx(path, path) == NULL && strstr(nnet_error(), kinds[i]));
    }
    // An MNIST directory whose images are a FIFO (the labels are read first: a real file).
    snprintf(mnist, sizeof mnist, "%s", at("mnist"));
    CHECK(mkdir(mnist, 0700) == 0 && mkfifo(at("mnist/train-images-idx3-ubyte"), 0600) == 0);
    {
        FILE *f = fopen(at("mnist/train-labels-idx1-ubyte"), "wb");
        CHECK(f && fwrite("\0\0\x08\x01\0\0\0\x01\x03", 1, 9, f) == 9);
        if (f) fclose(f);
    }
    CHECK_ERROR(nnet_dataset_load_mnist(mnist, &train, NULL), NNET_ERR_IO, "FIFO");
    CHECK(train == NULL);
    CHECK(unlink(at("mnist/train-labels-idx1-ubyte")) == 0 && mkfifo(at("mnist/train-labels-idx1-ubyte"), 0600) == 0);
    CHECK_ERROR(nnet_dataset_load_mnist(mnist, &train, NULL), NNET_ERR_IO, "FIFO");
    alarm(0);
    nnet_free(net);
}

// What is not a model file is called that, and what it is is named.
static void not_a_model_file_is_named(void) {
    static const struct { const char *bytes; size_t size; const char *found; } cases[] = {
        {"usage: a text file that someone took for a model\n", 50, "found text \"usage: a text file"},
        {"PK\3\4\24\0\0\0\0\0\0\0\0\0", 14, "ZIP archive"},
        {"\x1f\x8b\x08\0\0\0\0\0\0\3", 10, "gzip"},
        {"\0\0\x08\x01\0\0\0\x01\x03", 9, "IDX file"},
        {"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7", 9, "found the bytes ff fe fd fc"},
        {"ab\n", 3, "found text \"ab\\n\""}};
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(at("not-a-model"), "wb");
        CHECK(f && fwrite(cases[i].bytes, 1, cases[i].size, f) == cases[i].size);
        if (f) fclose(f);
        CHECK(nnet_load(at("not-a-model")) == NULL);
        if (!strstr(nnet_error(), "not a model file") || !strstr(nnet_error(), cases[i].found)) {
            CHECK(!"the message says 'not a model file' and what was found");
            printf("  %s\n", nnet_error());
        }
        CHECK(nnet_load_from_memory(cases[i].bytes, cases[i].size) == NULL && strstr(nnet_error(), "not a model file"));
    }
}

int main(void) {
    char command[128];
    strcpy(dir, "/tmp/nnet_test_files_XXXXXX");
    if (!mkdtemp(dir)) { printf("test_files: cannot create a temporary directory\n"); return 1; }
    RUN(save_refuses_what_is_not_a_regular_file);
    RUN(save_follows_symbolic_links);
    RUN(save_keeps_permission_bits);
    RUN(save_flushes_file_and_directory);
    RUN(save_check_touches_nothing);
    RUN(loaders_refuse_what_is_not_a_regular_file);
    RUN(not_a_model_file_is_named);
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0) printf("  could not remove %s\n", dir);
    return test_summary("test_files");
}
