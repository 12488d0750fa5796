// SPDX-License-Identifier: GPL-2.0
/*
 * What the trampolines (tramp.S) call: plain facts for the Rust side, and
 * what its verdicts mean for the hooked call. Runs wherever GUP runs, NMI
 * included for GUP-fast: no sleeping, no allocation, no locks.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/backing-dev.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>
#include <linux/timekeeping.h>
#include <asm/ptrace.h>

#include "internal.h"		/* mm/internal.h: FOLL_PIN and friends */
#include "shim.h"

#define CREATE_TRACE_POINTS
#include "gupguard_trace.h"

/* Each request bit and the gup_flags bit it stands for: one table, both ways. */
static const struct {
	unsigned int foll;
	u32 req;
} gg_req_map[] = {
	{ FOLL_WRITE, GG_REQ_WRITE },
	{ FOLL_GET, GG_REQ_GET },
	{ FOLL_PIN, GG_REQ_PIN },
	{ FOLL_LONGTERM, GG_REQ_LONGTERM },
	{ FOLL_FORCE, GG_REQ_FORCE },
	{ FOLL_REMOTE, GG_REQ_REMOTE },
	{ FOLL_FAST_ONLY, GG_REQ_FAST_ONLY },
};

static u32 gg_req_bits(unsigned long gup_flags)
{
	u32 req = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gg_req_map); i++)
		if (gup_flags & gg_req_map[i].foll)
			req |= gg_req_map[i].req;
	return req;
}

/* The FOLL_* bits of GG_REQ_* bits: what the trampolines test. */
unsigned int gg_foll_bits(u32 req)
{
	unsigned int foll = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gg_req_map); i++)
		if (req & gg_req_map[i].req)
			foll |= gg_req_map[i].foll;
	return foll;
}

/*
 * The vm_flags every VMA some scope would refuse a request on has
 * (gg_rs_slow_vma_need(): VM_SHARED and VM_WRITE): gg_slow_enter() sends on
 * a call on any other VMA before it asks Rust. Only the bits that are plain
 * vm_flags are tested; any other needed fact is left to the decision.
 */
static vm_flags_t gg_slow_vm_need;

void gg_slow_vma_need_set(u32 vma_bits)
{
	vm_flags_t need = 0;

	if (vma_bits & GG_VMA_SHARED)
		need |= VM_SHARED;
	if (vma_bits & GG_VMA_WRITE)
		need |= VM_WRITE;
	WRITE_ONCE(gg_slow_vm_need, need);
}

/*
 * Called back from gg_rs_slow(), inside gg_slow_enter(): the caller of
 * check_vma_flags() holds the mmap or VMA lock, so the VMA is stable.
 */
u32 gg_shim_vma_bits(const void *vma_ref)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)vma_ref;
	const struct vm_operations_struct *ops = vma->vm_ops;
	struct address_space *mapping;
	vm_flags_t flags = vma->vm_flags;
	u32 bits = 0;

	if (flags & VM_SHARED)
		bits |= GG_VMA_SHARED;
	if (flags & VM_WRITE)
		bits |= GG_VMA_WRITE;
	if (flags & VM_PFNMAP)
		bits |= GG_VMA_PFNMAP;
	if (vma_is_anonymous(vma))
		bits |= GG_VMA_ANON;
	if (ops && (ops->page_mkwrite || ops->pfn_mkwrite))
		bits |= GG_VMA_WRITENOTIFY_OPS;
	mapping = vma->vm_file ? vma->vm_file->f_mapping : NULL;
	if (mapping && mapping_can_writeback(mapping))
		bits |= GG_VMA_CAN_WRITEBACK;
	return bits;
}

/* Called back from gg_rs_slow(), inside gg_slow_enter(): vma is still stable. */
void gg_shim_slow_details(const void *vma_ref, struct gg_slow_details *d)
{
	const struct vm_area_struct *vma = vma_ref;

	d->time_ns = ktime_get_mono_fast_ns();
	d->pid = task_pid_nr(current);
	d->uid = from_kuid_munged(&init_user_ns, current_uid());
	strscpy(d->comm, current->comm, sizeof(d->comm));
	if (vma->vm_file) {
		struct inode *inode = file_inode(vma->vm_file);

		strscpy(d->fstype, inode->i_sb->s_type->name, sizeof(d->fstype));
		d->dev = inode->i_sb->s_dev;
		d->ino = inode->i_ino;
	}
}

/*
 * check_vma_flags(vma, gup_flags), the slow path, once per VMA: only flag
 * tests here; Rust asks for the rest (gg_shim_vma_bits(),
 * gg_shim_slow_details()) when it needs it. ret and bp: the hooked call's
 * return address into check_vma_flags() and its rbp, where gg_shim_caller()
 * starts unwinding. A refused call gets
 * -EFAULT from the trampoline in place of the function's own answer, as
 * upstream's check gives.
 */
int gg_slow_enter(struct vm_area_struct *vma, unsigned long gup_flags,
		  const unsigned long *ret, unsigned long bp)
{
	vm_flags_t need = READ_ONCE(gg_slow_vm_need);
	struct gg_site site = { .ret = ret, .bp = bp };
	struct gg_slow_facts facts = {
		.req = gg_req_bits(gup_flags),
		.gup_flags = gup_flags,
		.vma_ref = vma,
		.site_ref = &site,
	};
	int verdict;

	if ((vma->vm_flags & need) != need)
		return 0;
	verdict = gg_rs_slow(&facts);
	if (verdict == GG_SLOW_ALLOW)
		return 0;
	trace_gupguard_verdict(vma, gup_flags, verdict == GG_SLOW_REFUSE);
	pr_info_ratelimited("%s: writable GUP of %pD by %s[%d], gup_flags %#lx\n",
			    verdict == GG_SLOW_REFUSE ? "refused" : "audit: would refuse",
			    vma->vm_file, current->comm, task_pid_nr(current), gup_flags);
	return verdict == GG_SLOW_REFUSE ? -EFAULT : 0;
}

/*
 * GUP-fast (gup_fast(start, end, gup_flags, pages); lockless_pages_from_mm()
 * before 6.10) pins without a VMA to look at. Upstream judges each folio it
 * pins there (gup_fast_folio_allowed()) and stops at one of a file that is
 * not shmem or hugetlb: the caller takes the rest from the slow path, where
 * check_vma_flags() sees the VMA. The trampoline does the same around the
 * function: gg_fast_enter() asks the policy which folios a call may keep,
 * gg_fast_exit() looks at what the call pinned. Anonymous, shmem and hugetlb
 * memory stay on GUP-fast.
 */
u32 gg_fast_enter(unsigned int gup_flags)
{
	return gg_rs_fast(gg_req_bits(gup_flags));
}

/* What the policy needs to know of one folio GUP-fast pinned. */
static u32 gg_folio_bits(struct folio *folio)
{
	struct address_space *mapping;
	unsigned long flags;

	if (folio_test_hugetlb(folio))
		return GG_FOLIO_HUGETLB;
	/* Read once: truncation can clear it under us (then it is neither). */
	mapping = READ_ONCE(folio->mapping);
	flags = (unsigned long)mapping & PAGE_MAPPING_FLAGS;
	if (flags)
		return flags & PAGE_MAPPING_ANON ? GG_FOLIO_ANON : 0;
	return mapping && shmem_mapping(mapping) ? GG_FOLIO_SHMEM : 0;
}

/* The keep-mask bits of every combination of GG_FOLIO_* bits with ANON in it. */
#define GG_COMBOS_WITH_ANON	0xaaU

/* The pages GUP-fast pinned, up to the first folio keep does not keep. */
unsigned long gg_fast_exit(unsigned long nr, struct page **pages,
			   unsigned int gup_flags, u32 keep)
{
	struct folio *folio, *judged = NULL;
	unsigned long i = 0, j;

	BUILD_BUG_ON(GG_FOLIO_ANON != 1);
	/*
	 * Most pins are of anonymous memory. Where the mask keeps every kind of
	 * anonymous folio, the run of them at the start needs one test a page
	 * and nothing of the mapping but its flag bits.
	 */
	if ((keep & GG_COMBOS_WITH_ANON) == GG_COMBOS_WITH_ANON)
		while (i < nr && folio_test_anon(page_folio(pages[i])))
			i++;
	if (i == nr)
		return nr;
	/*
	 * The pins keep the folios; a truncated folio's mapping, an inode, is
	 * freed only after an RCU grace period (what GUP-fast's disabled
	 * interrupts give upstream's check).
	 */
	rcu_read_lock();
	for (; i < nr; i++) {
		folio = page_folio(pages[i]);
		if (folio == judged)
			continue;	/* the next page of a large folio */
		if (!(keep & BIT(gg_folio_bits(folio))))
			break;
		judged = folio;
	}
	rcu_read_unlock();
	if (i == nr)
		return nr;
	if (gup_flags & FOLL_PIN)
		unpin_user_pages(pages + i, nr - i);
	else
		for (j = i; j < nr; j++)
			put_page(pages[j]);
	gg_rs_fast_cut();
	return i;
}
