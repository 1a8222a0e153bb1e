// SPDX-License-Identifier: GPL-2.0
/*
 * The `make run` demo: a real-mode guest that greets through port 0xe9 and
 * then does port I/O exits in a loop. Prints what happened, and the mean
 * round trip of one exit to userspace (KVM_EXIT_IO and back into the guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_BASE	0x1000
#define MSG_PORT	0xe9
#define LOOP_PORT	0x10
#define LOOPS		2000

static const char greeting[] = "Hello from a real-mode guest\n";

/*
 *	mov $msg, %si; mov $len, %cx; mov $0xe9, %dx; cld; rep outsb
 *	mov $LOOPS, %cx
 * 1:	out %al, $0x10; loop 1b
 *	hlt
 * msg:	...
 */
static size_t build_guest(uint8_t *p)
{
	size_t n = 0, msg_at;
	uint16_t loops = LOOPS, len = sizeof(greeting) - 1, msg;

	p[n++] = 0xbe; n += 2;			/* mov $msg, %si (patched) */
	p[n++] = 0xb9; memcpy(p + n, &len, 2); n += 2;
	p[n++] = 0xba; p[n++] = MSG_PORT; p[n++] = 0;
	p[n++] = 0xfc;				/* cld */
	p[n++] = 0xf3; p[n++] = 0x6e;		/* rep outsb */
	p[n++] = 0xb9; memcpy(p + n, &loops, 2); n += 2;
	p[n++] = 0xe6; p[n++] = LOOP_PORT;	/* out %al, $0x10 */
	p[n++] = 0xe2; p[n++] = 0xfc;		/* loop back to the out */
	p[n++] = 0xf4;				/* hlt */
	msg_at = n;
	memcpy(p + n, greeting, len);
	n += len;
	msg = GUEST_BASE + msg_at;
	memcpy(p + 1, &msg, 2);
	return n;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

#define CHECK(c, what) do { if (!(c)) { perror(what); exit(1); } } while (0)

int main(void)
{
	int kvm, vm, vcpu, exits = 0, loops = 0, i;
	struct kvm_userspace_memory_region mem = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	double t0 = 0, t1 = 0;
	uint8_t *ram;
	size_t size;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	CHECK(kvm >= 0, "/dev/kvm");
	printf("KVM API version %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	CHECK(vm >= 0, "KVM_CREATE_VM");
	ram = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ram != MAP_FAILED, "mmap");
	build_guest(ram + GUEST_BASE);
	mem.memory_size = 0x10000;
	mem.userspace_addr = (uintptr_t)ram;
	CHECK(!ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mem), "SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	CHECK(vcpu >= 0, "KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	CHECK(run != MAP_FAILED, "mmap vcpu");

	CHECK(!ioctl(vcpu, KVM_GET_SREGS, &sregs), "GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	CHECK(!ioctl(vcpu, KVM_SET_SREGS, &sregs), "SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_BASE;
	regs.rflags = 2;
	CHECK(!ioctl(vcpu, KVM_SET_REGS, &regs), "SET_REGS");

	printf("guest says: ");
	for (;;) {
		CHECK(!ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
		exits++;
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason != KVM_EXIT_IO) {
			printf("\nunexpected exit reason %u\n", run->exit_reason);
			return 1;
		}
		if (run->io.port == MSG_PORT) {
			for (i = 0; i < (int)run->io.count; i++)
				putchar(((char *)run + run->io.data_offset)[i]);
		} else if (run->io.port == LOOP_PORT) {
			/* Time the loop from its first exit to its last. */
			if (!loops++)
				t0 = now_us();
			t1 = now_us();
		}
	}
	fflush(stdout);
	if (loops != LOOPS) {
		printf("expected %d loop exits, got %d\n", LOOPS, loops);
		return 1;
	}
	printf("%d exits handled (%d port I/O in the loop), then HLT\n", exits, loops);
	printf("port I/O exit round trip: %.1f us\n", (t1 - t0) / (loops - 1));
	return 0;
}
