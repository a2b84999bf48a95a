# report-cases.awk: the test cases of one barbench run file (schema
# vfio-barbench/run/1), for lava/report-cases.  POSIX awk (busybox awk
# too): a LAVA board may have no python3, and barbench's JSON is all we
# read, so this parses JSON itself.
#
# Input: the run file.  -v set=NAME names its test set.
# Output, one record a line, fields split by "|":
#   S|SET                                   a test set starts
#   F|results-file|pass|||                  the file is a barbench run file
#   T|NAME|pass|MEDIAN|UNITS|               a timed case and its median
#   T|NAME|skip|||WHY                       a case the kernel refused (mmap)
#   F|NAME|pass or fail or skip|MEAS|UNITS|WHY   an exact fact
#   E                                       the set ends
# Exit 2, with a message on stderr, on anything but a barbench run file.
#
# A case's NAME is PLACE.REGISTER.OFFSET.OP.wWIDTH.PATH (REGISTER left out
# where the case has none); scripts/barbench/lava.py names cases the same
# way to check an import's measurements against its JSON.
# tests/test_awk_reader.py holds these records to the Python reader's on
# every committed run (docs/schemas.md describes run/1).

# ---- JSON, flattened into v[PATH] (PATH: "cases.3.median_ns") ----------

function path(   p, i) {
	p = key[1]
	for (i = 2; i <= depth; i++)
		p = p "." key[i]
	return p
}

function value(tok, kind,   p) {
	if (depth == 0)
		fail("not a JSON object")
	p = path()
	# Raw samples are many and never reported: not kept.
	if (p !~ /\.raw_ns\./) {
		v[p] = tok
		t[p] = kind
	}
}

function unescape(s) {
	gsub(/\\"/, "\"", s)
	gsub(/\\\\/, "\\", s)
	gsub(/\\\//, "/", s)
	return s
}

function fail(why) {
	printf "report-cases: %s: %s (line %d)\n", FILENAME, why, FNR > "/dev/stderr"
	bad = 1
	exit 2
}

{
	s = $0
	while (1) {
		sub(/^[ \t\r]+/, "", s)
		if (s == "")
			break
		c = substr(s, 1, 1)
		# Raw samples are many and never reported: a list of numbers on
		# one line, as barbench writes it, is passed over whole (cutting
		# a long line a token at a time costs its length each time).
		if (c == "\"" && depth > 0 && type[depth] == "o" && want_key[depth] &&
		    match(s, /^"raw_ns"[ \t]*:[ \t]*\[[-+0-9.eE, \t]*\]/)) {
			key[depth] = "raw_ns"
			want_key[depth] = 0
			s = substr(s, RLENGTH + 1)
			continue
		}
		if (c == "{" || c == "[") {
			if (depth > 0 && type[depth] == "o" && want_key[depth])
				fail("a value where a key was expected")
			depth++
			type[depth] = c == "{" ? "o" : "a"
			key[depth] = c == "{" ? "" : 0
			want_key[depth] = c == "{"
			s = substr(s, 2)
		} else if (c == "}" || c == "]") {
			if (depth == 0 || type[depth] != (c == "}" ? "o" : "a"))
				fail("unbalanced " c)
			depth--
			if (depth == 0)
				done = 1
			s = substr(s, 2)
		} else if (c == ",") {
			if (type[depth] == "a")
				key[depth]++
			else
				want_key[depth] = 1
			s = substr(s, 2)
		} else if (c == ":") {
			want_key[depth] = 0
			s = substr(s, 2)
		} else if (c == "\"") {
			if (!match(s, /^"([^"\\]|\\.)*"/))
				fail("unterminated string")
			tok = unescape(substr(s, 2, RLENGTH - 2))
			s = substr(s, RLENGTH + 1)
			if (depth > 0 && type[depth] == "o" && want_key[depth])
				key[depth] = tok
			else
				value(tok, "s")
		} else if (match(s, /^(-?[0-9][-+0-9.eE]*|true|false|null)/)) {
			value(substr(s, 1, RLENGTH), "l")
			s = substr(s, RLENGTH + 1)
		} else {
			fail("not JSON: '" substr(s, 1, 20) "'")
		}
	}
}

# ---- the cases ----------------------------------------------------------

function has(p) { return p in v }
function str(p) { return has(p) ? v[p] : "" }
# For the "|"-separated output: a reason may hold any text.
function clean(s) { gsub(/[|\n\r]/, "/", s); return s }

# A reason says why a case failed or was skipped: a pass gives none.
function out(kind, name, result, meas, units, why) {
	if (result == "pass")
		why = ""
	print kind "|" name "|" result "|" meas "|" units "|" clean(why)
}

# PLACE[.REGISTER].0xOFFSET.OP.wWIDTH.PATH, the path of a VMM profile's
# case as vmm-NAME (scripts/barbench/lava.py's case_name is the same).
function case_name(i,   c, reg, n, p) {
	c = "cases." i "."
	reg = str(c "register")
	gsub(/[^A-Za-z0-9_-]/, "_", reg)
	n = str(c "place")
	if (reg != "" && t[c "register"] == "s")
		n = n "." reg
	# Path vmm with the profile in "vmm" (barbench's file), or already
	# vmm:NAME (a run kept in a bundle, as the Python loader labels it).
	p = str(c "path")
	if (p == "vmm" && t[c "vmm"] == "s")
		p = p ":" str(c "vmm")
	gsub(/:/, "-", p)
	return n "." sprintf("0x%04x", str(c "offset")) "." str(c "op") ".w" \
		str(c "width") "." p
}

# The value a read returns when the kernel masks the MSI-X table: all
# 0xff bytes.  barbench writes an 8-byte value as a signed 64-bit number.
function all_ones(val, width) {
	if (width == 8)
		return val == "-1" || val == "18446744073709551615"
	# No "^": busybox awk may be built without math support.
	return val == (width == 1 ? "255" : width == 2 ? "65535" : "4294967295")
}

END {
	if (bad)
		exit 2
	if (!done)
		fail("truncated JSON: the document never closes")
	if (str("schema") != "vfio-barbench/run/1")
		fail("schema '" str("schema") "', not vfio-barbench/run/1: not a barbench run file")
	if (!has("device.address") || !has("cases.0.path"))
		fail("no device.address or no cases")
	# LAVA splits a result line at spaces, so a unit is one word: the
	# short name scripts/barbench/render.py and barbench's progress lines
	# use.
	units = str("provenance.clock.kind") == "icount" ? "insns" : "ns"

	print "S|" set
	out("F", "results-file", "pass", "", "", "")
	out("F", "complete", str("complete") == "true" ? "pass" : "fail", "", "",
	    "complete is " str("complete") ": an interrupted (partial) run")
	if (has("traps.lost"))
		out("F", "traps.lost-none", str("traps.lost") == "0" ? "pass" : "fail",
		    str("traps.lost"), "events", str("traps.lost") " trap events lost: counts not exact")
	for (b = 0; has("device.bars." b ".index"); b++) {
		p = "device.bars." b "."
		bar = "bar" str(p "index")
		out("F", bar ".msix-mappable", str(p "msix_mappable") == "true" ? "pass" : "fail",
		    "", "", "no MSIX_MAPPABLE capability")
		if (has(p "whole_bar_mmap"))
			out("F", bar ".whole-bar-mmap", str(p "whole_bar_mmap") == "ok" ? "pass" : "fail",
			    "", "", "whole-BAR mmap: " str(p "whole_bar_mmap"))
	}
	table_reads = 0
	table_masked = 1
	for (i = 0; has("cases." i ".path"); i++) {
		c = "cases." i "."
		name = case_name(i)
		if (has(c "skipped") && t[c "skipped"] == "s") {
			out("T", name, "skip", "", "", str(c "skipped"))
			continue
		}
		out("T", name, "pass", str(c "median_ns"), units, "")
		if (has(c "traps.bar") && has(c "trap_pass_accesses")) {
			n = str(c "trap_pass_accesses") + 0
			trapped = str(c "traps.bar") + 0
			want = str(c "route") == "fd" ? n : 0
			frac = n > 0 ? sprintf("%.6g", trapped / n) : "0"
			out("F", name ".traps", trapped == want && n > 0 ? "pass" : "fail",
			    frac, "fraction", trapped "/" n " accesses trapped, through route " \
			    str(c "route") ": expected " want)
		}
		if (has(c "restored"))
			out("F", name ".restored", str(c "restored") == "true" ? "pass" : "fail",
			    "", "", "the register did not hold its value after the writes")
		if (str(c "place") == "msix-table" && str(c "path") == "fd" &&
		    str(c "op") == "read" && has(c "value")) {
			table_reads++
			if (!all_ones(str(c "value"), str(c "width") + 0))
				table_masked = 0
		}
	}
	if (table_reads)
		out("F", "msix-table.fd-masked", table_masked ? "pass" : "fail",
		    "", "", "an fd read of the MSI-X table returned the entry, not 0xff bytes")
	else
		out("F", "msix-table.fd-masked", "skip", "", "", "no fd read of the MSI-X table in this run")
	print "E"
}
