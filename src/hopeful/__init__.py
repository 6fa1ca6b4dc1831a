"""hopeful: the Hopeful Towns research pipeline (fetch → prepare → score → reports)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hopeful")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
