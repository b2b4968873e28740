#ifndef TAPEDECK_CLINUX_SHIM_H
#define TAPEDECK_CLINUX_SHIM_H
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* struct epoll_event is packed on x86_64; keep it on the C side and hand Swift plain values. */
static inline struct epoll_event *tapedeck_epoll_events_alloc(int count) {
    return (struct epoll_event *)calloc((size_t)count, sizeof(struct epoll_event));
}
static inline void tapedeck_epoll_events_free(struct epoll_event *events) { free(events); }
static inline uint64_t tapedeck_epoll_event_data(const struct epoll_event *events, int index) { return events[index].data.u64; }
static inline uint32_t tapedeck_epoll_event_flags(const struct epoll_event *events, int index) { return events[index].events; }
static inline int tapedeck_epoll_ctl(int epfd, int op, int fd, uint32_t flags, uint64_t data) {
    struct epoll_event event;
    event.events = flags;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}
static inline int tapedeck_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout_ms) {
    return epoll_wait(epfd, events, max, timeout_ms);
}
/* accept4 is declared only under _GNU_SOURCE, which would make these headers disagree with Swift's Glibc module. */
extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
/* malloc.h is not in Swift's Glibc module: glibc's malloc_trim(3), and the free bytes its heaps keep (mallinfo2(3)). */
#include <malloc.h>
static inline size_t tapedeck_heap_free_bytes(void) { return mallinfo2().fordblks; }
static inline int tapedeck_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }

/* sched_getaffinity is declared only under _GNU_SOURCE; the CPUs this process may run on (taskset), or 0. */
extern int sched_getaffinity(pid_t pid, size_t size, void *mask);
static inline int tapedeck_allowed_cpus(void) {
    unsigned long mask[16] = {0};
    if (sched_getaffinity(0, sizeof mask, mask) != 0) return 0;
    int count = 0;
    for (int i = 0; i < 16; i++) count += __builtin_popcountl(mask[i]);
    return count;
}

/* pthread_setname_np is declared only under _GNU_SOURCE; names `thread` (the kernel keeps 15 bytes, so longer
   names are cut here rather than refused with ERANGE). */
#include <pthread.h>
#include <string.h>
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline int tapedeck_set_thread_name(pthread_t thread, const char *name) {
    char cut[16];
    strncpy(cut, name, 15);
    cut[15] = 0;
    return pthread_setname_np(thread, cut);
}
#endif
