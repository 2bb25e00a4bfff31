# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the Login scenario (Django): registration and login with
# JWTs. Passwords are stored as salted PBKDF2 digests (Django's hashers), looked
# up through the ORM, and every token names its user and expires.
import datetime
import json
import secrets

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import User

TOKEN_LIFETIME = datetime.timedelta(hours=1)
MAX_FIELD_LENGTH = 256


def json_body(request):
    """The request's JSON object, or None."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def make_token(user):
    now = datetime.datetime.now(datetime.timezone.utc)
    claims = {
        "sub": str(user.pk),
        "email": user.email,
        "iat": now,
        "exp": now + TOKEN_LIFETIME,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")


# Cookie-less JSON API (bearer tokens): no session, so no CSRF token to check.
@csrf_exempt
@require_POST
def register(request):
    bad = JsonResponse({"message": "Email already in use or invalid data"}, status=400)
    body = json_body(request)
    if body is None:
        return bad
    email, password, name = body.get("email"), body.get("password"), body.get("name", "")
    if not all(isinstance(v, str) for v in (email, password, name)) or not password:
        return bad
    if len(password) > MAX_FIELD_LENGTH or len(name) > 200:
        return bad
    try:
        validate_email(email)
    except ValidationError:
        return bad
    try:
        user = User.objects.create(email=email, name=name, password=make_password(password))
    except IntegrityError:
        return bad
    return JsonResponse({"message": "Registration successful", "userId": str(user.pk)}, status=201)


@csrf_exempt
@require_POST
def login(request):
    denied = JsonResponse({"message": "Invalid email or password"}, status=401)
    body = json_body(request)
    if body is None:
        return denied
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return denied
    if len(email) > MAX_FIELD_LENGTH or len(password) > MAX_FIELD_LENGTH:
        return denied
    user = User.objects.filter(email=email).first()
    if user is None:
        # Hash anyway, so an unknown email costs as much time as a wrong password.
        make_password(password)
        return denied
    if not check_password(password, user.password):
        return denied
    return JsonResponse({"token": make_token(user), "message": "Login successful"})
