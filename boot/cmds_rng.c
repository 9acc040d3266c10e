/* `rng <n>`: n bytes from the first virtio-rng device, as hex on one line. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "shell.h"
#include "vireo/virtio_rng.h"

static int cmd_rng(int argc, char **argv)
{
	static uint8_t buf[VRNG_MAX_READ];
	struct vrng *r = vrng_get(0);
	uint64_t n;
	int ret;

	(void)argc;
	if (shell_parse_u64(argv[0], "n", VRNG_MAX_READ, &n) < 0) {
		return -EINVAL;
	}
	if (n == 0) {
		return shell_error("rng: n must be 1..%u", VRNG_MAX_READ);
	}
	if (r == NULL) {
		return shell_error("rng: no virtio-rng device");
	}
	ret = vrng_read(r, buf, (size_t)n);
	if (ret < 0) {
		return shell_error("rng: read failed (%d)", ret);
	}
	printf("rng: ");
	for (uint64_t i = 0; i < n; i++) {
		printf("%02x", buf[i]);
	}
	printf("\n");
	return 0;
}

static const struct shell_cmd rng_cmds[] = {
	{ "rng", "<n>", "n (1..4096) random bytes from the virtio-rng device, in hex", 1, 1,
	  cmd_rng },
};

const struct shell_cmd_group cmds_rng = SHELL_GROUP(rng_cmds);
