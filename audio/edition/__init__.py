"""The edition: one article made into one audio file, rebuilding only what changed.

Takes a `Source`, the `BuildOptions` and a loaded voice. Gives the written audio and its `Manifest`,
the one record of an edition that everything published is derived from.

Modules in the order a build uses them: `options` (what a build is asked), `plan` (chunks and cache keys),
`cache` (the content-addressed store), `synthesis` (what the cache lacks), `assemble` (sections to audio),
`changes` (what differs from the previous edition), `manifest` (the record).
"""
