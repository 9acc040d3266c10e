/* How a device's interrupts reach the driver: message-signalled (MSI-X, set up by the
 * transport), a wired line (a virtio-mmio SPI or PCI INTx, possibly shared by several devices)
 * or nothing (polling: `irq=poll`, no interrupt controller, or no usable line).
 *
 * Handlers only acknowledge: a line's handler reads each device's interrupt status, which
 * deasserts a level-triggered line, and passes configuration changes on. Drivers do their work
 * in their wait loops, not in interrupt context. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/irq.h"
#include "vireo/virtio.h"
#include "vireo/virtio_reg.h"

#define VIRTIO_IRQ_LINES 32
#define VIRTIO_IRQ_LINE_DEVICES 8
#define LINE_FREE UINT32_MAX /* a slot whose line was released */

/** A wired interrupt and the devices that raise it. */
struct virtio_irq_line {
	unsigned intid;
	unsigned count;
	struct virtio_device *devs[VIRTIO_IRQ_LINE_DEVICES];
	char name[40]; /* the devices' names, for `irq stats` */
};

static struct virtio_irq_line lines[VIRTIO_IRQ_LINES];
static unsigned line_count;

static const char *const mode_names[] = {
	[VIRTIO_IRQ_POLL] = "poll",
	[VIRTIO_IRQ_SPI] = "spi",
	[VIRTIO_IRQ_INTX] = "intx",
	[VIRTIO_IRQ_MSIX] = "msix",
};

const char *virtio_irq_mode_name(enum virtio_irq_mode mode)
{
	return (unsigned)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

void virtio_config_interrupt(struct virtio_device *vdev)
{
	vdev->config_changes++;
	if (vdev->config_changed != NULL) {
		vdev->config_changed(vdev);
	}
}

/** Reading the status acknowledges it (ISR) or is followed by InterruptACK (mmio). */
static void line_handler(void *arg)
{
	struct virtio_irq_line *line = arg;

	for (unsigned i = 0; i < line->count; i++) {
		struct virtio_device *vdev = line->devs[i];

		if (vdev->ops->irq_ack(vdev) & VIRTIO_IRQ_CONFIG) {
			virtio_config_interrupt(vdev);
		}
	}
}

static struct virtio_irq_line *line_find(unsigned intid)
{
	for (unsigned i = 0; i < line_count; i++) {
		if (lines[i].intid == intid) {
			return &lines[i];
		}
	}
	return NULL;
}

/** Adds vdev to the handler of its line, registering the line on first use. */
static int line_attach(struct virtio_device *vdev, enum irq_trigger trigger)
{
	unsigned intid = (unsigned)vdev->plat.irq;
	struct virtio_irq_line *line = line_find(intid);
	int ret;

	if (line == NULL) {
		line = line_find(LINE_FREE);
		if (line == NULL && line_count == VIRTIO_IRQ_LINES) {
			return -ENOSPC;
		}
		if (line == NULL) {
			line = &lines[line_count++];
			line->intid = LINE_FREE;
		}
		memset(line, 0, sizeof(*line));
		line->intid = LINE_FREE;
		snprintf(line->name, sizeof(line->name), "%s", vdev->transport_name);
		ret = arch_irq_register(intid, trigger, line->name, line_handler, line);
		if (ret < 0) {
			return ret;
		}
		line->intid = intid;
	}
	if (line->count == VIRTIO_IRQ_LINE_DEVICES) {
		return -ENOSPC;
	}
	line->devs[line->count++] = vdev;
	return 0;
}

int virtio_irq_attach(struct virtio_device *vdev)
{
	const char *why;
	int ret;

	vdev->irq_mode = VIRTIO_IRQ_POLL;
	if (virtio_options.irq_poll) {
		return 0;
	}
	if (!arch_irq_ready()) {
		return 0;
	}
	if (vdev->ops->msix_setup != NULL) {
		ret = vdev->ops->msix_setup(vdev);
		if (ret == 0) {
			vdev->irq_mode = VIRTIO_IRQ_MSIX;
			return 0;
		}
		if (ret != -ENODEV) {
			printf("%s: MSI-X not set up (%d): using INTx\n", vdev->transport_name,
			       ret);
		}
	}
	if (vdev->plat.irq < 0) {
		why = "no interrupt";
		ret = -ENOENT;
	} else {
		ret = line_attach(vdev, vdev->plat.irq_edge ? IRQ_TRIGGER_EDGE : IRQ_TRIGGER_LEVEL);
		why = "interrupt not registered";
	}
	if (ret < 0) {
		printf("%s: %s (%d): polling\n", vdev->transport_name, why, ret);
		return 0;
	}
	vdev->irq_mode = vdev->plat.pci ? VIRTIO_IRQ_INTX : VIRTIO_IRQ_SPI;
	return 0;
}

void virtio_irq_named(struct virtio_device *vdev)
{
	struct virtio_irq_line *line;
	size_t used;

	if (vdev->irq_mode == VIRTIO_IRQ_MSIX && vdev->ops->msix_named != NULL) {
		vdev->ops->msix_named(vdev);
		return;
	}
	if (vdev->irq_mode == VIRTIO_IRQ_POLL || vdev->name[0] == '\0') {
		return;
	}
	line = line_find((unsigned)vdev->plat.irq);
	if (line == NULL) {
		return;
	}
	/* The first device names the line; later ones are appended. */
	if (line->devs[0] == vdev) {
		line->name[0] = '\0';
	}
	used = strlen(line->name);
	snprintf(line->name + used, sizeof(line->name) - used, "%s%s", used ? "," : "", vdev->name);
}

void virtio_irq_detach(struct virtio_device *vdev)
{
	struct virtio_irq_line *line;
	unsigned long flags;
	unsigned i = 0;

	if (vdev->irq_mode != VIRTIO_IRQ_SPI && vdev->irq_mode != VIRTIO_IRQ_INTX) {
		vdev->irq_mode = VIRTIO_IRQ_POLL;
		return;
	}
	vdev->irq_mode = VIRTIO_IRQ_POLL;
	line = line_find((unsigned)vdev->plat.irq);
	if (line == NULL) {
		return;
	}
	while (i < line->count && line->devs[i] != vdev) {
		i++;
	}
	if (i == line->count) {
		return;
	}
	/* Off the list before the handler can look at it again. */
	flags = arch_irq_save();

	for (; i + 1 < line->count; i++) {
		line->devs[i] = line->devs[i + 1];
	}
	line->count--;
	if (line->count == 0) {
		/* The slot stays where it is: the controller may still hold its address. */
		arch_irq_unregister(line->intid);
		line->intid = LINE_FREE;
	}
	arch_irq_restore(flags);
}
