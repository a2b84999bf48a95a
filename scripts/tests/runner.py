"""What the Python tests share: the result line that tests/run-all sums,
"NAME: N passed, M failed[, K skipped]", with a skip counted as a skip and
never as a pass; and the loading of a module that is not on the path (a
script without .py, lava/tests/lavasim.py).

The tests import the library as the scripts do (from barbench import ...),
with PYTHONPATH=scripts set by whoever runs them (tests/run-all, the
Makefile): `PYTHONPATH=scripts python3 scripts/tests/test_gate.py`.
"""
import importlib.machinery
import importlib.util
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(SCRIPTS)


def summary(name, passed, failed, skipped=0):
    """Print the result line; return the exit status: 1 if any failed."""
    line = f"{name}: {passed} passed, {failed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


def main(name):
    """Run the unittest cases of the calling file (or those named on its
    command line), print the result line and exit 1 if any failed."""
    result = unittest.main(exit=False, verbosity=0).result
    failed = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    for test, reason in result.skipped:
        print(f"SKIP: {test.id()}: {reason}")
    sys.exit(summary(name, result.testsRun - failed - skipped, failed,
                     skipped))


def load_file(name, path):
    """The module in the file at path, which need not end in .py."""
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def lavasim():
    """lava/tests/lavasim.py, the stand-in for LAVA's dispatcher and
    server that lava/'s own tests run as a command."""
    return load_file("lavasim", os.path.join(REPO, "lava", "tests",
                                             "lavasim.py"))
