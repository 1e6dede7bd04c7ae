"""Tests of the load-test engine and the ``aioauthlete bench`` command."""
