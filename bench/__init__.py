"""Benchmarks of autograd_mini against hand-written NumPy backprop (``make bench``)."""
