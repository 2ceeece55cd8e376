#ifndef CSPAWN_H
#define CSPAWN_H
#include <spawn.h>

// glibc declares these two only under _GNU_SOURCE, which Swift's Glibc module does not define.
// Close every descriptor from `fd` up in the child (glibc 2.34+).
int cspawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int fd);
// Change the child's working directory before exec (glibc 2.29+).
int cspawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

// A pipe whose ends close on exec, created atomically (pipe2 with O_CLOEXEC).
int cspawn_pipe_cloexec(int descriptors[2]);

#endif
