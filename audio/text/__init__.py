"""German as it is said: what each sentence of a section is spoken as.

Takes an `Article`'s sections and the lexicons. Gives, per section, sentence-sized `Chunk`s with the
written text, the spoken text and the pause after each (`speech.SectionScript`). Pure string work.

Modules: `speech` (the entry: sections to chunks), `normalise` (numbers, dates, abbreviations, symbols),
`lexicon` (the user's `written = spoken` lines; data in lexicon.txt, acronyms.txt), `splitter` (sentences).
"""
