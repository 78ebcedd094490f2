"""Benchmarks and fault runs (``make bench``: ``python -m bench.run_all``; ``make faults``:
``python -m bench.faults``). See bench/README.md."""
