	/*
	 * If we aren't pinning then no problematic write can occur. A short term
	 * pin can be held across writeback just as a long term one can, so any
	 * pin is disallowed.
	 */
	if (!(gup_flags & FOLL_PIN))
		return true;
