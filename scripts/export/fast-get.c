	/*
	 * A caller holding a pin or a reference can write to the folio after
	 * writeback has cleaned it, as writable_file_mapping_allowed()
	 * explains: disallow any such write.
	 */
	if ((flags & FOLL_WRITE) && (flags & (FOLL_PIN | FOLL_GET)))
		reject_file_backed = true;
