"""Suite-wide fixtures: the loopback fault injectors."""

from tests.faults.fixtures import *  # noqa: F403
