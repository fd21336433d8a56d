"""The one exception type for failures a user can cause and fix."""


class EditionError(Exception):
    """A problem the user can act on; the CLI prints it as one line and exits 1."""
