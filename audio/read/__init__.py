"""Reading: where an article comes from and how it is read.

Takes a file (Markdown, plain text, a saved web page), a link, or text given in Python.
Gives an `Article` (title, metadata, sections) inside a `Source` that remembers where it came from.

Modules: `source` (the entry: open_source, read_article, parse_article), `article` (Markdown and text),
`webpage` (HTML), `fetch` (links, over audio.http).
"""
