"""The OpenAPI 3.1 description of the API, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from audio.version import __version__


def document() -> dict[str, Any]:
    """Return the OpenAPI document of the API."""
    error = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    def answer(description: str) -> dict[str, Any]:
        return {**error, "description": description}

    article_id = {"name": "id", "in": "path", "required": True, "description": "The CMS's own id of the article.",
                  "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"}}
    status = {"description": "The article's status.",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}}
    refusals = {"400": answer("Bad JSON, id, format, engine, voice or field."), "401": answer("No or a wrong token."),
                "405": answer("Method not allowed.")}
    text_body = {"schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "audio-edition", "version": __version__,
                 "description": "Submit articles under your CMS's ids; each becomes an audio edition, rebuilt "
                                "(only what changed) on every update."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Submission": {
                    "type": "object", "additionalProperties": False,
                    "description": "Give either text (with its format) or url.",
                    "properties": {
                        "text": {"type": "string"}, "format": {"enum": ["markdown", "text", "html"]},
                        "url": {"type": "string", "format": "uri"},
                        "engine": {"enum": ["auto", "gtts", "espeak", "piper"]},
                        "voice": {"type": "string", "description": "A voice's name from the catalogue."},
                        "speed": {"type": "number", "minimum": 0.5, "maximum": 2.0},
                        "title": {"type": "string"}, "author": {"type": "string"}, "date": {"type": "string"},
                        "link": {"type": "string", "format": "uri"}, "image": {"type": "string", "format": "uri"},
                    },
                },
                "Chapter": {"type": "object", "properties": {"title": {"type": "string"}, "start": {"type": "number"},
                                                             "end": {"type": "number"}}},
                "Change": {"type": "object", "properties": {
                    "kind": {"enum": ["added", "removed", "changed", "renamed", "moved"]},
                    "title": {"type": "string"}, "old_title": {"type": ["string", "null"]}}},
                "Status": {
                    "type": "object",
                    "required": ["id", "revision", "status", "built_revision", "audio", "page", "duration", "chapters",
                                 "changes", "preview", "error", "updated"],
                    "properties": {
                        "id": {"type": "string"},
                        "revision": {"type": "integer", "description": "Grows with every accepted revision; never reused."},
                        "status": {"enum": ["queued", "building", "ready", "failed"]},
                        "built_revision": {"type": ["integer", "null"]},
                        "audio": {"type": ["string", "null"], "format": "uri"},
                        "page": {"type": ["string", "null"], "format": "uri"},
                        "duration": {"type": ["number", "null"], "description": "Seconds."},
                        "chapters": {"type": "array", "items": {"$ref": "#/components/schemas/Chapter"}},
                        "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
                        "preview": {"type": ["string", "null"], "format": "uri"},
                        "error": {"type": ["string", "null"]},
                        "updated": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/articles": {"get": {
                "summary": "Every article's status.", "operationId": "listArticles",
                "responses": {"200": {"description": "The articles.", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"articles": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Status"}}}}}}},
                    "401": refusals["401"]}}},
            "/api/articles/{id}": {
                "parameters": [article_id],
                "get": {"summary": "The article's status.", "operationId": "getArticle",
                        "responses": {"200": status, "400": refusals["400"], "401": refusals["401"],
                                      "404": answer("No such article.")}},
                "put": {"summary": "Submit or update an article.", "operationId": "putArticle",
                        "requestBody": {"required": True, "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Submission"}},
                            "text/markdown": text_body, "text/plain": text_body, "text/html": text_body}},
                        "responses": {"200": {**status, "description": "Nothing changed: nothing is rebuilt."},
                                      "202": {**status, "description": "A new revision was accepted and queued."},
                                      **refusals, "408": answer("The body did not arrive within 30 s."),
                                      "413": answer("The body is over 5 MB."),
                                      "415": answer("Not JSON, Markdown, plain text or HTML."),
                                      "503": answer("The queue is full; see Retry-After.")}},
                "delete": {"summary": "Delete the article, its edition and its feed entry.",
                           "operationId": "deleteArticle",
                           "responses": {"204": {"description": "Deleted."}, "401": refusals["401"],
                                         "404": answer("No such article.")}},
            },
            "/api/lexicon": {
                "get": {"summary": "The house pronunciation lexicon.", "operationId": "getLexicon",
                        "responses": {"200": {"description": "The lexicon file.", "content": {"text/plain": text_body}},
                                      "401": refusals["401"]}},
                "put": {"summary": "Replace the house lexicon; the articles whose spoken text it changes are built "
                                   "again.", "operationId": "putLexicon",
                        "requestBody": {"required": True, "content": {"text/plain": text_body}},
                        "responses": {"200": {"description": "Saved; the ids built again.", "content": {
                            "application/json": {"schema": {"type": "object", "properties": {"requeued": {
                                "type": "array", "items": {"type": "string"}}}}}}},
                            "400": answer("A line that is not `written = spoken`."), "401": refusals["401"],
                            "413": answer("Over 5 MB."), "415": answer("Not text/plain.")}},
            },
            "/api/health": {"get": {
                "summary": "Whether the queue's store answers; the queue's length and the workers seen.",
                "operationId": "health", "security": [],
                "responses": {"200": {"description": "Healthy.", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"ok": {"type": "boolean"}, "queue": {"type": ["integer", "null"]},
                                                     "workers": {"type": "array", "items": {"type": "string"}},
                                                     "store": {"type": "boolean"}}}}}},
                              "503": {"description": "The queue's store does not answer."}}}},
            "/api/openapi.json": {"get": {"summary": "This document.", "operationId": "openapi", "security": [],
                                          "responses": {"200": {"description": "The OpenAPI document."}}}},
        },
    }
