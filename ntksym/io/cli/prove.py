"""``ntksym prove``: run the bundled proofs, or your own proof files, and report.

    ntksym prove [PATHS ...] [-k PATTERN] [--report DIR] [--json] [--list]

Without PATHS it runs every proof of ``ntksym.proofs``; a PATH is a proof file or a directory
of them. It shows progress (rich on a terminal, one line per proof otherwise), then a table of
claim, method, result, error and time. The output ends with the line ``N passed, M failed``
(on stderr with ``--json``, whose stdout is one JSON document); the exit status is 1 if any
proof failed, else 0.
"""
from __future__ import annotations

import json
import sys

HELP = "run the proof-check scripts (bundled, or your own files) and report"


def add_arguments(parser):
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="proof files or directories of them (default: the bundled proofs)")
    parser.add_argument("-k", dest="pattern", default=None, metavar="PATTERN",
                        help="run only proofs whose name or claim contains PATTERN "
                             "(case-insensitive; a,b: either; 'not a': exclude)")
    parser.add_argument("--report", default=None, metavar="DIR",
                        help="write report.md, report.tex (+ report.pdf with pdflatex) and "
                             "plots/*.png into DIR")
    parser.add_argument("--no-plots", action="store_true",
                        help="with --report: leave out the plots")
    parser.add_argument("--json", action="store_true",
                        help="print the results as one JSON document on stdout")
    parser.add_argument("--list", action="store_true",
                        help="list the selected proofs and their claims without running them")


def _shorten(s, n):
    return s if len(s) <= n else s[: n - 1] + "…"


def _plain_table(results):
    rows = [("proof", "result", "error", "tol.", "time", "claim / method")]
    for r in results:
        rows.append((r.name, r.status, r.error_text, r.tolerance_text,
                     f"{r.time:.1f}s", _shorten(r.claim, 70) + "\n" + _shorten(r.method, 70)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for row in rows:
        first, *rest = row[5].split("\n")
        cells = "  ".join(c.ljust(w) for c, w in zip(row[:5], widths))
        lines.append(f"{cells}  {first}")
        pad = " " * (sum(widths) + 10)
        lines.extend(pad + s for s in rest)
    return "\n".join(lines)


def _rich_table(results):
    from rich.table import Table

    t = Table(show_lines=False, expand=True)
    cut = {"no_wrap": True, "overflow": "ellipsis"}
    for col, kw in (("proof", {"style": "bold", "no_wrap": True}),
                    ("claim", {"ratio": 3, "min_width": 16, **cut}),
                    ("method", {"ratio": 2, "min_width": 10, **cut}),
                    ("result", {"no_wrap": True}),
                    ("error", {"justify": "right", "no_wrap": True}),
                    ("time", {"justify": "right", "no_wrap": True})):
        t.add_column(col, **kw)
    for r in results:
        status = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
        t.add_row(r.name, _shorten(r.claim, 160), r.method, status,
                  f"{r.error_text} {'≤' if r.passed else '>'} {r.tolerance_text}"
                  if r.tolerance is not None else r.error_text, f"{r.time:.1f}s")
    return t


def _run_with_progress(proofs, tty, quiet):
    from ntksym.proving.runner import run_proofs

    if quiet:
        return run_proofs(proofs)
    if tty:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console()
        with Progress(TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("proving", total=len(proofs))

            def start(p, i):
                bar.update(task, description=f"proving {p.name}")

            def done(r, i):
                mark = "[green]✓[/green]" if r.passed else "[red]✗[/red]"
                console.print(f"{mark} {r.name} ({r.time:.1f} s)"
                              + ("" if r.passed else f": {r.message}"))
                bar.advance(task)

            return run_proofs(proofs, on_start=start, on_result=done)
    n = len(proofs)

    def done_plain(r, i):
        line = f"[{i + 1:>{len(str(n))}}/{n}] {r.status} {r.name} ({r.time:.1f} s)"
        print(line + ("" if r.passed else f": {r.message}"), flush=True)

    return run_proofs(proofs, on_result=done_plain)


def run(args):
    from ntksym.proving.runner import discover, select

    proofs = select(discover(args.paths), args.pattern)
    if not proofs:
        raise ValueError(f"no proof matches -k {args.pattern!r}" if args.pattern
                         else "no proofs found")
    if args.list:
        for p in proofs:
            print(f"{p.name}: {p.claim}")
        print(f"{len(proofs)} proofs")
        return 0
    tty = sys.stdout.isatty() and not args.json
    summary = _run_with_progress(proofs, tty, quiet=args.json)
    written = None
    if args.report:
        from ntksym.proving.report import write_report

        written = write_report(summary, args.report, plots=not args.no_plots)
    if args.json:
        record = summary.as_dict()
        if written:
            record["report"] = {k: (str(v) if not isinstance(v, dict) else
                                    {kk: str(vv) for kk, vv in v.items()})
                                for k, v in written.items()}
        print(json.dumps(record, indent=2))
        print(summary.line(), file=sys.stderr)
        return 0 if summary.ok else 1
    if tty:
        from rich.console import Console

        Console().print(_rich_table(summary.results))
    else:
        print(_plain_table(summary.results))
    if written:
        pdf = f", {written['pdf']}" if written["pdf"] else " (no pdflatex: no PDF)"
        print(f"report: {written['markdown']}, {written['latex']}{pdf}")
    print(f"wall time {summary.wall_time:.1f} s")
    print(summary.line())
    return 0 if summary.ok else 1
