#include "sp_metadata.h"
