"""Benchmarks: taskapi under wrk beside its ceilings (the same SQL through pgbench, a hello-world)."""
