/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The places of a BAR: where an offset lies relative to the MSI-X table and
 * PBA, at some page size.  The one definition, shared by the C library, the
 * tools and trapcount's BPF side (which is why it includes nothing).
 *
 * PLACES() lists each place once, with its name in the results files; the
 * enum and the names both come from it.
 */
#ifndef BARBENCH_PLACE_H
#define BARBENCH_PLACE_H

#define PLACES(X)						\
	X(PLACE_MSIX_TABLE, "msix-table")			\
	X(PLACE_MSIX_PBA, "msix-pba")				\
	/* shares a page with the table or PBA */		\
	X(PLACE_TABLE_PAGE, "table-page")			\
	X(PLACE_OTHER, "other")

#define PLACE_ENUM(id, name) id,
enum place {
	PLACES(PLACE_ENUM)
	PLACE_COUNT
};
#undef PLACE_ENUM

/* trapcount: an access whose place is not known (no MSI-X, another region). */
#define PLACE_NONE	PLACE_COUNT

#endif
