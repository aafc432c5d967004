"""Clinical placement allocation: the domain (instance, allocation, reading, writing, checking).

This package never imports OR-Tools; the model lives in `solver`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("placement")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0+src"
