"""Sound: everything done to audio, below the voices that make it.

Takes `clip.Speech` (mono PCM and its rate) from the voices. Gives encoded sections at the target
loudness, joined into one file with tags, cover and chapters. Every ffmpeg call goes through `ffmpeg`.

Modules: `clip` (the Speech type), `formats` (the one table of audio formats), `ffmpeg` (the one door to it),
`render` (pauses, encoding, joining), `loudness` (EBU R128 measuring and gain), `export` (tags, chapters, cover).
"""
