	/*
	 * If we take neither a pin nor a reference then no problematic write can
	 * occur. A caller holding a reference can write to the folio after
	 * writeback has cleaned it just as a pinning caller can, so both are
	 * disallowed.
	 */
	if (!(gup_flags & (FOLL_PIN | FOLL_GET)))
		return true;
