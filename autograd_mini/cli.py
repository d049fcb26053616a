"""The ``autograd-mini`` command line: ``demo``, ``gradcheck``, ``graph`` and ``grid``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def _demo(args: argparse.Namespace) -> int:
    from .examples.demo import main as demo_main

    return demo_main()


def _graph(args: argparse.Namespace) -> int:
    from .examples.pictures import write_example
    from .viz.render import GraphvizNotFoundError

    try:
        path = write_example(args.model, args.out, args.format)
    except GraphvizNotFoundError as err:
        print(f"autograd-mini graph: {err}", file=sys.stderr)
        return 1
    print(f"wrote the {args.model} example's graph to {path}")
    return 0


def _graph_example(value: str) -> str:
    """``--model``'s value; an old spelling fails with its new name."""
    from .examples.pictures import RENAMED

    if value in RENAMED:
        new = RENAMED[value]
        raise argparse.ArgumentTypeError(f"{value!r} is now called {new!r}: use --model {new}")
    return value


def _gradcheck(args: argparse.Namespace) -> int:
    from .cli_gradcheck import run, run_mutants

    try:
        if args.mutants:
            return run_mutants(args.op, quiet=args.quiet)
        return run(args.op, model=not args.op, quiet=args.quiet)
    except ValueError as err:
        print(f"autograd-mini gradcheck: {err}", file=sys.stderr)
        return 2


def _float_list(value: str) -> list[float]:
    """``--etas`` / ``--lambdas``: comma-separated positive numbers, e.g. ``1e-3,1e-2``."""
    try:
        values = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, e.g. 1e-3,1e-2; got {value!r}"
        ) from None
    if not values or any(not v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive numbers, e.g. 1e-3,1e-2; got {value!r}")
    return values


def _grid(args: argparse.Namespace) -> int:
    import os

    try:
        from .sklearn.grid import NOTES_ETAS, NOTES_LAMBDAS, grid_search, report
    except ImportError as err:
        print(f"autograd-mini grid: {err}", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    try:
        result = grid_search(
            epochs=args.epochs,
            etas=args.etas or NOTES_ETAS,
            lambdas=args.lambdas or NOTES_LAMBDAS,
            n_jobs=args.jobs,
            scheduler=args.scheduler,
        )
    except ImportError as err:
        print(f"autograd-mini grid: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the scheduler cannot be reached (TimeoutError is an OSError)
        print(
            f"autograd-mini grid: cannot reach the Dask scheduler at {args.scheduler}: {err}; start "
            f"one with `dask scheduler` and workers with `dask worker {args.scheduler}`",
            file=sys.stderr,
        )
        return 1
    csv_path = os.path.join(args.out, "grid.csv")
    png_path = os.path.join(args.out, "grid_heatmaps.png")
    result.to_csv(csv_path)
    result.plot(png_path)
    print(report(result))
    print(f"wrote {csv_path} and {png_path}")
    return 0


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive int, got {value!r}")
    return number


def _jobs(value: str) -> int:
    number = int(value)
    if number == 0 or number < -1:
        raise argparse.ArgumentTypeError(f"expected a positive int or -1 (every core), got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="autograd-mini",
        description="A small, transparent reverse-mode autodiff engine: demos and checks.",
    )
    parser.add_argument("--version", action="version", version=f"autograd-mini {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="run the main demo (the same as `make demo`)")
    demo.set_defaults(func=_demo)
    gradcheck = sub.add_parser(
        "gradcheck", help="check every op and the demo model against finite differences (exit 1 on failure)",
        description="Check the VJP of every registered op (on the cases of autograd_mini.checking.cases) "
        "and the demo MLP's gradients against central finite differences in float64; print a table and "
        "exit 1 if anything disagrees.",
    )
    gradcheck.add_argument(
        "--op", action="append", metavar="NAME",
        help="check only this op (repeatable; the demo model is then skipped), e.g. --op exp --op matmul",
    )
    gradcheck.add_argument("--quiet", action="store_true", help="print only failing rows and the summary")
    gradcheck.add_argument(
        "--mutants", action="store_true",
        help="check the checks: mutate every rule of each op (negate, scale, add, swap, drop a reduction) "
        "and print the kill table; exit 1 if a mutant survives every case",
    )
    gradcheck.set_defaults(func=_gradcheck)
    from .examples.pictures import EXAMPLES

    graph = sub.add_parser("graph", help="draw an example's computation graph to SVG or PNG")
    graph.add_argument("--out", required=True, help="the image file to write, e.g. graph.svg")
    graph.add_argument("--format", choices=("svg", "png"), help="default: from --out's suffix, else svg")
    graph.add_argument(
        "--model", type=_graph_example, choices=EXAMPLES, default="single-weight",
        help="single-weight: y = w·x, J = ½(y - y*)² at w = 0.95, x = 2, y* = 1 (default); "
        "mlp: the demo MLP with module clusters",
    )
    graph.set_defaults(func=_graph)
    grid = sub.add_parser(
        "grid", help="the lecture notes' grid search (learning rate × L2 strength) on the digits",
        description="Train the notes' digits MLP (50 logistic hidden units) for every learning rate "
        "and L2 strength of the grid (default 7 × 7: 1e-5 ... 10 each), serially, in --jobs processes "
        "or on a Dask cluster; write the heatmaps of train and test accuracy and a CSV to --out.",
    )
    grid.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                      help="worker processes (joblib, one BLAS thread each); -1: every core (default 1)")
    grid.add_argument("--scheduler", metavar="tcp://host:port",
                      help="run on the Dask cluster of this scheduler instead (needs the distributed extra)")
    grid.add_argument("--epochs", type=_positive_int, default=100, metavar="E",
                      help="epochs per fit (default 100, as in the notes)")
    grid.add_argument("--etas", type=_float_list, metavar="LIST",
                      help="learning rates, comma-separated (default 1e-5,1e-4,...,10)")
    grid.add_argument("--lambdas", type=_float_list, metavar="LIST",
                      help="L2 strengths, comma-separated (default 1e-5,1e-4,...,10)")
    grid.add_argument("--out", default="grid-output", metavar="DIR",
                      help="directory for grid.csv and grid_heatmaps.png (default grid-output)")
    grid.set_defaults(func=_grid)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
