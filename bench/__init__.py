"""Benchmarks; run them from the repository root (``python -m bench.bench_ranking``)."""
