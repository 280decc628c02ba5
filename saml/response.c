#include "response.h"
