# SPDX-License-Identifier: GPL-2.0
"""Puts tools/testbed on the module path: the tests import the testbed's
modules as runner.py does."""

import os
import sys

TESTBED = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
FIXTURES = os.path.join(os.path.dirname(os.path.realpath(__file__)), "fixtures")
KDIR = "/usr/src/linux-headers-6.1.0-57-amd64"

if TESTBED not in sys.path:
	sys.path.insert(0, TESTBED)
