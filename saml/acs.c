#include "acs.h"
