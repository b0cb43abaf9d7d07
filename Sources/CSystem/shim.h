#ifndef SELFCARE_CSYSTEM_SHIM_H
#define SELFCARE_CSYSTEM_SHIM_H
// libc declarations Swift's Glibc module leaves out (mallopt).
#include <malloc.h>
#endif
