"""Benchmarks: plain scripts, run as ``python -m benchmarks.<name>`` (see README.md).

A package only so that the scripts share their small modules and the type checker sees
them; nothing here is installed or imported by the library.
"""
