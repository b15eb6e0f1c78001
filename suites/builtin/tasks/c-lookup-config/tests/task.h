int config_get_long(const char *text, const char *key, long *value);
