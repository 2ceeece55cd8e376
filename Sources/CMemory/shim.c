#include "CMemory.h"
#include <malloc.h>

int cmemory_pin_mmap_threshold(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes);
}
