"""The API described by hand as an OpenAPI 3.1 document, served at /api/v1/openapi.json.

Written out rather than generated, so it says what the API promises and not
merely what the code happens to do; tests/web/test_api.py checks that every
route is described.
"""

from __future__ import annotations

from typing import Any

HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
KEY_ID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}$",
    "description": "signed-note key ID: a 32-bit hint for matching signature lines, "
    "never an identity",
}
FINGERPRINT = {
    "type": "string",
    "pattern": "^[0-9a-f]{64}$",
    "description": "an author's identity: SHA-256 of the raw 32-byte Ed25519 public key, hex",
}
AUTHOR_IDENTITY = {
    "type": "object",
    "required": ["key", "fingerprint", "key_id", "name"],
    "properties": {
        "key": {"type": "string", "description": "verifier key name+id+base64"},
        "fingerprint": FINGERPRINT,
        "key_id": KEY_ID,
        "name": {"type": "string", "description": "the key's name: a label, not an identity"},
    },
}
KNOWN_KEY = {
    "type": "object",
    "required": ["fingerprint", "key", "name"],
    "properties": {
        "fingerprint": FINGERPRINT,
        "key": {"type": "string"},
        "name": {"type": "string"},
    },
}
TIME = {"type": "string", "format": "date-time", "description": "RFC 3339 UTC, as signed"}
REFERS = {
    "type": "array",
    "items": {"type": "string", "pattern": "^(leaf|text):[0-9a-f]{64}$"},
    "description": "an earlier statement by leaf hash, or an outside text by its hash",
}
KIND = {
    "type": "string",
    "enum": [
        "declaration", "testimony", "denial", "correction",
        "retraction", "vouch", "key-rotation", "withholding",
        "profile", "revocation", "recovery", "contacts",
        "social-recovery", "device", "device-revocation",
    ],
}  # fmt: skip


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}
INDEX = {"name": "index", "in": "path", "required": True, "schema": {"type": "integer"}}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "what to do about it"}},
    },
    "Published": {
        "type": "object",
        "required": ["index", "leaf_hash", "checkpoint", "bundle_url"],
        "properties": {
            "index": {"type": "integer", "minimum": 0},
            "leaf_hash": HEX64,
            "checkpoint": {
                "type": "string",
                "description": "the log's signed checkpoint (C2SP tlog-checkpoint), covering index",
            },
            "bundle_url": {"type": "string"},
        },
    },
    "Media": {
        "type": "object",
        "required": ["sha256", "type", "size"],
        "properties": {"sha256": HEX64, "type": {"type": "string"}, "size": {"type": "integer"}},
    },
    "Uploaded": {
        "type": "object",
        "description": "a cleaned file, kept at /media/{sha256}: sign its sha256, type and size",
        "required": [
            "sha256",
            "type",
            "size",
            "width",
            "height",
            "removed",
            "removed_on_device",
            "preview_url",
            "url",
        ],
        "additionalProperties": False,
        "properties": {
            "sha256": HEX64,
            "type": {"type": "string", "description": "the cleaned file's media type"},
            "size": {"type": "integer", "description": "the cleaned file's bytes"},
            "width": {"type": "integer", "description": "as displayed (rotation applied)"},
            "height": {"type": "integer", "description": "as displayed (rotation applied)"},
            "removed": {
                "type": "array",
                "description": "what the upload carried and the cleaned file does not, "
                "most sensitive first; the values are never sent back",
                "items": {
                    "type": "object",
                    "required": ["field", "label"],
                    "additionalProperties": False,
                    "properties": {
                        "field": {"type": "string", "description": "exiftool group:name"},
                        "label": {"type": "string", "description": "in the Accept-Language"},
                    },
                },
            },
            "removed_on_device": {
                "type": "array",
                "description": "what the sender says it removed before uploading (the "
                "write page re-encodes photos in the browser), from the "
                "Firsthand-Removed-On-Device header: its known labels, translated, in the "
                "same order as `removed`; unknown ones are dropped. Empty when the header is "
                "absent. The server does not rely on it: it cleans every upload itself",
                "items": {
                    "type": "object",
                    "required": ["label"],
                    "additionalProperties": False,
                    "properties": {
                        "label": {"type": "string", "description": "in the Accept-Language"},
                    },
                },
            },
            "preview_url": {
                "type": "string",
                "description": "the rendition, for the uploader only, for an hour; "
                "public once a logged statement lists the file",
            },
            "url": {"type": "string", "description": "the cleaned file, likewise"},
        },
    },
    "Statement": {
        "type": "object",
        "required": [
            "index",
            "leaf_hash",
            "author",
            "kind",
            "lang",
            "time",
            "body",
            "refers",
            "media",
            "head",
        ],
        "properties": {
            "index": {"type": "integer"},
            "leaf_hash": HEX64,
            "author": AUTHOR_IDENTITY,
            "kind": KIND,
            "lang": {"type": "string", "description": "BCP 47 tag"},
            "time": TIME,
            "body": {
                "type": ["string", "null"],
                "description": "the author's text, as signed; not HTML. null when withheld",
            },
            "withheld": {
                "oneOf": [{"type": "null"}, _ref("Withholding")],
                "description": "the operator's logged notice, shown in place of the body",
            },
            "stolen_key": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["since", "by_index", "message"],
                        "properties": {
                            "since": {"type": "integer"},
                            "by_index": {"type": "integer"},
                            "message": {"type": "string"},
                        },
                    },
                ],
                "description": "set when the author reported this key stolen or lost before "
                "the statement was logged: it may not be the author's",
            },
            "device_of": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["identity_fingerprint", "device_fingerprint"],
                        "properties": {
                            "identity_fingerprint": FINGERPRINT,
                            "device_fingerprint": FINGERPRINT,
                        },
                    },
                ],
                "description": "set when a device key signed it: the identity key that added "
                "the device (docs/recovery.md, Devices), whose statement it is shown as",
            },
            "refers": REFERS,
            "media": {"type": "array", "items": _ref("Media")},
            "head": {"type": "string", "description": "the signed head: the log entry"},
        },
    },
    "Withholding": {
        "type": "object",
        "required": ["date", "reason", "notice_index", "notice_leaf_hash", "operator_key"],
        "properties": {
            "date": {"type": "string", "format": "date"},
            "reason": {"type": "string"},
            "notice_index": {"type": "integer", "description": "the notice's own log index"},
            "notice_leaf_hash": HEX64,
            "operator_key": {"type": "string", "description": "the operator's verifier key"},
            "message": {"type": "string", "description": "withheld by the operator on ...: ..."},
        },
    },
    "Summary": {
        "type": "object",
        "required": ["index", "leaf_hash", "kind", "lang", "time", "refers"],
        "properties": {
            "index": {"type": "integer"},
            "leaf_hash": HEX64,
            "kind": KIND,
            "lang": {"type": "string"},
            "time": TIME,
            "refers": REFERS,
            "new_key": {"type": ["string", "null"], "description": "key rotations only"},
            "new_key_fingerprint": {**FINGERPRINT, "description": "key rotations only"},
            "two_way": {
                "type": "boolean",
                "description": "key rotations only: signed by the new key too; a one-way "
                "rotation is never followed",
            },
            "author": {**AUTHOR_IDENTITY, "description": "vouches and rotations received only"},
        },
    },
    "Author": {
        "type": "object",
        "required": [
            "fingerprint",
            "keys",
            "statements",
            "denials",
            "vouches_received",
            "rotations",
            "successors",
            "predecessor",
            "look_alikes",
            "rotations_received",
        ],
        "properties": {
            "fingerprint": FINGERPRINT,
            "profile": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["name", "bio", "lang", "index", "withheld"],
                        "properties": {
                            "name": {"type": "string", "description": "the signed display name"},
                            "bio": {"type": ["string", "null"], "description": "null if withheld"},
                            "lang": {"type": "string"},
                            "index": {"type": "integer"},
                            "withheld": {"type": "boolean"},
                        },
                    },
                ],
                "description": "the author's newest signed profile (kind profile), if any",
            },
            "keys": {"type": "array", "items": {"type": "string"}},
            "statements": {
                "type": "array",
                "items": _ref("Summary"),
                "description": "newest first",
            },
            "denials": {"type": "array", "items": _ref("Summary")},
            "vouches_received": {"type": "array", "items": _ref("Summary")},
            "rotations": {"type": "array", "items": _ref("Summary")},
            "successors": {
                "type": "array",
                "items": FINGERPRINT,
                "description": "keys this key rotated to in two-way rotations, in order; "
                "their later statements are merged into this page",
            },
            "predecessor": {
                "oneOf": [{"type": "null"}, FINGERPRINT],
                "description": "the key whose followed rotation handed over to this one",
            },
            "look_alikes": {
                "type": "array",
                "description": "other keys here whose key or display names look like this "
                "author's (Unicode TR39 skeletons)",
                "items": {
                    "type": "object",
                    "required": ["fingerprint", "name", "looks_like"],
                    "properties": {
                        "fingerprint": FINGERPRINT,
                        "name": {"type": "string"},
                        "looks_like": {"type": "string"},
                    },
                },
            },
            "rotations_received": {
                "type": "array",
                "items": _ref("Summary"),
                "description": "rotations by other keys naming this key as new; only a two-way "
                "one, first in log order, is followed (see predecessor)",
            },
            "contacts": {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["statement_index", "threshold", "contacts"],
                        "properties": {
                            "statement_index": {"type": "integer"},
                            "threshold": {"type": "integer"},
                            "contacts": {"type": "array", "items": FINGERPRINT},
                        },
                    },
                ],
                "description": "the trusted contacts in force for the chain's current key: "
                "threshold of them can recover it (docs/recovery.md, Trusted contacts)",
            },
            "devices": {
                "type": "array",
                "description": "device keys the chain's keys added, revoked ones included",
                "items": {
                    "type": "object",
                    "required": ["fingerprint", "added_by_index"],
                    "properties": {
                        "fingerprint": FINGERPRINT,
                        "added_by_index": {"type": "integer"},
                        "revoked_since": {"type": ["integer", "null"]},
                        "revoked_by_index": {"type": ["integer", "null"]},
                    },
                },
            },
        },
    },
    "CheckRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {
                "type": "string",
                "description": "the words to check, at most 1,000,000 characters",
            },
            "author": {
                "type": ["string", "null"],
                "description": "optional: a verifier key, its fingerprint, its 8-hex key ID, or a "
                "key or display name (which may mean several keys: each match names its key); "
                "then only that author's statements and denials decide",
            },
        },
    },
    "CheckedStatement": {
        "type": "object",
        "required": [
            "index",
            "leaf_hash",
            "kind",
            "lang",
            "author",
            "url",
            "api_url",
            "bundle_url",
        ],
        "properties": {
            "index": {"type": "integer"},
            "leaf_hash": HEX64,
            "kind": KIND,
            "lang": {"type": "string"},
            "author": AUTHOR_IDENTITY,
            "url": {"type": "string", "description": "the statement's page"},
            "api_url": {"type": "string"},
            "bundle_url": {"type": "string", "description": "its offline proof bundle"},
            "stolen_key_by": {
                "type": ["integer", "null"],
                "description": "the revocation's index, when the key was reported stolen or lost "
                "from a point at or before this statement",
            },
        },
    },
    "CheckMatch": {
        "type": "object",
        "required": ["verdict", "how", "similarity", "statement", "followed_by", "diff", "context"],
        "properties": {
            "verdict": {"enum": ["signed", "denied", "contained", "altered"]},
            "how": {"enum": ["exact", "near copy", "quote", "text hash"]},
            "similarity": {"type": "number", "minimum": 0, "maximum": 1},
            "statement": {"oneOf": [{"type": "null"}, _ref("CheckedStatement")]},
            "followed_by": {
                "type": "array",
                "items": _ref("CheckedStatement"),
                "description": "the author's later retractions and corrections of it",
            },
            "diff": {
                "type": ["array", "null"],
                "description": "near copies: the signed words beside the checked words",
                "items": {
                    "type": "object",
                    "required": ["op", "signed", "checked"],
                    "properties": {
                        "op": {"enum": ["equal", "replace", "delete", "insert"]},
                        "signed": {"type": "string"},
                        "checked": {"type": "string"},
                        "look_alike": {
                            "type": "boolean",
                            "description": "present and true when the two sides look the same "
                            "(TR39 skeletons): letters of another alphabet",
                        },
                        "scripts": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "present when a checked word here mixes alphabets "
                            "(Unicode script names)",
                        },
                    },
                },
            },
            "gaps": {
                "type": "integer",
                "description": "ellipses in the checked words that left the statement's words out",
            },
            "context": {
                "type": ["object", "null"],
                "description": "quotes: the statement's words around the quoted ones",
                "required": ["before", "quote", "after"],
                "properties": {
                    "before": {"type": "string"},
                    "quote": {"type": "string"},
                    "after": {"type": "string"},
                },
            },
            "denial": {
                "type": "object",
                "description": "denials only: the passage denied, and the hashes it names",
                "required": ["denied_text", "refers"],
                "properties": {
                    "denied_text": {"type": ["string", "null"]},
                    "refers": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
    "CheckPassage": {
        "type": "object",
        "description": "a passage of the text (a sentence, a sentence of a quote, or the frame "
        "around a quote) and who said it",
        "required": [
            "number",
            "start",
            "end",
            "text",
            "verdict",
            "quoted",
            "frame",
            "gaps",
            "cut_before",
            "match",
            "also",
        ],
        "properties": {
            "number": {
                "type": ["integer", "null"],
                "description": "its number for a reader, 1 first; null for a frame",
            },
            "start": {"type": "integer", "description": "offset in the text, in code points"},
            "end": {"type": "integer"},
            "text": {"type": "string"},
            "verdict": {"enum": ["signed", "denied", "contained", "altered", "unknown"]},
            "quoted": {"type": "boolean", "description": "inside quotation marks"},
            "frame": {"type": "boolean", "description": "the words around a quote"},
            "gaps": {"type": "integer", "description": "ellipses inside it"},
            "cut_before": {
                "type": "integer",
                "description": "words of the same statement left out before it with no ellipsis",
            },
            "match": {"oneOf": [{"type": "null"}, _ref("CheckMatch")]},
            "also": {"type": "array", "items": _ref("CheckMatch")},
        },
    },
    "CheckResult": {
        "type": "object",
        "required": [
            "verdict",
            "message",
            "proves_nothing",
            "similarity",
            "threshold",
            "normalised_hash",
            "author",
            "matches",
            "other_matches",
            "passages",
            "mixed_scripts",
            "checkpoint",
        ],
        "properties": {
            "verdict": {
                "enum": ["signed", "denied", "contained", "mixed", "altered", "unknown"],
                "description": "signed only for an exact copy of a whole statement; mixed: some "
                "passages are the author's words, others appear in no statement",
            },
            "message": {"type": "string", "description": "the verdict in one sentence"},
            "stolen_key": {
                "type": "boolean",
                "description": "the verdict rests on a statement signed by a key its author "
                "reported stolen or lost after the point they revoked it: not the author's words",
            },
            "proves_nothing": {
                "type": "boolean",
                "description": "true for unknown: no match proves nothing either way",
            },
            "similarity": {"type": ["number", "null"], "description": "of the best match"},
            "threshold": {"type": "number", "description": "a near copy's least similarity"},
            "normalised_hash": HEX64,
            "author": {
                "type": ["object", "null"],
                "required": ["given", "as", "fingerprints", "ambiguous", "keys"],
                "properties": {
                    "given": {"type": "string"},
                    "as": {"enum": ["key", "fingerprint", "key ID", "name"]},
                    "fingerprints": {
                        "type": "array",
                        "items": FINGERPRINT,
                        "description": "every key the author given may mean here",
                    },
                    "ambiguous": {
                        "type": "boolean",
                        "description": "several keys carry the name or key ID given: each "
                        "match names its key",
                    },
                    "keys": {"type": "array", "items": KNOWN_KEY},
                },
            },
            "matches": {
                "type": "array",
                "items": _ref("CheckMatch"),
                "description": "what the verdict rests on, best first",
            },
            "other_matches": {
                "type": "array",
                "items": _ref("CheckMatch"),
                "description": "weaker findings, and other authors' when an author was asked",
            },
            "passages": {
                "type": "array",
                "items": _ref("CheckPassage"),
                "description": "the text sentence by sentence, in order",
            },
            "mixed_scripts": {
                "type": "array",
                "description": "words whose letters come from more than one alphabet",
                "items": {
                    "type": "object",
                    "required": ["word", "start", "end", "scripts"],
                    "properties": {
                        "word": {"type": "string"},
                        "start": {"type": "integer"},
                        "end": {"type": "integer"},
                        "scripts": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "checkpoint": {
                "oneOf": [{"type": "null"}, _ref("CheckpointSummary")],
                "description": "the log's checkpoint when the check ran: for citing it",
            },
        },
    },
    "CheckpointSummary": {
        "type": "object",
        "required": ["origin", "size", "root"],
        "properties": {
            "origin": {"type": "string"},
            "size": {"type": "integer"},
            "root": {"type": "string", "description": "base64 of the tree's root hash"},
        },
    },
    "CheckBatchRequest": {
        "type": "object",
        "required": ["checks"],
        "properties": {
            "checks": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100,
                "items": _ref("CheckRequest"),
            }
        },
    },
    "CheckBatchResult": {
        "type": "object",
        "required": ["results", "checkpoint"],
        "properties": {
            "results": {
                "type": "array",
                "description": "one per text, in order: its answer, or its error",
                "items": {
                    "oneOf": [
                        _ref("CheckResult"),
                        {
                            "type": "object",
                            "required": ["error", "status"],
                            "properties": {
                                "error": {"type": "string"},
                                "status": {"type": "integer"},
                            },
                        },
                    ]
                },
            },
            "checkpoint": {"oneOf": [{"type": "null"}, _ref("CheckpointSummary")]},
        },
    },
    "Bundle": {
        "type": "object",
        "description": "an offline proof bundle (docs/bundle-format.md)",
        "required": [
            "format",
            "index",
            "head",
            "body",
            "tree_size",
            "inclusion_proof",
            "checkpoint",
        ],
        "properties": {
            "format": {"const": "firsthand-bundle/v1"},
            "index": {"type": "integer"},
            "head": {"type": "string"},
            "body": {"type": ["string", "null"]},
            "withheld": {
                "type": ["object", "null"],
                "description": "the operator's notice: its index, signed head, inclusion proof",
                "properties": {
                    "index": {"type": "integer"},
                    "head": {"type": "string"},
                    "inclusion_proof": {
                        "type": "array",
                        "items": {"type": "string", "format": "byte"},
                    },
                },
            },
            "tree_size": {"type": "integer"},
            "inclusion_proof": {"type": "array", "items": {"type": "string", "format": "byte"}},
            "checkpoint": {"type": "string"},
            "revocations": {
                "type": ["array", "null"],
                "description": "the logged revocations and recoveries of the author's key, each "
                "with its index, signed head and inclusion proof in the same tree",
                "items": {"type": "object"},
            },
            "recovery_commitment": {
                "type": ["object", "null"],
                "description": "the key's first statement, naming its recovery key, proved alike",
            },
            "succession": {
                "type": ["array", "null"],
                "description": "the statements that decide the rest (docs/bundle-format.md, "
                "Succession): social recoveries and the contacts they rely on, a device key's "
                "certificate and revocations, proved alike",
                "items": {"type": "object"},
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/statements": {
        "post": {
            "summary": "Publish a signed statement",
            "description": (
                "The body is a statement file (docs/statement-format.md): the signed head, a "
                "blank line, the body. The answer comes once the log has durably sequenced the "
                "head. Sending the same statement again answers 200 with the first index. "
                "A withholding notice is accepted only when signed by the operator key "
                "(`firsthand withhold`). Limited per client per minute."
            ),
            "requestBody": {
                "required": True,
                "content": {"text/plain; charset=utf-8": {"schema": {"type": "string"}}},
            },
            "responses": {
                "201": _json(_ref("Published"), "logged now"),
                "200": _json(_ref("Published"), "already logged: the first index"),
                "400": _error("not a statement file (grammar, encoding)"),
                "413": _error("the request or the body is larger than the server accepts"),
                "415": _error("the content type is not text/plain; charset=utf-8"),
                "403": _error("a withholding notice not signed by the operator key"),
                "409": _error("the statement is already withheld by another notice"),
                "422": _error(
                    "a well-formed statement refused: bad signature, body not the one signed, "
                    "dated in the future, a correction of another key's statement, "
                    "a reference to a statement not in this log"
                ),
                "429": {**_error("too many statements from this client"), "headers": RETRY_AFTER},
                "503": {**_error("the log cannot take statements now"), "headers": RETRY_AFTER},
            },
        }
    },
    "/api/v1/media": {
        "post": {
            "summary": "Clean a photo or video and keep the cleaned copy",
            "description": (
                "The body is the file itself (not a form); its type is read from its bytes: "
                "JPEG, PNG, WebP, HEIC, GIF, TIFF, MP4, MOV, 3GP, WebM, MKV. Location, device, "
                "owner, date and editing metadata are removed, the result is read back (exiftool, "
                "and for videos the box walker or ffprobe), and only then kept. The original is "
                "never stored. A statement may list the answer's sha256, type and size; "
                "publishing refuses a statement listing a file the server does not hold. Shares "
                "the per-client limit of POST /api/v1/statements."
            ),
            "parameters": [
                {
                    "name": "Firsthand-Removed-On-Device",
                    "in": "header",
                    "required": False,
                    "description": "comma-separated English labels of what the sender removed "
                    "before uploading (as the labels in `removed`, never values); answered "
                    "back as removed_on_device",
                    "schema": {"type": "string", "maxLength": 2000},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "201": _json(_ref("Uploaded"), "cleaned, checked and kept"),
                "400": _error("an empty request, or a Content-Length that is not a number"),
                "413": _error("larger than the server accepts, in bytes or duration"),
                "415": _error("not a photo or video type we accept (it is named), or a form"),
                "422": _error(
                    "damaged or truncated, a disguised file, a decompression bomb, or metadata "
                    "that could not be removed"
                ),
                "429": {**_error("too many uploads from this client"), "headers": RETRY_AFTER},
                "503": {**_error("the server is busy cleaning"), "headers": RETRY_AFTER},
            },
        }
    },
    "/api/v1/statements/{index}": {
        "get": {
            "summary": "A published statement",
            "parameters": [INDEX],
            "responses": {
                "200": _json(_ref("Statement"), "the statement"),
                "404": _error("no statement at this index"),
            },
        }
    },
    "/api/v1/statements/{index}/bundle": {
        "get": {
            "summary": "An offline proof bundle for a published statement",
            "parameters": [INDEX],
            "responses": {
                "200": {
                    **_json(_ref("Bundle"), "the bundle, as an attachment"),
                    "headers": {
                        "Content-Disposition": {"schema": {"type": "string"}},
                        "Firsthand-Cosigned": {
                            "schema": {"enum": ["yes", "pending"]},
                            "description": "on a log with witnesses: whether the bundle's "
                            "checkpoint carries their cosignatures; pending (with Retry-After) "
                            "when none holds the entry yet (docs/bundle-format.md)",
                        },
                        **RETRY_AFTER,
                    },
                },
                "404": _error("no statement at this index"),
                "500": _error("the log and the statement table disagree"),
            },
        }
    },
    "/api/v1/authors/{fingerprint}": {
        "get": {
            "summary": "Statements by a key (its fingerprint), and vouches and rotations for it",
            "parameters": [
                {"name": "fingerprint", "in": "path", "required": True, "schema": FINGERPRINT}
            ],
            "responses": {
                "200": _json(_ref("Author"), "what the log holds by or about this key"),
                "404": _error("nothing by or about this key"),
            },
        }
    },
    "/api/v1/authors/{key_id}": {
        "get": {
            "summary": "An old link by key ID: never one key picked silently",
            "description": "A key ID is 32 bits and anyone can make a key that shares one. "
            "One key here has it: 302 to /api/v1/authors/{fingerprint}. Several: 300 with "
            "every key.",
            "parameters": [{"name": "key_id", "in": "path", "required": True, "schema": KEY_ID}],
            "responses": {
                "302": {"description": "the one key with this ID, by its fingerprint"},
                "300": _json(
                    {
                        "type": "object",
                        "required": ["error", "keys"],
                        "properties": {
                            "error": {"type": "string"},
                            "keys": {"type": "array", "items": KNOWN_KEY},
                        },
                    },
                    "several keys share this key ID",
                ),
                "404": _error("no key here has this key ID"),
            },
        }
    },
    "/api/v1/text-hash": {
        "post": {
            "summary": "The normalised SHA-256 of a text: what a denial refers to",
            "description": "docs/normalisation.md defines the normalisation.",
            "requestBody": {
                "required": True,
                "content": {"text/plain; charset=utf-8": {"schema": {"type": "string"}}},
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["sha256", "normalised"],
                        "properties": {"sha256": HEX64, "normalised": {"type": "string"}},
                    },
                    "the hash, and the normalised text it is the hash of",
                ),
                "400": _error("empty or not UTF-8"),
                "413": _error("larger than 1,000,000 bytes"),
                "415": _error("not text/plain"),
            },
        }
    },
    "/api/v1/check": {
        "post": {
            "summary": "Who said it? Check a text against what authors signed and denied",
            "description": (
                "Texts are compared as normalised words (docs/normalisation.md), as a whole and "
                "passage by passage (each sentence, each sentence of a quote, each frame around "
                "a quote; an ellipsis is a gap, not a change). The verdict is the first that "
                "holds: signed (word for word a signed statement, and nothing else), denied "
                "(its author signed a denial of it or of a passage of it), contained (a quote "
                "of at least 5 words from a signed statement, or only such quotes and their "
                "frames), mixed (some passages are the author's, others appear nowhere), "
                "altered (a near copy, or an unmarked cut), unknown (none of these, which "
                "proves nothing either way). Withheld statements are never matched. Checks "
                "have a per-client limit of their own, counted in texts."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("CheckRequest")}},
            },
            "responses": {
                "200": _json(_ref("CheckResult"), "the verdict and the statements it rests on"),
                "400": _error("not JSON, no text, no words to check, or an author that is no key"),
                "413": _error("larger than the server checks"),
                "415": _error("not application/json"),
                "429": {**_error("too many requests from this client"), "headers": RETRY_AFTER},
                "503": {
                    **_error("a large site still indexing its statements after a restart"),
                    "headers": RETRY_AFTER,
                },
            },
        }
    },
    "/api/v1/check/batch": {
        "post": {
            "summary": "Who said it? Up to 100 texts at once, for archives",
            "description": (
                "Each text is checked as POST /api/v1/check checks it; the results come back "
                "in order, an error in place of a text that cannot be checked. The batch "
                "spends one token of the per-client check limit for each text, all or none."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("CheckBatchRequest")}},
            },
            "responses": {
                "200": _json(_ref("CheckBatchResult"), "one answer or error per text"),
                "400": _error("not JSON, or no list of checks"),
                "413": _error("more than 100 texts, or larger than the server checks"),
                "415": _error("not application/json"),
                "429": {**_error("too many checks from this client"), "headers": RETRY_AFTER},
                "503": {
                    **_error("a large site still indexing its statements after a restart"),
                    "headers": RETRY_AFTER,
                },
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
        }
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "firsthand",
            "version": "1",
            "description": "Publish first-person statements and fetch their proofs.",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
