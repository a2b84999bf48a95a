"""The library of the scripts under scripts/ (the entry points: report, gate,
bundle, compare-report, matrix, overhead, qemu-client-report, lava-import).

  load         the one loader: run/1 and bundle/1 files, folders of them,
               comparison folders; InputError, OutputError, write_atomic,
               guard (how every script exits)
  status       the scripts' exit statuses
  stats        medians, bootstrap CIs, the Mann-Whitney U test
  runs         runs pooled per case, contrasts, environments, gate.conf
  render       numbers, units and tables as text
  compare      compare/1 (compare.json): the document written and read
  report       compare-report's report.md and report.txt
  charts       the gnuplot charts
  extras       hyperfine and perf stat output beside a comparison
  matrix       matrix/1: comparisons of several page sizes side by side
  qemu_client  vmm/1 (make vmm's vmm.json): written, read, and joined to a
               comparison
  lava         LAVA's results of a job, read back

The scripts find this package beside them (python puts a script's folder
first on sys.path); tests run with PYTHONPATH=scripts.
"""
