#ifndef PIPECTL_CSNAPPY_SHIM_H
#define PIPECTL_CSNAPPY_SHIM_H
#include <snappy-c.h>
#endif
