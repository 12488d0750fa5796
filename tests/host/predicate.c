// SPDX-License-Identifier: GPL-2.0
/*
 * The GUP rule of a patched mm/gup.c, compiled on the host: the kernel's own
 * functions (writable_file_mapping_allowed() and gup_fast_folio_allowed()
 * from the patched mm/gup.c, vma_needs_dirty_tracking() and its helpers from
 * mm/vma.c, extracted by scripts/export/export_patch.py --predicate) against stub
 * types, over every combination of request and VMA (or folio) facts.
 * Prints the table that tests/host/policy_table.rs prints for src/policy.rs:
 *
 *   slow REQ VMA 0|1    refused by check_vma_flags()'s write test
 *   fast REQ FOLIO 0|1  allowed to stay on GUP-fast
 *
 * REQ bits: 1 write, 2 get, 4 pin, 8 longterm. VMA bits: 1 shared, 2 writable,
 * 4 anonymous, 8 pfnmap, 16 page_mkwrite, 32 can write back. FOLIO: anon,
 * shmem, file, hugetlb.
 */
#include <stdbool.h>
#include <stdio.h>

#define FOLL_WRITE	0x01
#define FOLL_GET	0x04
#define FOLL_LONGTERM	0x100
#define FOLL_PIN	0x40000
#define VM_WRITE	0x02
#define VM_SHARED	0x08
#define VM_PFNMAP	0x400
#define PAGE_MAPPING_ANON	0x1UL
#define PAGE_MAPPING_FLAGS	0x3UL
#define IS_ENABLED(x)	0
#define READ_ONCE(x)	(x)
#define WARN_ON_ONCE(x)	(x)
#define lockdep_assert_irqs_disabled() do { } while (0)

struct vm_operations_struct { int page_mkwrite, pfn_mkwrite; };
struct address_space { int can_writeback, shmem; };
struct file { struct address_space *f_mapping; };
struct vm_area_struct {
	unsigned long vm_flags;
	const struct vm_operations_struct *vm_ops;
	struct file *vm_file;
	bool anon;
};
struct folio { struct address_space *mapping; bool hugetlb, large; };

static bool vma_is_anonymous(struct vm_area_struct *vma) { return vma->anon; }
static bool mapping_can_writeback(struct address_space *m) { return m->can_writeback; }
static bool shmem_mapping(struct address_space *m) { return m->shmem; }
static bool secretmem_mapping(struct address_space *m) { return false; }
static bool folio_test_large(struct folio *f) { return f->large; }
static bool folio_test_slab(struct folio *f) { return false; }
static bool folio_test_hugetlb(struct folio *f) { return f->hugetlb; }

#include "predicate_gen.h"

int main(void)
{
	static const char *const kinds[] = { "anon", "shmem", "file", "hugetlb" };
	struct vm_operations_struct mkwrite = { 1, 0 }, plain = { 0, 0 };
	struct address_space can = { 1, 0 }, cannot = { 0, 0 }, shm = { 0, 1 };
	struct file fcan = { &can }, fcannot = { &cannot };
	int r, v, k;

	for (r = 0; r < 16; r++) {
		unsigned long flags = (r & 1 ? FOLL_WRITE : 0) | (r & 2 ? FOLL_GET : 0) |
				      (r & 4 ? FOLL_PIN : 0) | (r & 8 ? FOLL_LONGTERM : 0);

		for (v = 0; v < 64; v++) {
			struct vm_area_struct vma = {
				.vm_flags = (v & 1 ? VM_SHARED : 0) | (v & 2 ? VM_WRITE : 0) |
					    (v & 8 ? VM_PFNMAP : 0),
				.vm_ops = v & 16 ? &mkwrite : &plain,
				.vm_file = v & 32 ? &fcan : &fcannot,
				.anon = v & 4,
			};
			/* check_vma_flags(): if (write) { if (!vma_anon && !allowed) -EFAULT } */
			bool refused = (flags & FOLL_WRITE) && !vma_is_anonymous(&vma) &&
				       !writable_file_mapping_allowed(&vma, flags);

			printf("slow %d %d %d\n", r, v, refused);
		}
		for (k = 0; k < 4; k++) {
			/* An anonymous folio's mapping carries PAGE_MAPPING_ANON. */
			struct folio f = {
				.mapping = k == 0 ? (void *)((unsigned long)&can | PAGE_MAPPING_ANON) :
					   k == 1 ? &shm : &can,
				.hugetlb = k == 3, .large = k == 3,
			};

			printf("fast %d %s %d\n", r, kinds[k], gup_fast_folio_allowed(&f, flags));
		}
	}
	return 0;
}
