"""The exit statuses of the Python scripts under scripts/.

Disjoint from the other languages' (docs/exit-statuses.md has the table of
all of them): 0 to 2 mean the same in every language, 3 to 39 are the C
tools', 40 to 49 these scripts' own, 50 to 59 the LAVA steps', 120 to 130
the shell harness's.  One line a status, NAME = NUMBER  # meaning: a test
holds docs/exit-statuses.md to these lines.
"""
SUCCESS = 0  # success
FAILED = 1  # the answer is no: the gate found a regression, a check failed
INVALID_INPUT = 2  # usage or invalid input; the message names file and member
NO_CHART = 40  # reports written, no chart drawn (gnuplot missing or failed)
OUTPUT_FAILED = 41  # output cannot be written; nothing left half-written
INTERNAL_ERROR = 49  # internal error (a bug); never 1, which means "regressed"
INTERRUPTED = 130  # interrupted (SIGINT), as in the shell harness
