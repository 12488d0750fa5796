	/*
	 * If we aren't pinning then no problematic write can occur. Any writable
	 * pin is disallowed, long term or not, as writable_file_mapping_allowed()
	 * does for the slow path.
	 */
	if ((flags & (FOLL_PIN | FOLL_WRITE)) == (FOLL_PIN | FOLL_WRITE))
		reject_file_backed = true;
