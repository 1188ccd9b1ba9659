// heap.c: glibc malloc settings and a chunk inspection that Swift's Glibc module does not expose (it does
// not include <malloc.h>). Used by ArbiterTensor's HeapReuse; on other C libraries they do nothing.
#include "arbiter_kernels.h"

#if defined(__GLIBC__)
#include <malloc.h>

int arbiter_heap_set_thresholds(long mmap_threshold, long trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1;
}

int arbiter_heap_is_mapped(const void *p) {
    // glibc's chunk header: the size word just before the user pointer, bit 1 = IS_MMAPPED.
    return (((const size_t *)p)[-1] & 2) != 0;
}
#else
int arbiter_heap_set_thresholds(long mmap_threshold, long trim_threshold) {
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
}

int arbiter_heap_is_mapped(const void *p) {
    (void)p;
    return -1;
}
#endif
