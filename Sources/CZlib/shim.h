#ifndef PIPECTL_CZLIB_SHIM_H
#define PIPECTL_CZLIB_SHIM_H
#include <zlib.h>

/// deflateInit2 and inflateInit2 are macros Swift cannot import.
static inline int pipectl_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline int pipectl_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
