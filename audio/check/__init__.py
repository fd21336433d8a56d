"""Hear what the listener hears: an edition transcribed sentence by sentence and compared with its text.

Takes an edition (its audio, its manifest, or the article whose last edition is meant) and a speech
recogniser (a Whisper model, through the optional faster-whisper). Gives a `CheckReport`: the word error
rate, every sentence with what was heard, and the words heard wrong again and again, each with a
lexicon line to try where one was found that the recogniser then hears right.

Modules: `run` (the orchestration, and the cache of what was heard), `sentences` (the manifest's
sentences), `recogniser` (the model), `compare` (word alignment after the project's own normalisation),
`report` (the findings), `suggest` (respellings tried on the edition's own voice).
"""

from audio.check.report import CheckReport
from audio.check.run import check

__all__ = ["check", "CheckReport"]
