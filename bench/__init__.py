"""carebot's benchmarks: inbound throughput and latency, notice timing, scale.

Run with `make bench` (or `python -m bench`; `--smoke` for a few-second check). Every figure
is printed as a table and written as JSON to bench/results/, with the machine it ran on.
"""
