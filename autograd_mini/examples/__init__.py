"""Worked examples: the demo, the example graphs and the backpropagation written by hand.

``import autograd_mini`` does not import this package (nor does anything in the core):
it sits above the command line, which imports its modules only when a subcommand runs.

- :mod:`~autograd_mini.examples.demo`: ``make demo`` / ``autograd-mini demo``.
- :mod:`~autograd_mini.examples.pictures`: the graphs drawn by ``autograd-mini graph``
  and in ``docs/images``.
- :mod:`~autograd_mini.examples.handwritten`: backpropagation written by hand in NumPy,
  once, for the demo, the benchmark and the tests.
"""
