/* How device interrupts are wired (drivers/virtio/virtio_irq.c): SPI and INTx lines shared by
 * several devices, acknowledgement through the transport, configuration-change interrupts,
 * irq=poll, and release. The blk device model raises the fake controller's line whenever it
 * sets a bit in InterruptStatus, as a wired interrupt would. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/fake_irq.h"
#include "arch/irq.h"
#include "devmodel.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_mmio.h"

#define LINE 79u
#define TEST_TIMEOUT_NS (100ull * 1000 * 1000)

struct dev {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
};

static unsigned config_calls;

static void raise_line(void *ctx)
{
	(void)ctx;
	fake_irq_raise(LINE);
}

static void config_changed(struct virtio_device *vdev)
{
	(void)vdev;
	config_calls++;
}

static void dev_up(struct dev *d, int irq, bool pci)
{
	struct devmodel_config cfg = { .version = 2, .irq = raise_line };
	struct devmodel_blk_config blk = { .capacity = 64 };

	memset(d, 0, sizeof(*d));
	d->dm = devmodel_blk_create(&cfg, &blk);
	assert_non_null(d->dm);
	assert_int_equal(virtio_mmio_create(devmodel_base(d->dm), 0x200, &d->vdev), 0);
	d->vdev->plat.coherent = true;
	d->vdev->plat.irq = irq;
	d->vdev->plat.irq_edge = !pci;
	d->vdev->plat.pci = pci;
	d->vdev->timeout_ns = TEST_TIMEOUT_NS;
	assert_int_equal(virtio_irq_attach(d->vdev), 0);
	assert_int_equal(vblk_probe(d->vdev), 0);
	d->blk = vblk_get(vblk_count() - 1);
	virtio_irq_named(d->vdev);
}

static void dev_down(struct dev *d)
{
	virtio_irq_detach(d->vdev);
	vblk_remove(d->blk);
	virtio_mmio_destroy(d->vdev);
	devmodel_destroy(d->dm);
}

/* The fake controller's record of intid; NULL when it was never registered. */
static const struct arch_irq_info *source(unsigned intid)
{
	static struct arch_irq_info info[64];
	uint64_t spurious;
	unsigned n = arch_irq_stats(info, 64, &spurious);

	for (unsigned i = 0; i < n && i < 64; i++) {
		if (info[i].intid == intid) {
			return &info[i];
		}
	}
	return NULL;
}

static int reset(void **state)
{
	(void)state;
	fake_irq_reset();
	fake_irq_set_ready(true);
	virtio_options.irq_poll = false;
	return 0;
}

static void test_mmio_device_gets_its_spi_edge_named_after_it(void **state)
{
	uint8_t buf[512];
	struct dev d;

	(void)state;
	dev_up(&d, LINE, false);
	assert_int_equal(d.vdev->irq_mode, VIRTIO_IRQ_SPI);
	assert_non_null(source(LINE));
	assert_string_equal(source(LINE)->trigger, "edge");
	assert_string_equal(source(LINE)->name, "blk0");
	assert_int_equal(vblk_read(d.blk, 0, 1, buf), 0);
	assert_true(source(LINE)->count >= 1);
	/* The handler acknowledged it: nothing is left pending at the device. */
	assert_int_equal(devmodel_interrupt_status(d.dm), 0);
	dev_down(&d);
}

static void test_two_devices_share_a_line_and_both_are_acknowledged(void **state)
{
	uint8_t buf[512];
	struct dev a, b;

	(void)state;
	dev_up(&a, LINE, false);
	dev_up(&b, LINE, false);
	assert_string_equal(source(LINE)->name, "blk0,blk1");
	assert_int_equal(vblk_read(b.blk, 0, 1, buf), 0);
	assert_int_equal(vblk_read(a.blk, 0, 1, buf), 0);
	assert_int_equal(devmodel_interrupt_status(a.dm), 0);
	assert_int_equal(devmodel_interrupt_status(b.dm), 0);
	/* The line stays while one device uses it, and goes with the last. */
	virtio_irq_detach(a.vdev);
	assert_int_equal(a.vdev->irq_mode, VIRTIO_IRQ_POLL);
	assert_true(fake_irq_raise(LINE));
	virtio_irq_detach(b.vdev);
	assert_false(fake_irq_raise(LINE));
	dev_down(&a);
	dev_down(&b);
}

static void test_configuration_change_reaches_the_driver(void **state)
{
	struct dev d;

	(void)state;
	dev_up(&d, LINE, false);
	d.vdev->config_changed = config_changed;
	config_calls = 0;
	assert_int_equal(devmodel_blk_set_capacity(d.dm, 128), 0);
	assert_int_equal(d.vdev->config_changes, 1);
	assert_int_equal(config_calls, 1);
	assert_int_equal(devmodel_interrupt_status(d.dm), 0);
	dev_down(&d);
}

static void test_pci_device_without_msix_uses_level_intx(void **state)
{
	struct dev d;

	(void)state;
	dev_up(&d, 36, true);
	assert_int_equal(d.vdev->irq_mode, VIRTIO_IRQ_INTX);
	assert_string_equal(source(36)->trigger, "level");
	assert_string_equal(virtio_irq_mode_name(d.vdev->irq_mode), "intx");
	dev_down(&d);
}

static void test_poll_option_no_controller_or_no_line_mean_polling(void **state)
{
	uint8_t buf[512];
	struct dev d;

	(void)state;
	virtio_options.irq_poll = true;
	dev_up(&d, LINE, false);
	assert_int_equal(d.vdev->irq_mode, VIRTIO_IRQ_POLL);
	assert_null(source(LINE));
	assert_int_equal(vblk_read(d.blk, 0, 1, buf), 0); /* I/O still completes */
	dev_down(&d);
	virtio_options.irq_poll = false;

	fake_irq_set_ready(false);
	dev_up(&d, LINE, false);
	assert_int_equal(d.vdev->irq_mode, VIRTIO_IRQ_POLL);
	dev_down(&d);
	fake_irq_set_ready(true);

	dev_up(&d, -1, false);
	assert_int_equal(d.vdev->irq_mode, VIRTIO_IRQ_POLL);
	assert_string_equal(virtio_irq_mode_name(d.vdev->irq_mode), "poll");
	dev_down(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mmio_device_gets_its_spi_edge_named_after_it, reset),
		cmocka_unit_test_setup(test_two_devices_share_a_line_and_both_are_acknowledged,
				       reset),
		cmocka_unit_test_setup(test_configuration_change_reaches_the_driver, reset),
		cmocka_unit_test_setup(test_pci_device_without_msix_uses_level_intx, reset),
		cmocka_unit_test_setup(test_poll_option_no_controller_or_no_line_mean_polling,
				       reset),
	};

	return cmocka_run_group_tests_name("virtio_irq", tests, NULL, NULL);
}
