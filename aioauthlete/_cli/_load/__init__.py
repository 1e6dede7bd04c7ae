"""The load test of ``aioauthlete bench`` and the benchmarks: the engine (``_engine``),
what it reports (``_report``) and how a terminal shows that (``_render``).

Here rather than in the library's root because only the command line and the benchmarks
use it; ``import aioauthlete`` never loads it.
"""
