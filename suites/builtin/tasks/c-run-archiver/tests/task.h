int compress_log(const char *dir, const char *name);
