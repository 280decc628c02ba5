/* placeholder */ typedef int sequr_placeholder_t;
