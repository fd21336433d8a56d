"""The version of audio-edition, in one place (the package, the user agent and --version read it)."""

__version__ = "0.2.0"
