#include "signature.h"
