#include "certificate.h"
