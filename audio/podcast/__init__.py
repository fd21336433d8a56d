"""Publishing: what is made from an edition's manifest, and how it reaches listeners.

Takes the `Manifest` and audio of an edition. Gives the files beside it (chapters JSON, WebVTT, SRT,
the player page), the edition put in place as a unit, the folder's RSS feed, and an HTTP server for it.

Modules: `publish` (staging and putting in place), `sidecars`, `transcript`, `page`, `feed`, `serve`.
"""
