#ifndef PIPECTL_CALLOCCOUNTER_H
#define PIPECTL_CALLOCCOUNTER_H
#include <stdint.h>
/// Number of malloc/calloc/realloc/aligned allocations made by this process so far.
uint64_t alloc_counter_allocations(void);
#endif
