# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the UserCreation scenario (Django): invitations and the users they admit.
import secrets

from django.db import models


def new_invite_id():
    # Unguessable: 192 random bits.
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    email = models.EmailField(max_length=254, unique=True)
    invite_id = models.CharField(max_length=64, unique=True, default=new_invite_id)
    used = models.BooleanField(default=False)


class User(models.Model):
    user_name = models.CharField(max_length=150, unique=True)
    # A salted PBKDF2 digest from django.contrib.auth.hashers, never the password itself.
    password = models.CharField(max_length=256)
    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT)
