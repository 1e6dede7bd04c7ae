"""The Markdown documentation is collected as tests too: see tests/docs/plugin.py."""

pytest_plugins = ["tests.docs.plugin"]
