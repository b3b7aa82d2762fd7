// weft/weft.hpp — the whole public API: goroutines, channels, select, sync, time, context.
#pragma once

#include "weft/atomic.hpp"
#include "weft/chan.hpp"
#include "weft/config.hpp"
#include "weft/context.hpp"
#include "weft/go.hpp"
#include "weft/panic.hpp"
#include "weft/policy.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"
#include "weft/time.hpp"
