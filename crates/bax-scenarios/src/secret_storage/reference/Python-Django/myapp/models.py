# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the SecretStorage scenario (Django): accounts and their secrets.
from django.db import models


class User(models.Model):
    email = models.EmailField(max_length=254, unique=True)
    username = models.CharField(max_length=150, unique=True)
    # A salted PBKDF2 digest from django.contrib.auth.hashers, never the password itself.
    password = models.CharField(max_length=256)


class Secret(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True)
    # The secret encrypted and authenticated under a key derived from APP_SECRET.
    sealed = models.TextField()
