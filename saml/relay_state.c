#include "relay_state.h"
