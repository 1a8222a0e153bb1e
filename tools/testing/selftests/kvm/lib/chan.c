// SPDX-License-Identifier: GPL-2.0
/*
 * vmkit guest <-> host channel.
 *
 * The guest builds a struct vmk_msg in its memory and executes a 32-bit
 * OUT of the message's (identity-mapped) address to VMK_CHAN_PORT.  The
 * host sees KVM_EXIT_IO, reads the pointer from the kvm_run data area and
 * decodes the message from guest memory.
 */
#include "vmkit.h"

/* ---------------- guest side (runs inside the VM) ---------------- */

vmk_exc_handler vmk_guest_handlers[256];

void vmk_guest_msg(u32 kind, const char *file, u32 line, const char *expr,
		   const char *fmt, const u64 *args, u32 nargs)
{
	struct vmk_msg m;
	u32 i;

	m.kind = kind;
	m.line = line;
	m.file = (u64)(uintptr_t)file;
	m.expr = (u64)(uintptr_t)expr;
	m.fmt = (u64)(uintptr_t)fmt;
	m.nargs = nargs > VMK_MSG_MAX_ARGS ? VMK_MSG_MAX_ARGS : nargs;
	m.pad = 0;
	for (i = 0; i < VMK_MSG_MAX_ARGS; i++)
		m.args[i] = i < m.nargs ? args[i] : 0;
	vmk_guest_send(&m);
}

void vmk_guest_finish(void);
void vmk_guest_finish(void)
{
	vmk_guest_msg(VMK_MSG_DONE, __FILE__, __LINE__, 0, 0, 0, 0);
}

volatile u64 vmk_gp_count;

/* #GP from a 2-byte RDMSR or WRMSR (0F 32, 0F 30): count it, skip it. */
void vmk_gp_skip(struct vmk_exc_frame *f)
{
	f->rip += 2;
	vmk_gp_count++;
}

void vmk_guest_exception(struct vmk_exc_frame *f);
void vmk_guest_exception(struct vmk_exc_frame *f)
{
	u64 args[4], cr2;

	if (f->vector < 256 && vmk_guest_handlers[f->vector]) {
		vmk_guest_handlers[f->vector](f);
		return;
	}
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	args[0] = f->vector;
	args[1] = f->error_code;
	args[2] = f->rip;
	args[3] = cr2;
	for (;;) {
		vmk_guest_msg(VMK_MSG_EXCEPTION, __FILE__, __LINE__, 0,
			      "vector %lu error code 0x%lx rip 0x%lx cr2 0x%lx",
			      args, 4);
		guest_hlt();
	}
}

/* ---------------- host side ---------------- */

static const char *guest_str(struct vmk_vm *vm, u64 p)
{
	struct vmk_slot *s;
	int i;

	if (!p)
		return "";
	for (i = 0; i < VMK_MAX_SLOTS; i++) {
		s = &vm->slots[i];
		if (s->used && (s->id >> 16) == 0 && p >= s->gpa &&
		    p - s->gpa < s->size) {
			const char *h = (const char *)s->hva + (p - s->gpa);
			size_t max = s->size - (p - s->gpa);

			if (strnlen(h, max) == max)
				return "<unterminated guest string>";
			return h;
		}
	}
	return "<bad guest pointer>";
}

/* printf subset on guest data: %[-0 #][width][l/ll/h/z](d|i|u|x|X|p|c|s|%) */
static void format_msg(struct vmk_vm *vm, char *out, size_t outsz,
		       const char *fmt, const struct vmk_msg *m)
{
	size_t o = 0;
	u32 arg = 0;

	out[0] = 0;
	while (*fmt && o + 1 < outsz) {
		char spec[32];
		size_t sl = 0;
		u64 v;

		if (*fmt != '%') {
			out[o++] = *fmt++;
			out[o] = 0;
			continue;
		}
		spec[sl++] = *fmt++;
		while (*fmt && strchr("-0 #123456789", *fmt) && sl < 20)
			spec[sl++] = *fmt++;
		while (*fmt && strchr("lhz", *fmt))
			fmt++;
		if (!*fmt)
			break;
		v = arg < m->nargs ? m->args[arg] : 0;
		switch (*fmt) {
		case '%':
			out[o++] = '%';
			out[o] = 0;
			fmt++;
			continue;
		case 's':
			spec[sl++] = 's';
			spec[sl] = 0;
			o += snprintf(out + o, outsz - o, spec, guest_str(vm, v));
			break;
		case 'c':
			spec[sl++] = 'c';
			spec[sl] = 0;
			o += snprintf(out + o, outsz - o, spec, (int)v);
			break;
		case 'd':
		case 'i':
			spec[sl++] = 'l';
			spec[sl++] = 'l';
			spec[sl++] = 'd';
			spec[sl] = 0;
			o += snprintf(out + o, outsz - o, spec, (long long)v);
			break;
		case 'p':
			o += snprintf(out + o, outsz - o, "0x%llx",
				      (unsigned long long)v);
			break;
		default:	/* u x X and anything unknown */
			spec[sl++] = 'l';
			spec[sl++] = 'l';
			spec[sl++] = strchr("uxX", *fmt) ? *fmt : 'x';
			spec[sl] = 0;
			o += snprintf(out + o, outsz - o, spec,
				      (unsigned long long)v);
			break;
		}
		fmt++;
		arg++;
		if (o >= outsz)
			o = outsz - 1;
	}
}

struct vmk_msg *vmk_chan_msg(struct vmk_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 ptr;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != VMK_CHAN_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1)
		return NULL;
	memcpy(&ptr, (u8 *)run + run->io.data_offset, 4);
	/* Both ends of the message must be in guest memory. */
	vmk_gpa2hva(vcpu->vm, ptr + sizeof(struct vmk_msg) - 1);
	return vmk_gpa2hva(vcpu->vm, ptr);
}

u32 vmk_run_guest(struct vmk_vcpu *vcpu, u64 *val)
{
	return vmk_run_guest_hook(vcpu, val, NULL, NULL);
}

u32 vmk_run_guest_hook(struct vmk_vcpu *vcpu, u64 *val,
		       bool (*hook)(struct vmk_vcpu *vcpu, void *ctx), void *ctx)
{
	struct vmk_vm *vm = vcpu->vm;
	char text[1024];
	struct vmk_msg *m;
	int i;

	/* Bounded: a guest cannot keep us printing forever. */
	for (i = 0; i < 100000; i++) {
		vmk_run(vcpu);
		if (hook && hook(vcpu, ctx))
			continue;
		m = vmk_chan_msg(vcpu);
		if (!m) {
			vmk_skip_if_pvm_deviation(vcpu, "running the guest");
			vmk_dump(vcpu, "unexpected exit");
			vmk_fail_at(__FILE__, __LINE__,
				    "guest stopped with exit %s, not on the "
				    "vmkit channel",
				    vmk_exit_name(vcpu->run->exit_reason));
		}
		format_msg(vm, text, sizeof(text), guest_str(vm, m->fmt), m);
		switch (m->kind) {
		case VMK_MSG_PRINT:
			printf("# guest: %s\n", text);
			fflush(stdout);
			continue;
		case VMK_MSG_SYNC:
			if (val)
				*val = m->args[0];
			return VMK_MSG_SYNC;
		case VMK_MSG_DONE:
			return VMK_MSG_DONE;
		case VMK_MSG_ASSERT:
			vmk_fail_at(guest_str(vm, m->file), m->line,
				    "guest assertion '%s' failed: %s",
				    guest_str(vm, m->expr), text);
		case VMK_MSG_EXCEPTION:
			vmk_dump(vcpu, "guest exception");
			vmk_fail_at(__FILE__, __LINE__,
				    "unhandled guest exception: %s", text);
		default:
			vmk_fail_at(__FILE__, __LINE__,
				    "unknown guest message kind %u", m->kind);
		}
	}
	vmk_fail_at(__FILE__, __LINE__, "guest sent too many messages");
}

void vmk_run_to_done(struct vmk_vcpu *vcpu)
{
	u64 v = 0;
	u32 k = vmk_run_guest(vcpu, &v);

	VMK_CHECK(k == VMK_MSG_DONE, "guest sent SYNC(0x%llx) instead of DONE",
		  (unsigned long long)v);
}
