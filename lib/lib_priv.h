/* Inside libvireo: the firmware's environment and the options shared with the vireo image. */
#ifndef LIB_PRIV_H
#define LIB_PRIV_H

#include <stdint.h>

#include "vireo/vireo.h"

/** The environment vireo_init() was given (NULL before). */
const struct vireo_env *vireo_env(void);
/** Keep env for the hooks (lib/env.c); NULL forgets it. */
void vireo_env_set(const struct vireo_env *env);

#endif
