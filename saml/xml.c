#include "xml.h"
