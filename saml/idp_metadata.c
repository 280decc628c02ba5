#include "idp_metadata.h"
