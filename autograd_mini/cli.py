"""The ``autograd-mini`` command line: ``demo`` and the other subcommands."""

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
    from .cli_gradcheck import run

    try:
        return run(args.op, model=not args.op, quiet=args.quiet)
    except ValueError as err:
        print(f"autograd-mini gradcheck: {err}", file=sys.stderr)
        return 2


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
