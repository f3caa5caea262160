"""Serves MODULE:CALLABLE with bjoern on 127.0.0.1:PORT, for bench/python.sh.

bjoern has no command line of its own; this is the two lines one would write.
"""

import importlib
import sys

import bjoern

module, callable_name = sys.argv[1].split(":")
application = getattr(importlib.import_module(module), callable_name)
bjoern.run(application, "127.0.0.1", int(sys.argv[2]))
