/* fuzz-domain-xml.h: the libFuzzer entry point of fuzz-domain-xml.c, shared
 * with the replay driver (fuzz-replay.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
