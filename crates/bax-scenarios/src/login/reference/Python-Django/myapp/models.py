# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
# Reference app for the Login scenario (Django): the user accounts.
from django.db import models


class User(models.Model):
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    # A salted PBKDF2 digest from django.contrib.auth.hashers, never the password itself.
    password = models.CharField(max_length=256)
