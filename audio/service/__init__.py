"""The newsroom's audio desk: an HTTP API that builds an edition on every publish and every edit.

Takes: articles submitted over HTTP under the CMS's own id (`PUT /api/articles/{id}`, text or a
link, with voice options and metadata), the defaults of a build, and where editions are published.
Gives: one edition per id in the folder (named after the id, so a corrected headline stays the same
episode), a status object per id, the feed rewritten after each change, and webhooks.

- `store`: the accepted revisions on disk (fsynced before the API answers 202): the truth.
- `queue`: Huey's queue (SQLite embedded, or Redis for many machines) as a doorbell, and the lock that
  keeps two workers off one edition (a Redis lock renewed by its holder across machines).
- `worker`: builds an id's newest revision with the incremental build; coalesces; reconciles.
- `webhooks`: Standard Webhooks from an outbox on disk.
- `api`: the Starlette app (bearer token, JSON errors), `openapi`: its description.
- `desk`: what they share (settings, store, queue) and the status object.
"""
