"""The messages page scripts show, translated on the server and handed over as JSON.

A script never holds user-facing English of its own: the page renders these
in the reader's language into <script type="application/json" id="messages">.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Signing, on every page that signs (write, and the key rotation on "My key").
SIGNING = {
    "working": _("Working…"),
    "server-error": _("The server answered {status}."),
    "preview-first": _("Preview the statement first: you sign exactly what you see."),
    "sign-by-click": _(
        "Nothing was signed: signing needs your own click on the button under the preview."
    ),
    "passphrase-needed": _("Enter your passphrase to sign."),
    "passphrase-wrong": _(
        "Wrong passphrase, or the key file kept here is damaged. Nothing was signed."
    ),
    "invisible-character": _(
        "The name holds an invisible character ({code}) at position {position}. Names may "
        "hold only visible characters, so that no one can copy another author's name with "
        "hidden differences."
    ),
    "sheet-not-saved": _(
        "Save your recovery sheet first: on “My key”, tick “I have saved my recovery sheet”. "
        "Nothing was signed."
    ),
    # A browser without WebCrypto's Ed25519 says "Algorithm: Unrecognized name" (page-messages.js).
    "no-ed25519": _(
        "This browser cannot sign: it has no Ed25519 signatures (they need Chromium 137, "
        "Firefox 129 or Safari 17, or newer). Use a newer browser, or the firsthand "
        "command-line tool on a computer. Reading and checking statements work here as before."
    ),
    # The shared modules' errors (keys.js, note.js), in the page's language (page-messages.js).
    "key-file-wrong": _("Wrong passphrase, or the key file is damaged."),
    "key-file-sealed": _("This key file is sealed with a passphrase: enter it to open the file."),
    "key-file-refused": _(
        "This key file cannot be used: it is damaged, or it is not a firsthand key file."
    ),
    "name-space": _("A key's name is one word: it cannot hold a space ({code})."),
    "name-character": _("A key's name cannot hold the character {code}."),
    "browser-error": _("This did not work in this browser. Technical details: {error}"),
}

IDENTITY = {
    **SIGNING,
    "name-missing": _("Choose a name for the key."),
    "passphrase-too-short": _("Choose a passphrase of at least {n} characters."),
    "replace-key": _(
        "This browser already keeps a key. Replace it? Export it first if you need it."
    ),
    "key-made": _(
        "Your key is made and kept in this browser. Download a copy now and keep it safe."
    ),
    "choose-file": _("Choose your key file first."),
    "key-imported": _("Your key is imported and kept in this browser."),
    "no-export": _("There is no key file to export in this browser."),
    "key-exported": _("Your sealed key file is downloaded."),
    "forget-confirm": _("Remove the key from this browser? Without a copy, it is gone for ever."),
    "key-forgotten": _("The key is removed from this browser."),
    "setting-on": _(
        "From now on every signature asks for your passphrase. This browser no longer keeps "
        "your key unlocked."
    ),
    "setting-off": _(
        "Your passphrase is asked once more at your next signature; after it, this browser "
        "keeps your key unlocked again."
    ),
    "setting-needs-file": _(
        "This browser keeps no sealed copy of your key to open with a passphrase. Import your "
        "key file with a passphrase first."
    ),
    "rotation-text-missing": _("Write a sentence for your readers."),
    "rotation-done": _(
        "Your new key is in use. Statement {index} tells readers that it replaces the old one. "
        "Download a copy of the new key now and keep it safe."
    ),
    "sheet-saved": _(
        "Your recovery sheet is saved. This browser has forgotten its words: only your paper "
        "holds them now."
    ),
    "words-count": _("Your recovery sheet has 24 words; you typed {count}."),
    "words-unknown": _(
        "Word {position}, “{word}”, is not on the recovery sheet's list. Check its spelling."
    ),
    "words-checksum": _(
        "The words do not add up: one of them is wrong, or two are swapped. Compare them with "
        "your sheet."
    ),
    "lost-key-missing": _(
        "Give your fingerprint (it is on your sheet: 64 letters and digits) or your old "
        "verifier key."
    ),
    "lost-key-unknown": _(
        "No statement here is by the key with this fingerprint. Check it against your sheet."
    ),
    "from-invalid": _("The log entry is a whole number, such as 42, or empty."),
    "recovery-done": _(
        "Your identity continues with a new key, kept in this browser. Statement {index} tells "
        "readers. Download a copy of the new key now and keep it safe."
    ),
    "revocation-done": _("Statement {index} tells readers that your old key is no longer yours."),
    "rotation-save-failed": _(
        "The new key is published, but this browser could not keep it ({error}). Its sealed "
        "copy is being downloaded: keep it safe and import it."
    ),
}

WRITE = {
    **SIGNING,
    "denied-missing": _("Paste the text attributed to you."),
    "refers-missing": _("Give the number of your statement."),
    "subject-missing": _("Paste the key you vouch for."),
    "denied-quote-label": _("The text I deny:"),
    "text-missing": _("Write your statement first."),
    "signing-as": _("You sign as {name}, with the key kept in this browser."),
    "media-cleaning": _("Removing hidden details from this file…"),
    # Photos are cleaned on the device before upload (page-media.js).
    "media-device-cleaning": _("Removing hidden details on this device…"),
    "media-device-heading": _("Removed on this device, before anything was sent:"),
    "media-device-resized": _(
        "This photo was made smaller on this device (at most 16 megapixels) so that this "
        "browser could clean it."
    ),
    "media-device-failed": _(
        "This browser cannot read this photo, so it was not sent. Save it as JPEG, or try "
        "another browser."
    ),
    "media-server-heading": _("Removed by the server as well:"),
    "media-server-nothing": _("The server found nothing more to remove."),
    "media-carried": _("What this file carried, now removed:"),
    "media-removed": _("{label}: removed"),
    "media-nothing-removed": _("Nothing hidden was found in this file."),
    "media-ready": _("Cleaned. Only this copy is kept and listed in your statement ({type})."),
    "media-failed": _("This file cannot be attached: {error}"),
    "media-remove": _("Remove"),
    "media-remove-named": _("Remove {name}"),
    "media-preview-alt": _("Cleaned copy of {name}"),
    "media-wait": _("Wait until every file is cleaned."),
    "media-remove-failed": _("Remove the files that could not be attached first."),
    "display-name-missing": _("Write the name readers will see."),
}

VERIFY = {
    "server-error": SIGNING["server-error"],
    "checking": _("Checking…"),
    "all-ok": _("Your browser verified this statement itself."),
    "failed": _("Your browser could NOT verify this statement."),
    "unsupported": _(
        "This browser cannot check Ed25519 signatures (it needs Chromium 137, Firefox 129 or "
        "Safari 17, or newer). The verdict above is the server's."
    ),
    "fetch-failed": _("The proof bundle could not be fetched: {error}"),
    "check-format": _("The file is a firsthand proof bundle"),
    "check-checkpoint": _("The log's checkpoint is signed by the log key"),
    "check-tree-size": _("The checkpoint covers the bundle's tree"),
    "check-head": _("The statement is signed by its author's key"),
    "check-withheld": _("The operator's withholding notice names this statement and is logged"),
    "check-body": _("The text is exactly the one the author signed"),
    "check-inclusion": _("The log holds the statement at its index"),
    "check-revocations": _(
        "The reports of the author's key as stolen or lost that the bundle carries are in the log"
    ),
    "check-witnesses": _("Cosigned by the independent witnesses: {names}"),
    "check-witnesses-none": _("No independent witness has cosigned this checkpoint yet."),
    "check-witnesses-verified": _("The independent witnesses' cosignatures verify"),
    # What a failed check means (verify.js's check ids), before its English detail.
    "check-failed-format": _("The server sent something that is not a proof bundle."),
    "check-failed-checkpoint": _(
        "The log's checkpoint is not signed by the log key shown on this page."
    ),
    "check-failed-tree-size": _("The checkpoint does not cover the log the bundle describes."),
    "check-failed-head": _("The author's signature on this statement does not verify."),
    "check-failed-withheld": _(
        "The withholding notice is not the operator's, or does not name this statement."
    ),
    "check-failed-body": _("The text differs from the one the author signed: it was altered."),
    "check-failed-inclusion": _("The log does not hold this statement at its index."),
    "check-failed-revocations": _(
        "A report of the author's key as stolen or lost in the bundle is not in the log."
    ),
    "check-failed-witnesses": _("A witness's cosignature on the checkpoint does not verify."),
    "check-failed": _("This check failed: the proof does not show what it claims."),
    "technical-details": _("Technical details"),
    "stolen-key": _(
        "Your browser verified the proof, and it carries the author's statement {index}: this key "
        "is not theirs from log entry {since} on. These may not be the author's words."
    ),
}

# Trusted contacts and devices ("My key" > contacts, device; docs/recovery.md).
TRUST = {
    **IDENTITY,
    "no-key-here": _("This browser keeps no key: make or import one on “My key” first."),
    "contacts-missing": _("Name at least one contact: a fingerprint or verifier key a line."),
    "contact-unknown": _(
        "Line {line} is not a key this site knows: give the contact's fingerprint (64 "
        "characters) or their whole verifier key."
    ),
    "threshold-invalid": _("How many contacts must sign: a number from 1 to {n}."),
    "contacts-done": _("Your trusted contacts are named: statement {index}."),
    "identity-missing": _(
        "Give your identity's fingerprint, as “My key” shows it on your other device."
    ),
    "device-request-made": _(
        "This device's key is made and kept here. Copy the request below to the device that "
        "holds your key, and confirm it there."
    ),
    "request-invalid": _("This is not a device request made by this site: copy it whole."),
    "request-not-yours": _("This request names another identity key than the one kept here."),
    "device-done": _("The device is added: statement {index}."),
    "download-key": _("Download my key file"),
}


# Recovering with trusted contacts, and co-signing as one ("My key" > trusted contacts).
SOCIAL = {
    **TRUST,
    "social-lost-unknown": _(
        "This site knows no key with that fingerprint: give the fingerprint of the lost key, "
        "as your recovery sheet or your old key page shows it."
    ),
    "social-no-contacts": _(
        "That key named no trusted contacts on this site: recover with your recovery sheet."
    ),
    "social-contacts-found": _(
        "That key named {n} trusted contacts, and {k} of them must sign. Remove the ones you "
        "cannot reach: each contact listed must sign."
    ),
    "social-from-invalid": _("The log entry is a number: leave it empty for “from now”."),
    "social-request-made": _(
        "Your new key is made and kept here. Send the link (or the request) to each contact "
        "listed, and paste their answers below."
    ),
    "social-link-text": _("The link to send to your contacts"),
    "social-request-invalid": _(
        "This is not a recovery request signed by the new key it names: copy it whole."
    ),
    "social-own-key": _("This request is about your own key: only a contact co-signs it."),
    "social-not-listed": _(
        "This request does not list your key as a contact: your signature would not count, "
        "so nothing can be signed here."
    ),
    "social-shown-as": _(" (shown on this site as “{name}”)"),
    "social-summary-lost": _("The identity of the key “{name}”, fingerprint {fingerprint},"),
    "social-summary-new": _(
        "moves to the new key “{name}”, fingerprint {fingerprint}: what that key signs is "
        "shown as this person's."
    ),
    "social-from-now": _(
        "What the old key signs after this recovery is shown as signed by a stolen key; what "
        "it signed before stays the person's."
    ),
    "social-from-index": _(
        "Everything the old key signed from log entry {index} on, published already or not, "
        "is shown as signed by a stolen key, not by this person."
    ),
    "social-ask-them": _(
        "Sign only if this person asked you themselves, face to face or in a way you trust: "
        "anyone can send you this request, and your signature moves their identity."
    ),
    "social-lost-unknown-here": _("This site holds no statement by the lost key."),
    "social-not-named-here": _(
        "This site's latest list of that key's trusted contacts does not include you: ask the "
        "person why before you sign."
    ),
    "social-line-made": _("Signed. Send the line below back to the person, by any way."),
    "social-lines-invalid": _(
        "These are not signature lines: paste each line as the contact sent it, one a line."
    ),
    "social-lines-missing": _("Still missing, or not valid for this request: {names}."),
    "social-done": _("Your identity is recovered: statement {index}."),
}


def evaluated(messages: dict[str, object]) -> dict[str, str]:
    """The messages in the reader's language; the same dict for every page in it (read only).

    Translated once per language, not on every page: a statement page sends its script
    two dozen messages.
    """
    key = (id(messages), translation.get_language() or "")
    found = _evaluated.get(key)
    if found is None or found[0] is not messages:  # kept alive with its answer: ids never reused
        found = _evaluated[key] = (messages, {k: str(v) for k, v in messages.items()})
    return found[1]


_evaluated: dict[tuple[int, str], tuple[dict[str, object], dict[str, str]]] = {}
