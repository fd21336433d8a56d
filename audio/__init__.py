"""audio-edition: German news articles as chaptered podcast episodes."""

__version__ = "0.1.0"
