"""Tests of the documentation: every snippet of README.md and docs/ runs (see plugin.py)."""
