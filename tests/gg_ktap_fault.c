// SPDX-License-Identifier: GPL-2.0
/*
 * gg_ktap_fault: a kselftest program that goes wrong on purpose, for
 * scripts/harness/selftest-harness.sh: the guest harness (tests/guest/lib.sh,
 * ktap_verdict) must turn each of these runs red and say why.
 *
 *   gg_ktap_fault bail|short|long|exit
 *
 * bail   bails out after one row (ksft_exit_fail_msg(), which prints totals)
 * short  plans 3 rows and runs 2, every one passing
 * long   plans and runs 4 rows, one more than tests/guest/plans.txt says
 * exit   runs its 3 rows, all passing, and exits 3
 */
#include <string.h>
#include "kselftest.h"

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	int i, plan = strcmp(how, "long") ? 3 : 4;

	ksft_print_header();
	ksft_set_plan(plan);
	for (i = 1; i <= plan; i++) {
		if (i == 2 && !strcmp(how, "bail"))
			ksft_exit_fail_msg("injected: a bail-out\n");
		if (i == 3 && !strcmp(how, "short"))
			break;
		ksft_test_result_pass("row %d\n", i);
	}
	if (!strcmp(how, "exit")) {
		ksft_print_cnts();
		return 3;
	}
	ksft_finished();
}
