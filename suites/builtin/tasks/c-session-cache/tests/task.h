#include <stddef.h>

typedef struct session_cache session_cache;

session_cache *cache_create(size_t capacity);
int cache_put(session_cache *c, const char *token, const char *user);
const char *cache_get(session_cache *c, const char *token);
int cache_remove(session_cache *c, const char *token);
size_t cache_count(const session_cache *c);
void cache_destroy(session_cache *c);
