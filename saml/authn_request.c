#include "authn_request.h"
