/* The physical floor of a durable submit: a fresh process that opens FILE with
 * O_APPEND, appends one 200-byte record and fdatasyncs it, then exits.
 *   floor_append FILE
 * Built by bench_submit_latency.sh with cc into its temp dir.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: floor_append FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) { perror(argv[1]); return 1; }
    char rec[200];
    memset(rec, 'x', sizeof rec);
    rec[sizeof rec - 1] = '\n';
    if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec) { perror("write"); return 1; }
    if (fdatasync(fd) != 0) { perror("fdatasync"); return 1; }
    return close(fd) == 0 ? 0 : 1;
}
