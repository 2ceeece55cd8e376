#ifndef CMEMORY_H
#define CMEMORY_H

/// Pins glibc's mmap threshold at `bytes` (mallopt(M_MMAP_THRESHOLD)), which also stops glibc from
/// raising it to the largest block freed: blocks this large and larger are then always mapped and
/// returned to the system on free. Returns 1 on success. (malloc.h is not in Swift's Glibc module.)
int cmemory_pin_mmap_threshold(int bytes);

/// Keeps up to `bytes` of free memory at the top of each malloc heap instead of returning it at
/// once (mallopt(M_TRIM_THRESHOLD)). Returns 1 on success.
int cmemory_set_trim_threshold(int bytes);

#endif
