struct config {
    char *host;
    char *user;
    char *log_path;
    int port;
};

int config_reload(struct config *cfg, const char *text);
void config_free(struct config *cfg);
