#include "host/vmdev-host.h"
