"""Serves MODULE:CALLABLE with bjoern on 127.0.0.1:PORT, for bench/python.sh.

bjoern has no command line of its own; this is the two lines one would write.
"""

import importlib
import os
import sys

import bjoern

# A script's own folder is first on sys.path, not the current directory, as it is for
# gunicorn and 09-python: put it there, so MODULE is found in python/apps.
sys.path.insert(0, os.getcwd())
module, callable_name = sys.argv[1].split(":")
application = getattr(importlib.import_module(module), callable_name)
bjoern.run(application, "127.0.0.1", int(sys.argv[2]))
