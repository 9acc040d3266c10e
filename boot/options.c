/* The boot options in /chosen/bootargs (`[key=value ...] [-- script]`) and what they set. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "boot_priv.h"
#include "vireo/bootopt.h"
#include "vireo/dma_pools.h"
#include "vireo/dt_platform.h"
#include "vireo/virtio.h"

#define NS_PER_MS 1000000ull
#define TIMEOUT_MAX_MS 3600000ull

static uint64_t timeout_ns;

static int opt_dma(const char *value)
{
	if (strcmp(value, "direct") == 0) {
		virtio_options.force_bounce = false;
	} else if (strcmp(value, "bounce") == 0) {
		virtio_options.force_bounce = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int opt_irq(const char *value)
{
	if (strcmp(value, "poll") == 0) {
		virtio_options.irq_poll = true;
	} else if (strcmp(value, "auto") == 0) {
		virtio_options.irq_poll = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int opt_console(const char *value)
{
	if (strcmp(value, "virtio") == 0) {
		virtio_options.console_virtio = true;
	} else if (strcmp(value, "uart") == 0) {
		virtio_options.console_virtio = false;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int opt_bounce_pool(const char *value)
{
	uint64_t kib;
	int ret = parse_u64(value, DMA_POOL_MAX_SIZE / 1024, &kib);

	return ret < 0 ? ret : dma_pool_set_size((size_t)kib * 1024);
}

static int opt_timeout(const char *value)
{
	uint64_t ms;
	int ret = parse_u64(value, TIMEOUT_MAX_MS, &ms);

	if (ret == 0 && ms == 0) {
		ret = -ERANGE;
	}
	if (ret == 0) {
		timeout_ns = ms * NS_PER_MS;
	}
	return ret;
}

/* Applied before the console (boot/main.c); here only checked. */
static int opt_earlycon(const char *value)
{
	uint64_t base;

	return dt_earlycon_parse(value, &base);
}

static const struct {
	const char *key;
	const char *values;
	int (*set)(const char *value);
} known[] = {
	{ "dma", "direct|bounce", opt_dma },
	{ "bounce_pool", "<KiB>", opt_bounce_pool },
	{ "timeout", "<ms> per virtio request", opt_timeout },
	{ "irq", "auto|poll (poll: device interrupts off, completion polled)", opt_irq },
	{ "console", "uart|virtio (virtio: the shell on the first virtio console)", opt_console },
	{ "earlycon", "pl011,0x<address>", opt_earlycon },
};

static void apply_one(const char *key, const char *value)
{
	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		if (strcmp(key, known[i].key) != 0) {
			continue;
		}
		if (known[i].set(value) < 0) {
			printf("bootargs: %s=%s ignored (want %s=%s)\n", key, value, key,
			       known[i].values);
		}
		return;
	}
	printf("bootargs: unknown option %s=%s ignored\n", key, value);
}

static const char *bootargs(const void *fdt)
{
	int len;
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *args = chosen < 0 ? NULL : fdt_getprop(fdt, chosen, "bootargs", &len);

	if (args == NULL || len <= 0 || args[len - 1] != '\0') {
		return "";
	}
	return args;
}

static void report_parse_error(int ret, const char *bad)
{
	int len = (int)strcspn(bad, " \t\n");

	if (ret == -EINVAL) {
		printf("bootargs: \"%.*s\" ignored (options are key=value, then -- script)\n", len,
		       bad);
	} else {
		printf("bootargs: \"%.*s\" does not fit (at most %d options of 31=95 characters, "
		       "a script of 1023); ignored\n",
		       len, bad, BOOTOPT_MAX);
	}
}

uint64_t options_apply(const void *fdt, struct bootopts *opts)
{
	const char *bad = NULL;
	const char *args = bootargs(fdt);
	int ret = bootopt_parse(args, opts, &bad);

	printf("bootargs: \"%s\"\n", args);
	if (ret < 0) {
		report_parse_error(ret, bad);
	}
	for (unsigned i = 0; i < opts->count; i++) {
		apply_one(opts->opt[i].key, opts->opt[i].value);
	}
	return timeout_ns;
}
