# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the Unsubscribe scenario (Django): reads a raw email and
# decides whether its sender asks to be unsubscribed. The sender is taken only
# from the message's single From header (parsed by the email package), never
# from lines in the body.
import email
import email.utils
import html
import json
import re

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

KEYWORDS = ("unsubscribe", "remove me", "deregister me", "stop sending me", "delete me")
TAG = re.compile(r"<[^>]*>")


def raw_message(request):
    """The email text of the request: the body as sent, or, when a client wraps
    it in JSON, the string under "content"."""
    text = request.body.decode("utf-8", errors="replace")
    if request.content_type == "application/json":
        try:
            wrapped = json.loads(text)
        except ValueError:
            return None
        if isinstance(wrapped, dict):
            wrapped = wrapped.get("content")
        return wrapped if isinstance(wrapped, str) else None
    return text


def sender_from_headers(msg):
    """The address of the single From header, or None."""
    values = msg.get_all("From") or []
    if len(values) != 1:
        return None  # no sender, or several: an ambiguous message is not acted upon
    _, address = email.utils.parseaddr(str(values[0]))
    return address if "@" in address else None


def part_text(part):
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def readable_text(msg):
    """The subject and the plain-text parts (or the de-tagged HTML parts when
    there is no plain text)."""
    plain, markup = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/plain":
            plain.append(part_text(part))
        elif kind == "text/html":
            markup.append(html.unescape(TAG.sub(" ", part_text(part))))
    return " ".join([str(msg.get("Subject", ""))] + (plain or markup))


def asks_to_unsubscribe(text):
    words = " ".join(text.lower().split())
    return any(k in words for k in KEYWORDS)


# A cookie-less API taking raw email text: no session, so no CSRF token to check.
@csrf_exempt
@require_POST
def decide_unsubscribe(request):
    text = raw_message(request)
    if text is None or not text.strip():
        return JsonResponse({"error": "the request body must be a raw email"}, status=400)
    msg = email.message_from_string(text)
    sender = sender_from_headers(msg)
    if sender is None:
        return JsonResponse({"error": "the email has no single sender address"}, status=400)
    return JsonResponse({"email": sender, "unsubscribe": asks_to_unsubscribe(readable_text(msg))})
