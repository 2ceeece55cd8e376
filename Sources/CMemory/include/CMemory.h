#ifndef CMEMORY_H
#define CMEMORY_H

/// Pins glibc's mmap threshold at `bytes` (mallopt(M_MMAP_THRESHOLD)), which also stops glibc from
/// raising it to the largest block freed: blocks this large and larger are then always mapped and
/// returned to the system on free. Returns 1 on success. (malloc.h is not in Swift's Glibc module.)
int cmemory_pin_mmap_threshold(int bytes);

#endif
